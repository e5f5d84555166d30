/**
 * The probe protocol between two real libp2p nodes: an honest answer passes,
 * a replayed answer (old nonce) is rejected and costs reputation, forged or
 * misaddressed answers are rejected, unknown benchmarks are refused; a
 * prober turned away while another probe runs keeps its allowance.
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { signBenchmark } from '../../src/anchor/benchmarks/sign.js'
import { STANDARD_SUITE } from '../../src/anchor/benchmarks/suite.js'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { Reputation } from '../../src/node/market/reputation.js'
import { ProbeClient, ProbeServer } from '../../src/node/probe/index.js'
import { MAX_PROBE_RESPONSE_BYTES, PROBE_PROTOCOL } from '../../src/protocols/anchor-constants.js'
import { encodeProbeRequest, validateProbeResponse } from '../../src/protocols/probe.js'
import { handleRpc, rpcCall, unhandleRpc } from '../../src/protocols/rpc.js'
import { createLogger } from '../../src/runtime/log.js'
import { type VerifiedBenchmark, verifyBenchmark } from '../../src/runtime/sandbox/index.js'
import { keys } from '../anchor/helpers.js'
import { clientNode } from '../anchor/net-helpers.js'

const ROOT = join(import.meta.dirname, '..', '..')

/** A CPU benchmark of the standard suite signed by `anchor`, with its own name and iteration count. */
async function cpuBench(anchor: ReturnType<typeof keys>, name: string, iterations: number) {
  const cpu = STANDARD_SUITE.find((b) => b.source === 'cpu')!
  const module = await compileWat(await readFile(join(ROOT, 'benchmarks', 'cpu.wat'), 'utf8'))
  const manifest = { ...cpu.manifest, name, parameters: [{ name: 'iterations', value: iterations }] }
  return verifyBenchmark(signBenchmark(module, manifest, anchor.secretKey), module, anchor.publicKey)
}

/** A started probe server on `node`, signing with its libp2p key's raw secret as the agent does. */
async function startServer(
  t: Test,
  node: Libp2p,
  key: PrivateKey,
  anchor: ReturnType<typeof keys>,
  bench: VerifiedBenchmark,
  metrics: Registry,
  rate: { burst: number; perSecond: number },
): Promise<ProbeServer> {
  const server = new ProbeServer({
    node,
    key: { secretKey: key.raw.subarray(0, 32), publicKey: key.publicKey.raw },
    anchorKey: anchor.publicKey,
    benchmarks: [bench],
    diskDir: t.testdir(),
    log: createLogger('silent'),
    metrics,
    rate,
  })
  await server.start()
  return server
}

t.test('probe: honest answer passes, replayed answer rejected', async (t) => {
  // An anchor key and a short CPU benchmark it signed (10M iterations: ~30 ms).
  const anchor = keys()
  const bench = await cpuBench(anchor, 'test/cpu-short', 10_000_000)

  const bPrivate = await generateKeyPair('Ed25519')
  const metrics = new Registry()
  const a = await clientNode()
  const b = await clientNode(bPrivate)
  t.teardown(() => Promise.all([a.stop(), b.stop()]))
  const server = await startServer(t, b, bPrivate, anchor, bench, metrics, { burst: 5, perSecond: 0.001 })

  const reputation = new Reputation()
  // One wait before asking a peer that said "not now" again, short for the test.
  const client = new ProbeClient({ node: a, reputation, notNowBackoffMs: [20] })
  const target = b.getMultiaddrs()
  const honest = await client.probe(b.peerId, target, [bench], {
    cpu: { median: 1, spread: 0, samples: 1, windowMs: 1 },
  })
  t.equal(honest.verdict, 'pass', 'an honest answer passes')
  t.ok(honest.measurements[0]!.value > 1, 'with a plausible measurement')
  const measured = honest.measurements[0]!.value

  // A claim far above the measurement fails on the claim, not on the answer.
  const inflated = await client.probe(b.peerId, target, [bench], {
    cpu: { median: measured * 10, spread: 0, samples: 1, windowMs: 1 },
  })
  t.equal(inflated.verdict, 'claim-mismatch')
  t.equal(inflated.probes, 2, 'a shortfall is probed again before it is charged')
  t.equal(reputation.history(b.peerId.toString()).at(-1)?.verdict, 'claim-mismatch', 'and then charged once')

  // Record a genuine answer to nonce N1, as a man in the middle or a lazy peer would.
  const n1 = randomBytes(16)
  const old = await rpcCall(a, target, PROBE_PROTOCOL, encodeProbeRequest(n1, [bench.moduleSha256]), {
    maxResponseBytes: MAX_PROBE_RESPONSE_BYTES,
    timeoutMs: 30_000,
  })
  const ctx = {
    nonce: n1,
    prober: a.peerId.toString(),
    vm: b.peerId.toString(),
    modules: [bench.moduleSha256],
    nowMs: Date.now(),
  }
  t.equal(validateProbeResponse(old, ctx).length, 1, 'the recorded answer is valid for its own nonce')
  t.throws(() => validateProbeResponse(old, { ...ctx, prober: b.peerId.toString() }), {
    code: 'WRONG_PROBER',
  })
  t.throws(() => validateProbeResponse(old, { ...ctx, vm: a.peerId.toString() }), { code: 'SIGNER_MISMATCH' })
  const forged = new Uint8Array(old)
  forged[forged.length - 1]! ^= 1
  t.throws(
    () => validateProbeResponse(forged, ctx),
    { code: 'BAD_SIGNATURE' },
    'an edited answer is rejected',
  )
  t.throws(() => validateProbeResponse(new Uint8Array([1, 2, 3]), ctx), { name: 'ValidationError' })

  // B now replays that old answer to every probe instead of measuring.
  await server.stop()
  await handleRpc(b, PROBE_PROTOCOL, async () => old, { maxRequestBytes: 4096, timeoutMs: 10_000 })
  const before = reputation.score(b.peerId.toString())
  const replayed = await client.probe(b.peerId, target, [bench], {
    cpu: { median: 1, spread: 0, samples: 1, windowMs: 1 },
  })
  t.equal(replayed.verdict, 'invalid-answer', 'a replayed answer is rejected')
  t.equal(replayed.code, 'STALE_NONCE')
  t.ok(reputation.score(b.peerId.toString()) < before, 'and costs reputation')
  await unhandleRpc(b, PROBE_PROTOCOL)

  // An honest peer refuses benchmarks it was not given by the anchor.
  await server.start()
  const other = { ...bench, moduleSha256: new Uint8Array(32).fill(7) }
  const refused = await client.probe(b.peerId, target, [other], {})
  t.equal(refused.verdict, 'no-answer')
  t.equal(refused.code, 'PROBE_REFUSED')
  t.equal(reputation.history(b.peerId.toString()).length, 4, 'every probe is on record')

  // Past its burst, a peer is refused until its rate allows another probe: asked again
  // once after the wait, still refused; "not now" is not charged to the refusing peer.
  const limited = await client.probe(b.peerId, target, [bench], {})
  t.equal(limited.code, 'PROBE_RATE_LIMITED', 'rate limited')
  t.equal(limited.notNow, true)
  t.equal(reputation.history(b.peerId.toString()).length, 4, 'and not put on record against the peer')
  const served = await metrics.getSingleMetricAsString('vboom_probes_served_total')
  t.match(served, /outcome="ok"} 4/, 'answered probes counted (the confirmation too)')
  t.match(served, /outcome="UNKNOWN_BENCHMARK"} 1/)
  t.match(served, /outcome="RATE_LIMITED"} 2/, 'the first ask and the one after the wait')
})

t.test(
  'a prober turned away while another probe runs keeps its allowance, and is served after a wait',
  async (t) => {
    // A CPU benchmark of ~0.5-2 s here (300M iterations), so the second prober arrives while it runs.
    const anchor = keys()
    const bench = await cpuBench(anchor, 'test/cpu-long', 300_000_000)
    const bPrivate = await generateKeyPair('Ed25519')
    const metrics = new Registry()
    const [first, second, b] = await Promise.all([clientNode(), clientNode(), clientNode(bPrivate)])
    t.teardown(() => Promise.all([first.stop(), second.stop(), b.stop()]))
    // one probe per prober: a refusal that spent it would leave the second prober rate limited
    await startServer(t, b, bPrivate, anchor, bench, metrics, { burst: 1, perSecond: 0.001 })
    const target = b.getMultiaddrs()
    const reputation = new Reputation()
    const waits = Array.from({ length: 40 }, () => 250)
    const running = new ProbeClient({ node: first, reputation: new Reputation() }).probe(
      b.peerId,
      target,
      [bench],
      {},
    )
    // Asked once the first probe is running (the served counter has no outcome yet, the server is busy).
    await new Promise((r) => setTimeout(r, 150))
    const later = await new ProbeClient({ node: second, reputation, notNowBackoffMs: waits }).probe(
      b.peerId,
      target,
      [bench],
      {},
    )
    const done = await running
    t.equal(done.verdict, 'pass', 'the first prober is served')
    t.equal(later.verdict, 'pass', 'the second is served once the first probe is done')
    t.equal(reputation.score(b.peerId.toString()), 1, 'and the busy answers cost the peer nothing')
    const served = await metrics.getSingleMetricAsString('vboom_probes_served_total')
    t.match(served, /outcome="ok"} 2/)
    t.match(served, /outcome="BUSY"} [1-9]/, 'the second prober was turned away at first')
    t.notMatch(served, /RATE_LIMITED/, 'without spending its one probe')
  },
)
