/**
 * `vboom testnet`'s default scenario, short, as root: 4 hosts with small
 * disks; the disk-bound VM on the slow disk and the CPU-bound VM on the busy
 * CPU find each other, negotiate and register their agreement at the
 * anchor themselves (the agreement signed by their agents under their
 * owners' delegations, held in their own stores; the run builds none), leave
 * for the swap themselves and come up on each other's hosts; both workloads
 * improve, the disks arrive bit for bit, the ledger shows the transfer, the
 * report is written, and nothing of the run is left on the system. Takes
 * ~5-8 min on this machine.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { validateAgreement } from '../../src/protocols/agreement.js'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { runScenario, swapScenario } from '../../src/testnet/run/index.js'
import type { World } from '../../src/testnet/run/world.js'
import { runOnSystem } from './system-objects.js'

t.setTimeout(15 * 60_000)

const why = rootModeUnavailable()
t.test(
  'the slow disk-bound VM and the CPU-bound VM swap, and both run faster',
  { skip: why === null ? false : `needs root mode: ${why}` },
  async (t) => {
    const results = await mkdtemp(join(tmpdir(), 'vboom-run-test-'))
    t.teardown(() => rm(results, { recursive: true, force: true }))
    let runDir = ''
    let runId = ''
    let world: World | undefined
    const lines: string[] = []
    const out = await runScenario({
      scenario: swapScenario(4),
      mode: 'root',
      durationS: 600,
      resultsDir: results,
      view: 'none',
      print: (l) => lines.push(l),
      onWorld: (w) => {
        runDir = w.baseDir
        runId = w.fabric.runId
        world = w
      },
    })
    t.comment(lines.join('\n'))
    t.equal(out.mode, 'root')
    t.ok(
      lines.some((l) => l.startsWith('testnet: root mode')),
      'the run says which mode it uses',
    )
    t.equal(out.swaps.length, 1, 'one swap was agreed')
    const s = out.swaps[0]!
    t.same(
      new Set([s.a.vm, s.b.vm]),
      new Set(['dfsio-1', 'cpu-1']),
      'between the disk-bound and the CPU-bound VM',
    )
    t.equal(s.outcome, 'committed')
    // The run's yardstick: every pair the market's rule expected over the adverts up to the agreement
    // (and at the run's first look after it, for agents that agreed between two looks).
    const expected = out.expected.map((p) => [...p].sort().join('+'))
    t.ok(
      expected.includes('cpu-1+dfsio-1'),
      `the market's rule over the adverts expected this pair (expected: ${expected.join(', ') || 'none'})`,
    )

    // the agents' decentralized matching paired them: each kept, with the agreement, the session that did
    t.same(
      s.chosenBy.map((c) => c.replace(/session \d+$/, 'session N')).sort(),
      ['cpu-1: matching session N', 'dfsio-1: matching session N'],
      `both agents' matching chose the partner (${s.chosenBy.join(', ')})`,
    )

    // the agreement is the agents': their keys signed it under their owners' delegations, both hold it
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    const vmA = world!.vms.get(s.a.vm)!
    const vmB = world!.vms.get(s.b.vm)!
    t.same(
      [...s.signers].sort(),
      [hex(vmA.agentKey), hex(vmB.agentKey)].sort(),
      "the ledger entry is signed by the two VMs' agents",
    )
    const agreed = validateAgreement(s.agreement, { nowMs: s.startedAt, anchorKey: world!.anchorKey })
    t.equal(hex(agreed.swapId), s.id, 'the registered agreement names the swap')
    t.equal(hex(agreed.a.agentKey), hex(vmA.agentKey), "side a is dfsio-1's or cpu-1's agent")
    t.equal(hex(agreed.b.agentKey), hex(vmB.agentKey))
    t.equal(
      hex(agreed.a.delegation),
      hex(vmA.delegation),
      "under the delegation its owner put on the VM's disk",
    )
    t.equal(hex(agreed.b.delegation), hex(vmB.delegation))
    t.ok(agreed.a.statedGainMicros > 0n && agreed.b.statedGainMicros > 0n, 'each agent stated a gain')
    t.same([...s.heldBy].sort(), ['cpu-1', 'dfsio-1'], 'both agents hold the agreement in their own stores')
    t.equal(out.placement['dfsio-1'], 'busy-cpu', 'the disk-bound VM runs on the good disk')
    t.equal(out.placement['cpu-1'], 'slow-disk', 'the CPU-bound VM runs on the quiet CPU')
    for (const i of out.improvements)
      t.ok(i.improved, `${i.vm}: ${i.metric} ${i.before.toFixed(2)} -> ${i.after.toFixed(2)} ${i.unit}`)
    t.equal(out.improvements.length, 2, 'both workloads were judged')
    t.equal(out.disks.length, 2)
    for (const d of out.disks) t.ok(d.same, `${d.vm}'s disk arrived bit for bit (${d.from} -> ${d.to})`)
    t.ok(out.ledger.verified, out.ledger.verifyDetail)
    t.same(
      out.ledger.swaps.map((x) => x.status),
      ['committed'],
      'the anchor committed the swap',
    )
    t.equal(out.ledger.owners['slow-disk'], 'bob', 'bob owns the slow-disk location, where his VM runs')
    t.equal(out.ledger.owners['busy-cpu'], 'alice', 'alice owns the busy-cpu location, where her VM runs')
    for (const d of out.downtimes)
      t.ok(
        d.backAt !== null,
        `${d.vm} ran again after the swap (down ${d.backAt === null ? '-' : ((d.backAt - d.leftAt) / 1000).toFixed(0)} s)`,
      )

    // the report
    const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8'))
    t.equal(json.runs[0].swaps.length, 1, 'results.json holds the swap')
    t.ok(existsSync(join(results, 'report.html')) && existsSync(join(results, 'report.md')))

    // nothing of the run left on the system: cgroups, loop devices, namespaces, mounts, processes
    t.notOk(existsSync(runDir), 'the run directory is gone')
    t.same(runOnSystem(runId, runDir), [], 'nothing of the run is left on the system')
  },
)
