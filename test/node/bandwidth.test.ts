/**
 * The bandwidth protocol and the network benchmarks between two real libp2p
 * nodes on loopback: the sandboxed benchmarks against a real sink, the sink's
 * refusals and bounds, and a probe that covers the network claims.
 */
import '../../src/polyfill.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { signBenchmark } from '../../src/anchor/benchmarks/sign.js'
import { STANDARD_SUITE } from '../../src/anchor/benchmarks/suite.js'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { Reputation } from '../../src/node/market/reputation.js'
import { BandwidthSink, ProbeClient, ProbeServer } from '../../src/node/probe/index.js'
import {
  BANDWIDTH_CHUNK_BYTES,
  BANDWIDTH_PROTOCOL,
  MAX_BANDWIDTH_TRANSFER_BYTES,
  PROBE_PROTOCOL,
} from '../../src/protocols/anchor-constants.js'
import { SINK_MAX_HELD_BYTES, type SinkOutcome, sendBytes } from '../../src/protocols/bandwidth.js'
import { signProbeResponse, validateProbeRequest } from '../../src/protocols/probe.js'
import { handleRpc, unhandleRpc } from '../../src/protocols/rpc.js'
import { open, StreamErrorCode } from '../../src/protocols/stream/index.js'
import { createLogger } from '../../src/runtime/log.js'
import { runBenchmark, verifyBenchmark } from '../../src/runtime/sandbox/index.js'
import { keys } from '../anchor/helpers.js'
import { clientNode } from '../anchor/net-helpers.js'

const ROOT = join(import.meta.dirname, '..', '..')
const MiB = 1024 * 1024
const anchor = keys()

async function suiteBenchmark(name: string) {
  const b = STANDARD_SUITE.find((x) => x.manifest.name === name)!
  const module = await compileWat(await readFile(join(ROOT, 'benchmarks', `${b.source}.wat`), 'utf8'))
  const signed = signBenchmark(module, b.manifest, anchor.secretKey)
  return { signed, module, verified: verifyBenchmark(signed, module, anchor.publicKey) }
}

/** The net host functions of a sandbox run, pushing to `sink` (as the probe server does). */
const netTo = (node: Libp2p, sink: PeerId) => ({
  roundTripUs: (n: number, signal?: AbortSignal) => sendBytes(node, sink, n, { signal }),
  transferUs: (n: number, signal?: AbortSignal) => sendBytes(node, sink, n, { signal }),
})

/** Two started nodes, `a` serving a sink that records outcomes, `b` connected to it. */
async function pair(t: Test, sinkInit: Partial<ConstructorParameters<typeof BandwidthSink>[0]> = {}) {
  const a = await clientNode()
  const b = await clientNode()
  const outcomes: SinkOutcome[] = []
  const metrics = new Registry()
  const sink = new BandwidthSink({ node: a, metrics, onOutcome: (o) => outcomes.push(o), ...sinkInit })
  await sink.start()
  await sink.start() // harmless
  t.teardown(async () => {
    await sink.stop()
    await Promise.all([a.stop(), b.stop()])
  })
  await b.dial(a.getMultiaddrs())
  return { a, b, sink, outcomes, metrics }
}

t.test('network benchmarks in the sandbox against a real peer', async (t) => {
  const { a, b, sink, outcomes } = await pair(t)
  const release = sink.expect(b.peerId)
  t.teardown(release)

  const bw = await suiteBenchmark('vboom/net-bandwidth')
  const r = await runBenchmark(bw.signed, bw.module, anchor.publicKey, { net: netTo(b, a.peerId) })
  t.equal(r.unit, 'Mbit/s')
  // Loopback through noise + yamux: hundreds of Mbit/s to many Gbit/s; the range only rules out nonsense.
  t.ok(r.value > 50 && r.value < 400_000, `plausible loopback bandwidth (${r.value.toFixed(0)} Mbit/s)`)
  t.equal(outcomes.length, 5, 'one warm-up and four transfers reached the sink')
  t.ok(
    outcomes.every((o) => o.outcome === 'ok' && o.received === o.announced),
    'each acknowledged in full',
  )

  // The same transfers outside the sandbox, for comparison.
  await sendBytes(b, a.peerId, MiB)
  let us = 0
  for (let i = 0; i < 4; i++) us += await sendBytes(b, a.peerId, 8 * MiB)
  const raw = (4 * 8 * MiB * 8) / us
  t.comment(`net bandwidth: sandbox ${r.value.toFixed(0)} Mbit/s, direct ${raw.toFixed(0)} Mbit/s (loopback)`)

  const rtt = await suiteBenchmark('vboom/net-rtt')
  const r2 = await runBenchmark(rtt.signed, rtt.module, anchor.publicKey, { net: netTo(b, a.peerId) })
  t.comment(`net rtt through the sink: ${r2.value.toFixed(0)} us (loopback)`)
  t.ok(r2.value > 0 && r2.value < 50_000, 'loopback round trips well under 50 ms')

  // The benchmark needs transferUs: a peer offering only round trips is refused before anything runs.
  await t.rejects(
    runBenchmark(bw.signed, bw.module, anchor.publicKey, {
      net: { roundTripUs: netTo(b, a.peerId).roundTripUs },
    }),
    { name: 'BenchmarkRefusedError', code: 'NO_NETWORK' },
  )
  await t.rejects(runBenchmark(bw.signed, bw.module, anchor.publicKey), {
    name: 'BenchmarkRefusedError',
    code: 'NO_NETWORK',
  })
  // A sink that refuses makes the host call fail, typed; the agent keeps running.
  release()
  await t.rejects(runBenchmark(bw.signed, bw.module, anchor.publicKey, { net: netTo(b, a.peerId) }), {
    name: 'BenchmarkFailedError',
    code: 'HOST_CALL_FAILED',
  })
})

t.test(
  'the sink refuses oversized, unexpected and rate-exceeding transfers, typed and counted',
  async (t) => {
    const { a, b, sink, outcomes, metrics } = await pair(t, {
      maxBytes: 4 * MiB,
      rate: { burst: 3, perSecond: 0.001 },
    })
    // Not probing b: refused before any payload.
    await t.rejects(sendBytes(b, a.peerId, 1024), { name: 'BandwidthError', code: 'BW_REFUSED_NOT_ALLOWED' })
    const release = sink.expect(b.peerId)
    t.teardown(release)
    // The sender's own cap.
    await t.rejects(sendBytes(b, a.peerId, MAX_BANDWIDTH_TRANSFER_BYTES + 1), {
      name: 'BandwidthError',
      code: 'BW_TOO_LARGE',
    })
    // A sender announcing more than the sink's maximum (here 4 MiB) is refused on the header.
    await t.rejects(sendBytes(b, a.peerId, 5 * MiB), { name: 'BandwidthError', code: 'BW_REFUSED_TOO_LARGE' })
    const tooLarge = outcomes.find((o) => o.outcome === 'BW_REFUSED_TOO_LARGE')!
    t.equal(tooLarge.announced, 5 * MiB)
    t.equal(tooLarge.received, 0, 'no payload accepted')
    // Within limits it works, until the per-peer rate runs out.
    t.ok((await sendBytes(b, a.peerId, 4 * MiB)) > 0)
    t.ok((await sendBytes(b, a.peerId, 0)) > 0, 'an empty transfer is one round trip')
    await sendBytes(b, a.peerId, 1)
    await t.rejects(sendBytes(b, a.peerId, 1), { code: 'BW_REFUSED_RATE_LIMITED' })
    const counted = await metrics.getSingleMetricAsString('vboom_bandwidth_sink_transfers_total')
    t.match(counted, /outcome="BW_REFUSED_TOO_LARGE"} 1/)
    t.match(counted, /outcome="BW_REFUSED_NOT_ALLOWED"} 1/)
    t.match(counted, /outcome="BW_REFUSED_RATE_LIMITED"} 1/)
    t.match(counted, /outcome="ok"} 3/)
    const bytes = await metrics.getSingleMetricAsString('vboom_bandwidth_sink_bytes_total')
    t.match(bytes, new RegExp(`outcome="ok"} ${4 * MiB + 1}`))
  },
)

/** A misbehaving sender: framed messages of its own choosing, as a hostile peer would send them. */
async function rawSender(node: Libp2p, target: PeerId, announce: number, payload: number, close: boolean) {
  const ch = await open(node, target, BANDWIDTH_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 16,
  })
  const head = new Uint8Array(4)
  new DataView(head.buffer).setUint32(0, announce)
  await ch.send(head)
  await ch.receive() // the go
  const chunk = new Uint8Array(64 * 1024)
  let left = payload
  try {
    while (left > 0) {
      const n = Math.min(left, chunk.length)
      left -= n
      await ch.send(chunk.subarray(0, n))
    }
    if (close) await ch.close()
  } catch {
    // The sink reset the stream: expected for an excess sender.
  }
  return ch
}

const outcomeOf = async (outcomes: SinkOutcome[], n: number) => {
  for (let i = 0; i < 200 && outcomes.length < n; i++) await new Promise((r) => setTimeout(r, 25))
  return outcomes[n - 1]
}

t.test('the sink never buffers unboundedly', async (t) => {
  const { a, b, sink, outcomes } = await pair(t)
  t.teardown(sink.expect(b.peerId))

  // The largest transfer allowed: the sink counts and drops each chunk, holding one muxer frame at most.
  await sendBytes(b, a.peerId, MAX_BANDWIDTH_TRANSFER_BYTES, { timeoutMs: 60_000 })
  const big = await outcomeOf(outcomes, 1)
  t.equal(big?.outcome, 'ok')
  t.equal(big?.received, MAX_BANDWIDTH_TRANSFER_BYTES)
  t.ok(
    big!.peakBufferedBytes <= SINK_MAX_HELD_BYTES,
    `held at most ${big!.peakBufferedBytes} bytes at once for a 64 MiB transfer`,
  )
})

t.test('the sink rejects senders that break the protocol, and keeps serving', async (t) => {
  // A short deadline, for the stalled sender.
  const { a, b, sink, outcomes } = await pair(t, { timeoutMs: 1_500 })
  t.teardown(sink.expect(b.peerId))

  // More than announced: the sink resets at the first excess byte instead of reading on.
  await rawSender(b, a.peerId, 1024, 8 * MiB, true)
  const excess = await outcomeOf(outcomes, 1)
  t.equal(excess?.outcome, 'BW_EXCESS')
  t.ok(excess!.received < 8 * MiB, 'stopped reading early')

  // Fewer than announced, then end of stream.
  await rawSender(b, a.peerId, MiB, 10, true)
  t.equal((await outcomeOf(outcomes, 2))?.outcome, 'BW_TRUNCATED')

  // Announced, then silence: the deadline ends it.
  const stalled = await rawSender(b, a.peerId, MiB, 10, false)
  t.equal((await outcomeOf(outcomes, 3))?.outcome, StreamErrorCode.TIMEOUT)
  stalled.abort(new Error('test done'))

  // A short header, then end of stream.
  const s = await open(b, a.peerId, BANDWIDTH_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 16,
  })
  await s.send(new Uint8Array([1, 2]))
  await s.close()
  t.equal((await outcomeOf(outcomes, 4))?.outcome, 'BW_MALFORMED')

  // A frame longer than a payload chunk: refused on its length prefix.
  const big = await open(b, a.peerId, BANDWIDTH_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 16,
  })
  await big.send(new Uint8Array(BANDWIDTH_CHUNK_BYTES + 1)).catch(() => {})
  t.equal((await outcomeOf(outcomes, 5))?.outcome, StreamErrorCode.FRAME_TOO_LARGE)

  // Still serving afterwards.
  t.ok((await sendBytes(b, a.peerId, 64 * 1024)) > 0, 'the sink keeps working')
})

t.test('a probe with the network benchmarks passes for an honest peer', async (t) => {
  const rtt = await suiteBenchmark('vboom/net-rtt')
  const bw = await suiteBenchmark('vboom/net-bandwidth')
  const bPrivate = await generateKeyPair('Ed25519')
  const a = await clientNode()
  const b = await clientNode(bPrivate)
  const metrics = new Registry()
  const sink = new BandwidthSink({ node: a, metrics })
  await sink.start()
  t.teardown(async () => {
    await sink.stop()
    await Promise.all([a.stop(), b.stop()])
  })
  const server = new ProbeServer({
    node: b,
    key: { secretKey: bPrivate.raw.subarray(0, 32), publicKey: bPrivate.publicKey.raw },
    anchorKey: anchor.publicKey,
    benchmarks: [rtt.verified, bw.verified],
    diskDir: t.testdir(),
    log: createLogger('silent'),
    rate: { burst: 4, perSecond: 0.001 },
  })
  await server.start()
  t.teardown(() => server.stop())

  const reputation = new Reputation()
  const client = new ProbeClient({ node: a, reputation, sink })
  const stat = (median: number) => ({ median, spread: 0, samples: 1, windowMs: 1 })
  // Modest honest claims: 10 Mbit/s and 50 ms.
  const honest = await client.probe(b.peerId, b.getMultiaddrs(), [rtt.verified, bw.verified], {
    netRtt: stat(50_000),
    netBw: stat(10),
  })
  t.equal(honest.verdict, 'pass', `honest peer passes (${honest.code ?? 'ok'})`)
  t.same(
    honest.checks.map((c) => c.resource),
    ['netRtt', 'netBw'],
    'both network claims were checked',
  )
  const [rttUs, mbit] = honest.measurements.map((m) => m.value)
  t.comment(`probe: rtt ${rttUs!.toFixed(0)} us, bandwidth ${mbit!.toFixed(0)} Mbit/s (loopback)`)
  t.match(
    await metrics.getSingleMetricAsString('vboom_bandwidth_sink_transfers_total'),
    /outcome="ok"} 56/,
    '51 round trips and 5 transfers reached the sink',
  )

  // A bandwidth claim far above the truth is caught.
  const inflated = await client.probe(b.peerId, b.getMultiaddrs(), [bw.verified], {
    netBw: stat(mbit! * 10),
  })
  t.equal(inflated.verdict, 'claim-mismatch')
  t.equal(inflated.code, 'CLAIM_netBw')

  // A prober that does not serve a sink gets no measurement: the probed peer's transfers are refused.
  const noSink = new ProbeClient({ node: a, reputation: new Reputation() })
  const refused = await noSink.probe(b.peerId, b.getMultiaddrs(), [bw.verified], { netBw: stat(10) })
  t.equal(refused.verdict, 'no-answer')
  t.equal(refused.code, 'PROBE_REFUSED')

  // A peer that sends the real bytes but reports ten times the bandwidth: our sink saw the traffic.
  await server.stop()
  await handleRpc(
    b,
    PROBE_PROTOCOL,
    async (req, prober) => {
      const { nonce } = validateProbeRequest(req)
      let us = 0
      await sendBytes(b, prober, MiB)
      for (let i = 0; i < 4; i++) us += await sendBytes(b, prober, 8 * MiB)
      const real = (4 * 8 * MiB * 8) / us
      const measurements = [
        {
          moduleSha256: new Uint8Array(bw.verified.moduleSha256),
          name: 'vboom/net-bandwidth',
          value: real * 10,
          unit: 'Mbit/s',
        },
      ]
      return signProbeResponse(
        { nonce, prober: prober.toString(), vm: b.peerId.toString(), measurements, issuedAtMs: Date.now() },
        { secretKey: bPrivate.raw.subarray(0, 32), publicKey: bPrivate.publicKey.raw },
      )
    },
    { maxRequestBytes: 4096, timeoutMs: 60_000 },
  )
  t.teardown(() => unhandleRpc(b, PROBE_PROTOCOL))
  // Its advert claims the inflated figure, so the claim check alone would pass it.
  const liar = await client.probe(b.peerId, b.getMultiaddrs(), [bw.verified], { netBw: stat(mbit!) })
  t.equal(liar.verdict, 'invalid-answer', 'a reported bandwidth above what the sink received is rejected')
  t.equal(liar.code, 'NET_BW_UNSUPPORTED')
})
