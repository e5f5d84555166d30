/**
 * The runner's parts that need no hosts: the owners' decision by the market
 * core's rule, and the anchor's console over a real ledger.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import type { ResourceStat } from '../../src/protocols/advert.js'
import { buildSignedAction } from '../../src/protocols/ledger-action.js'
import { generateSecretKey, signingKeyPairOf } from '../../src/protocols/signing.js'
import {
  AnchorConsole,
  marketRuleDecider,
  type SwapCandidate,
  serveAnchorConsole,
  TestnetRunError,
} from '../../src/testnet/run/index.js'

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
  'the market rule pairs the disk-bound VM on the slow disk with the CPU-bound VM on the busy CPU',
  async (t) => {
    const decider = marketRuleDecider()
    const dfsio = vm('dfsio-1', 'slow-disk', 12, 80e6, { diskWrite: 0.8 })
    const cpu = vm('cpu-1', 'busy-cpu', 48, 20e6, { cpu: 0.8 })
    const master = vm('dfsio-master', 'master', 48, 40e6, { diskWrite: 0.3 })
    const idle = vm('idle-1', 'spare-1', 48, 40e6, { diskWrite: 0.5 })
    const d = decider.decide([dfsio, cpu, master, idle], Date.now())
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
  const d = marketRuleDecider().decide(
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
  const d = marketRuleDecider().decide(
    [vm('d1', 'h1', 12, 80e6, { diskWrite: 0.8 }, 3), vm('c1', 'h2', 48, 20e6, { cpu: 0.8 })],
    Date.now(),
  )
  t.same(d.swaps, [])
  t.equal(d.verdicts[0]?.why, 'no-terms', 'an unevaluable pair has no public terms')
})

t.test("the anchor's console reads and appends to a running ledger", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-console-'))
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  const server = await serveAnchorConsole(ledger, join(dir, 'console.sock'))
  t.teardown(async () => {
    await server.close()
    await ledger.close()
    await rm(dir, { recursive: true, force: true })
  })
  const c = new AnchorConsole(join(dir, 'console.sock'))
  t.same(await c.tail(5), [], 'an empty ledger')
  const secretKey = generateSecretKey()
  const alice = signingKeyPairOf(secretKey)
  const signed = buildSignedAction({ kind: 'owner-registered', owner: alice.publicKey, name: 'alice' }, [
    alice,
  ])
  t.equal(await c.append(signed), 0n, 'appended as entry #0')
  await c.append(
    buildSignedAction(
      {
        kind: 'location-registered',
        location: 'h1',
        owner: alice.publicKey,
        vm: alice.publicKey,
        instanceClass: { vcpus: 2, memoryBytes: 1n << 30n, diskBytes: 1n << 26n },
      },
      [alice],
    ),
  )
  const tail = await c.tail(1)
  t.equal(tail.length, 1)
  t.match(tail[0], { seq: '1', kind: 'location-registered' })
  t.equal(await c.ownerOf('h1'), Buffer.from(alice.publicKey).toString('hex'))
  t.equal(await c.ownerOf('h2'), null)
  t.equal(await c.swap(new Uint8Array(32)), null, 'no such swap')
  t.match(await c.verify(), { ok: true, entries: 2 })
  const again = await c.append(signed).catch((e: unknown) => e)
  t.type(again, TestnetRunError, 'the same action twice is refused by the ledger')
  t.equal((again as TestnetRunError).code, 'TESTNET_CONSOLE_REFUSED')
  const gone = await new AnchorConsole(join(dir, 'nothing.sock')).tail(1).catch((e: unknown) => e)
  t.equal((gone as TestnetRunError).code, 'TESTNET_CONSOLE_UNREACHABLE', 'no anchor: said so')
})
