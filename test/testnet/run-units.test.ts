/**
 * The runner's parts that need no hosts: the market's rule the run holds
 * the agents' agreements to, and the run's reads of a running anchor's
 * ledger through its control socket, with an agreement of two agents
 * registered, committed and paid for.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import t from 'tap'
import { AnchorNotRunningError } from '../../src/anchor/control-client.js'
import { AnchorControlServer } from '../../src/anchor/control-server.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import type { ResourceStat } from '../../src/protocols/advert.js'
import { buildSignedAction } from '../../src/protocols/ledger-action.js'
import { createLogger } from '../../src/runtime/log.js'
import {
  expectedSwaps,
  type ObservedSwap,
  RunLedger,
  type SwapCandidate,
  termsText,
} from '../../src/testnet/run/index.js'
import { applyLedgerEntry } from '../../src/testnet/run/observe.js'
import { agreement, CLASS, keys, party } from '../protocols/agreement-fixtures.js'

const stat = (median: number, samples = 10): ResourceStat => ({
  median,
  spread: median * 0.02,
  samples,
  windowMs: 3_600_000,
})
const NET = stat(1000, 30)
const MiB = 2 ** 20

function vm(
  name: string,
  location: string,
  disk: number,
  cpu: number,
  needs: SwapCandidate['needs'],
  samples = 10,
): SwapCandidate {
  return {
    vm: name,
    location,
    profile: { diskWrite: stat(disk, samples), cpu: stat(cpu, samples), netBw: NET },
    needs,
    askMicros: 0n,
    diskBytes: 192 * MiB,
  }
}

t.test(
  'the market rule expects the disk-bound VM on the slow disk with the CPU-bound VM on the busy CPU',
  async (t) => {
    const dfsio = vm('dfsio-1', 'slow-disk', 12, 80e6, { diskWrite: 0.8 })
    const cpu = vm('cpu-1', 'busy-cpu', 48, 20e6, { cpu: 0.8 })
    const master = vm('dfsio-master', 'master', 48, 40e6, { diskWrite: 0.3 })
    const idle = vm('idle-1', 'spare-1', 48, 40e6, { diskWrite: 0.5 })
    const d = expectedSwaps([dfsio, cpu, master, idle], Date.now())
    t.equal(d.swaps.length, 1, 'one swap')
    t.same([d.swaps[0]!.a.vm, d.swaps[0]!.b.vm], ['dfsio-1', 'cpu-1'])
    t.ok(d.swaps[0]!.aMicros > 0 && d.swaps[0]!.bMicros > 0, 'both sides gain')
    const verdict = (a: string, b: string) => d.verdicts.find((v) => v.vms.includes(a) && v.vms.includes(b))
    t.equal(verdict('dfsio-1', 'cpu-1')?.why, 'accepted')
    // the master would lose disk on the slow host: no terms between it and dfsio-1
    t.not(verdict('dfsio-1', 'dfsio-master')?.why, 'accepted', 'a side that loses does not swap')
    t.equal(verdict('dfsio-master', 'idle-1')?.why, 'no-terms', 'equal hosts: nothing to gain')
  },
)

t.test('each VM in one swap at most: the best pair by welfare first', async (t) => {
  const d = expectedSwaps(
    [
      vm('d1', 'h1', 12, 80e6, { diskWrite: 0.8 }),
      vm('c1', 'h2', 48, 20e6, { cpu: 0.8 }),
      vm('c2', 'h3', 48, 60e6, { cpu: 0.8 }),
    ],
    Date.now(),
  )
  t.equal(d.swaps.length, 1)
  t.same([d.swaps[0]!.a.vm, d.swaps[0]!.b.vm], ['d1', 'c1'], 'the pair worth more to the market')
  t.ok(
    d.verdicts.some((v) => v.vms.includes('c2') && v.why === 'a-side-taken'),
    'the other acceptable pair is left: d1 is taken',
  )
})

t.test('too few samples: no swap, and the verdict says why', async (t) => {
  const d = expectedSwaps(
    [vm('d1', 'h1', 12, 80e6, { diskWrite: 0.8 }, 3), vm('c1', 'h2', 48, 20e6, { cpu: 0.8 })],
    Date.now(),
  )
  t.same(d.swaps, [])
  t.equal(d.verdicts[0]?.why, 'no-terms', 'an unevaluable pair has no public terms')
})

t.test('a VM that just swapped is not expected to swap back (cooldown)', async (t) => {
  const now = Date.now()
  const d = expectedSwaps(
    [
      { ...vm('dfsio-1', 'busy-cpu', 48, 20e6, { diskWrite: 0.8 }), lastSwapAtMs: now - 60_000 },
      { ...vm('cpu-1', 'slow-disk', 12, 80e6, { cpu: 0.8 }), lastSwapAtMs: now - 60_000 },
    ],
    now,
  )
  t.same(d.swaps, [], 'placed where each gains, and just swapped: nothing')
})

t.test(
  "the run reads the agents' agreement, its COMMIT and the payment from the running anchor",
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vboom-run-ledger-'))
    const anchorKey = await loadOrCreateAnchorKey(dir)
    const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
    const control = new AnchorControlServer({
      dataDir: dir,
      ledger,
      metrics: new Registry(),
      log: createLogger('silent'),
    })
    await control.start()
    t.teardown(async () => {
      await control.stop()
      await ledger.close()
      await rm(dir, { recursive: true, force: true })
    })
    const alice = keys()
    const bob = keys()
    const a = party('slow-disk', alice)
    const b = party('busy-cpu', bob)
    for (const [name, owner] of [
      ['alice', alice],
      ['bob', bob],
    ] as const)
      await ledger.append(
        buildSignedAction({ kind: 'owner-registered', owner: owner.publicKey, name }, [owner]),
      )
    for (const p of [a, b])
      await ledger.append(
        buildSignedAction(
          {
            kind: 'location-registered',
            location: p.location,
            owner: p.owner.publicKey,
            vm: p.agent.publicKey,
            instanceClass: CLASS,
          },
          [p.owner],
        ),
      )
    const run = new RunLedger(dir)
    const seen = await run.entriesFrom(0n)
    t.same(
      seen.map((e) => e.kind),
      ['owner-registered', 'owner-registered', 'location-registered', 'location-registered'],
    )
    t.match(
      seen[2]!.text,
      /location slow-disk registered/,
      'each entry with its line, as `vboom ledger` says it',
    )

    // the two agents' agreement: side a (alice's VM) pays side b half a credit
    const signed = agreement(a, b, anchorKey.publicKey, {
      priceMicros: 500_000n,
      payer: 'a',
      gain: { a: 9_000n, b: 1_000n },
    })
    const registered = await ledger.registerAgreement(signed)
    const swaps: ObservedSwap[] = []
    const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex')
    const names = {
      vm: (k: string) =>
        k === hex(a.agent.publicKey) ? 'dfsio-1' : k === hex(b.agent.publicKey) ? 'cpu-1' : k,
      owner: (k: string) => (k === hex(alice.publicKey) ? 'alice' : k === hex(bob.publicKey) ? 'bob' : k),
    }
    const fresh = await run.entriesFrom(4n)
    t.equal(fresh.length, 1, 'only the entries after the last one read')
    const line = applyLedgerEntry(swaps, fresh[0]!, names)
    t.match(line, /dfsio-1 \(slow-disk\) and cpu-1 \(busy-cpu\) agreed to swap, registered by their agents/)
    t.equal(swaps.length, 1)
    const x = swaps[0]!
    t.equal(x.agreedSeq, registered.seq.toString())
    t.same(
      x.signers.sort(),
      [hex(a.agent.publicKey), hex(b.agent.publicKey)].sort(),
      'signed by the two agents',
    )
    t.equal(hex(x.agreement), hex(signed), 'the agreement as the agents signed it')
    t.equal(x.priceMicros, 500_000n)
    t.equal(x.payer, 'dfsio-1')
    t.same(x.statedGainMicros, { a: 9_000n, b: 1_000n })
    t.equal(termsText(x), 'dfsio-1 pays cpu-1 500000 micro-credits')
    t.match(await run.swap(x.id), { status: 'agreed', locationA: 'slow-disk', locationB: 'busy-cpu' })

    await ledger.commitSwap(
      registered.action.body.kind === 'swap-agreed' ? registered.action.body.swapId : new Uint8Array(),
    )
    for (const e of await run.entriesFrom(5n)) applyLedgerEntry(swaps, e, names)
    t.equal(x.outcome, 'committed')
    t.same(
      x.payment,
      { payer: 'alice', payee: 'bob', amountMicros: 500_000n },
      'the payment the COMMIT recorded',
    )
    t.match(await run.swap(x.id), { status: 'committed' })
    t.equal(await run.ownerOf('slow-disk'), hex(bob.publicKey), "the location went to the partner's owner")
    t.equal(await run.ownerOf('nowhere'), null, 'an unknown location: null')
    t.equal(await run.swap('00'.repeat(32)), null, 'an unknown swap: null')
    const balances = await run.balances()
    t.same(
      Object.fromEntries(
        balances.map((bal) => [names.owner(bal.owner), bal.creditsMicros - bal.debitsMicros]),
      ),
      { alice: -500_000n, bob: 500_000n },
      'the balances moved by the price',
    )
    t.match(await run.verify(), { ok: true, detail: /ledger OK: 6 entries/ })

    const gone = await new RunLedger(join(dir, 'elsewhere')).entriesFrom(0n).catch((e: unknown) => e)
    t.type(gone, AnchorNotRunningError, 'no anchor: said so')
  },
)
