/**
 * The probe (paper III-B): before offering a swap, A asks B to run
 * anchor-signed benchmarks with A's fresh nonce; B runs them in the sandbox
 * on its own disk and answers signed. A checks the answer (nonce, signer,
 * modules, signature) and then B's advert claims against the measurements,
 * and records the outcome in B's reputation.
 */
import { randomBytes } from 'node:crypto'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Counter, type Registry } from 'prom-client'
import type { Profile } from '../../protocols/advert.js'
import {
  BANDWIDTH_RATE_BURST,
  BANDWIDTH_RATE_PER_SECOND,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_PROBE_TOLERANCE,
  MAX_PROBE_REQUEST_BYTES,
  MAX_PROBE_RESPONSE_BYTES,
  PROBE_NONCE_BYTES,
  PROBE_PROTOCOL,
  PROBE_RATE_BURST,
  PROBE_RATE_PER_SECOND,
} from '../../protocols/anchor-constants.js'
import {
  BandwidthStatus,
  type BandwidthStatusCode,
  handleBandwidthSink,
  type SinkOutcome,
  sendBytes,
  unhandleBandwidthSink,
} from '../../protocols/bandwidth-stream.js'
import { type ClaimCheck, checkClaims } from '../../protocols/claims.js'
import { ValidationError, type VBoomError } from '../../protocols/errors.js'
import {
  encodeProbeFailure,
  encodeProbeRequest,
  type ProbeMeasurement,
  signProbeResponse,
  validateProbeRequest,
  validateProbeResponse,
} from '../../protocols/probe.js'
import { handleRpc, rpcCall, unhandleRpc } from '../../protocols/rpc-stream.js'
import type { Logger } from '../../runtime/log.js'
import {
  BenchmarkResource,
  type NetPeer,
  needsNetwork,
  runBenchmark,
  type VerifiedBenchmark,
} from '../../runtime/sandbox/index.js'
import { AnchorClient } from '../anchor-client.js'
import type { Reputation } from '../market/reputation.js'
import { RateLimiter } from '../rate-limiter.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** A counter registered once per registry (several services may share one). */
function counter(metrics: Registry | undefined, name: string, help: string): Counter<'outcome'> | null {
  if (metrics === undefined) return null
  const existing = metrics.getSingleMetric(name) as Counter<'outcome'> | undefined
  return existing ?? new Counter({ name, help, labelNames: ['outcome'], registers: [metrics] })
}

export interface BandwidthSinkInit {
  node: Libp2p
  /** Where `vboom_bandwidth_sink_transfers_total{outcome}` and `vboom_bandwidth_sink_bytes_total` go. */
  metrics?: Registry
  /** Largest announced transfer accepted, bytes; default MAX_BANDWIDTH_TRANSFER_BYTES. */
  maxBytes?: number
  /** Deadline of one transfer, ms; default DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS. */
  timeoutMs?: number
  /** Per-peer transfer rate; default BANDWIDTH_RATE_BURST then BANDWIDTH_RATE_PER_SECOND. */
  rate?: { burst: number; perSecond: number }
  /** Called with each transfer's outcome (tests, logs). */
  onOutcome?: (o: SinkOutcome) => void
  now?: () => number
}

/**
 * The prober's side of the network benchmarks: a sink that probed peers push
 * bytes to, so they can measure their bandwidth and RTT to us. It takes
 * transfers only from peers we are probing right now (`expect`), one at a
 * time (concurrent transfers would measure each other), at a bounded rate
 * per peer, each bounded in size and time. Every outcome is counted.
 */
export class BandwidthSink {
  private readonly expected = new Map<string, number>()
  private readonly limiter: RateLimiter
  private readonly transfers: Counter<'outcome'> | null
  private readonly bytes: Counter<'outcome'> | null
  private readonly observers = new Set<(o: SinkOutcome) => void>()
  private active = false
  private started = false

  constructor(private readonly init: BandwidthSinkInit) {
    this.limiter = new RateLimiter(
      init.rate?.burst ?? BANDWIDTH_RATE_BURST,
      init.rate?.perSecond ?? BANDWIDTH_RATE_PER_SECOND,
    )
    this.transfers = counter(
      init.metrics,
      'vboom_bandwidth_sink_transfers_total',
      'Bandwidth transfers pushed to us by probed peers, by outcome (ok, or the refusal or failure code)',
    )
    this.bytes = counter(
      init.metrics,
      'vboom_bandwidth_sink_bytes_total',
      'Payload bytes received by the bandwidth sink, by outcome',
    )
  }

  /** Registers the handler; a second start is harmless. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await handleBandwidthSink(this.init.node, {
      maxBytes: this.init.maxBytes,
      timeoutMs: this.init.timeoutMs,
      admit: (peer) => this.admit(peer.toString()),
      onRelease: () => {
        this.active = false
      },
      onOutcome: (o) => {
        this.transfers?.inc({ outcome: o.outcome })
        this.bytes?.inc({ outcome: o.outcome }, o.received)
        this.init.onOutcome?.(o)
      },
      onComplete: (o) => {
        for (const observe of this.observers) observe(o)
      },
    })
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await unhandleBandwidthSink(this.init.node)
  }

  /**
   * Lets `peer` push transfers until the returned release is called (calls
   * nest); `observe` sees each of that peer's transfers meanwhile, so the
   * prober can check the peer's reported figures against its own.
   */
  expect(peer: PeerId, observe?: (o: SinkOutcome) => void): () => void {
    const id = peer.toString()
    this.expected.set(id, (this.expected.get(id) ?? 0) + 1)
    if (observe !== undefined) this.observers.add(observe)
    let released = false
    return () => {
      if (released) return
      released = true
      if (observe !== undefined) this.observers.delete(observe)
      const n = (this.expected.get(id) ?? 1) - 1
      if (n <= 0) this.expected.delete(id)
      else this.expected.set(id, n)
    }
  }

  private admit(peer: string): BandwidthStatusCode {
    // Rule: only peers we are probing; nobody else may occupy our link.
    if (!this.expected.has(peer)) return BandwidthStatus.NOT_ALLOWED
    if (this.active) return BandwidthStatus.BUSY
    const now = (this.init.now ?? Date.now)()
    if (!this.limiter.take(peer, now)) return BandwidthStatus.RATE_LIMITED
    this.limiter.prune(now)
    this.active = true
    return BandwidthStatus.GO
  }
}

/** Network benchmarks of a probe run against the prober: both host functions push to its bandwidth sink. */
function netPeerOf(node: Libp2p, prober: PeerId): NetPeer {
  return {
    // libp2p's ping reports whole milliseconds (Date.now), too coarse for loopback or one rack:
    // a small transfer and its ack is one round trip carrying the payload, timed in microseconds.
    roundTripUs: (payloadBytes, signal) => sendBytes(node, prober, payloadBytes, { signal }),
    transferUs: (bytes, signal) => sendBytes(node, prober, bytes, { signal }),
  }
}

export interface ProbeServerInit {
  node: Libp2p
  /** This VM's key, raw Ed25519 (the key of its peer id). */
  key: { secretKey: Uint8Array; publicKey: Uint8Array }
  /** The anchor key the agent trusts: each benchmark is checked against it again before it runs. */
  anchorKey: Uint8Array
  /** The signed benchmarks this agent will run for others (fetched from the anchor). */
  benchmarks: VerifiedBenchmark[]
  /** Where disk benchmarks write: the VM's disk. */
  diskDir: string
  log: Logger
  /** Where `vboom_probes_served_total{outcome}` is registered; none by default. */
  metrics?: Registry
  /** Per-peer probe rate; default PROBE_RATE_BURST then PROBE_RATE_PER_SECOND. */
  rate?: { burst: number; perSecond: number }
  now?: () => number
}

/**
 * Serves probes, one at a time (benchmarks measure the machine, so concurrent
 * runs would measure each other) and at a bounded rate per peer (a probe
 * occupies the disk it measures). Every outcome is counted.
 */
export class ProbeServer {
  private busy = false
  private readonly byHash = new Map<string, VerifiedBenchmark>()
  private readonly limiter: RateLimiter
  private readonly served: Counter<'outcome'> | null

  constructor(private readonly init: ProbeServerInit) {
    for (const b of init.benchmarks) this.byHash.set(hex(b.moduleSha256), b)
    this.limiter = new RateLimiter(
      init.rate?.burst ?? PROBE_RATE_BURST,
      init.rate?.perSecond ?? PROBE_RATE_PER_SECOND,
    )
    this.served = counter(
      init.metrics,
      'vboom_probes_served_total',
      'Probes from other agents, by outcome (ok, or the refusal code)',
    )
  }

  private refuse(code: string, message: string): Uint8Array {
    this.served?.inc({ outcome: code })
    return encodeProbeFailure(code, message)
  }

  async start(): Promise<void> {
    await handleRpc(this.init.node, PROBE_PROTOCOL, (req, peer) => this.answer(req, peer), {
      maxRequestBytes: MAX_PROBE_REQUEST_BYTES,
      timeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
      maxInboundStreams: 2,
    })
  }

  async stop(): Promise<void> {
    await unhandleRpc(this.init.node, PROBE_PROTOCOL)
  }

  private async answer(req: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const now = (this.init.now ?? Date.now)()
    // Rule: per-peer rate first, the cheapest check.
    if (!this.limiter.take(peer.toString(), now))
      return this.refuse('RATE_LIMITED', 'too many probes; retry later')
    this.limiter.prune(now)
    let request: { nonce: Uint8Array; modules: Uint8Array[] }
    try {
      request = validateProbeRequest(req)
    } catch (err) {
      return this.refuse((err as VBoomError).code ?? 'MALFORMED', 'bad probe request')
    }
    const wanted = request.modules.map((m) => this.byHash.get(hex(m)))
    if (wanted.some((b) => b === undefined)) return this.refuse('UNKNOWN_BENCHMARK', 'not a benchmark I run')
    if (this.busy) return this.refuse('BUSY', 'another probe is running')
    this.busy = true
    try {
      const measurements: ProbeMeasurement[] = []
      for (const b of wanted as VerifiedBenchmark[]) {
        const r = await runBenchmark(b.signed, b.module, this.init.anchorKey, {
          disk: { dir: this.init.diskDir },
          // Network benchmarks measure the path to the prober, which serves the bandwidth sink.
          net: needsNetwork(b.manifest.hostFunctions) ? netPeerOf(this.init.node, peer) : undefined,
        })
        measurements.push({
          moduleSha256: new Uint8Array(b.moduleSha256),
          name: r.name,
          value: r.value,
          unit: r.unit,
        })
      }
      this.served?.inc({ outcome: 'ok' })
      return signProbeResponse(
        {
          nonce: request.nonce,
          prober: peer.toString(),
          vm: this.init.node.peerId.toString(),
          measurements,
          issuedAtMs: (this.init.now ?? Date.now)(),
        },
        this.init.key,
      )
    } catch (err) {
      this.init.log.warn({ code: (err as VBoomError).code }, 'probe benchmark failed')
      return this.refuse((err as VBoomError).code ?? 'FAILED', 'a benchmark failed')
    } finally {
      this.busy = false
    }
  }
}

export interface ProbeOutcome {
  peer: string
  ok: boolean
  verdict: 'pass' | 'claim-mismatch' | 'invalid-answer' | 'no-answer'
  measurements: ProbeMeasurement[]
  checks: ClaimCheck[]
  /** The failed rule's code, when not ok. */
  code?: string
  score: number
}

export interface ProbeClientInit {
  node: Libp2p
  reputation: Reputation
  tolerance?: number
  timeoutMs?: number
  /** Our bandwidth sink: the probed peer may push to it while a probe with network benchmarks runs. */
  sink?: BandwidthSink
  now?: () => number
}

/**
 * The probed peer reports its bandwidth to us, but the bytes came to our
 * sink: a reported figure above what the sink saw (bytes over the sink's own
 * go-to-last-byte time, for the benchmark's timed transfer size), beyond the
 * tolerance, is not supported by the traffic. The sender's time also holds
 * the ack's trip, so an honest figure is at or below the sink's. Returns the
 * failed rule's code, or null.
 */
function netBwUnsupported(
  benchmarks: VerifiedBenchmark[],
  measurements: ProbeMeasurement[],
  seen: SinkOutcome[],
  tolerance: number,
): string | null {
  for (const [i, b] of benchmarks.entries()) {
    if (b.manifest.resource !== BenchmarkResource.NET_BW) continue
    const size = b.manifest.parameters.find((p) => p.name === 'transferBytes')?.value
    if (size === undefined) continue
    const timed = seen.filter((o) => o.announced === size && o.elapsedUs > 0)
    // Rule: a bandwidth figure needs the transfers behind it.
    if (timed.length === 0) return 'NET_BW_UNSEEN'
    const observedMbit =
      (timed.reduce((n, o) => n + o.received, 0) * 8) / timed.reduce((n, o) => n + o.elapsedUs, 0)
    // Rule: no faster than our sink received it.
    if (measurements[i]!.value > observedMbit * (1 + tolerance)) return 'NET_BW_UNSUPPORTED'
  }
  return null
}

export class ProbeClient {
  constructor(private readonly init: ProbeClientInit) {}

  /**
   * Probes `peer` with `benchmarks` and checks its advert's `claims` against
   * the results. Never throws for the peer's behaviour: the outcome says what
   * happened and the reputation is updated.
   */
  async probe(
    peer: PeerId,
    target: PeerId | Multiaddr[],
    benchmarks: VerifiedBenchmark[],
    claims: Profile,
    signal?: AbortSignal,
  ): Promise<ProbeOutcome> {
    const nonce = randomBytes(PROBE_NONCE_BYTES)
    const modules = benchmarks.map((b) => b.moduleSha256)
    const id = peer.toString()
    const done = (o: Omit<ProbeOutcome, 'score' | 'peer'>): ProbeOutcome => {
      const score = this.init.reputation.record(id, {
        atMs: (this.init.now ?? Date.now)(),
        verdict: o.verdict,
        detail: o.code,
      })
      return { ...o, peer: id, score }
    }
    let bytes: Uint8Array
    // Transfers the peer pushed to our sink during this probe: our own view of its bandwidth.
    const seen: SinkOutcome[] = []
    const release = benchmarks.some((b) => needsNetwork(b.manifest.hostFunctions))
      ? this.init.sink?.expect(peer, (o) => {
          if (o.peer.equals(peer) && o.outcome === 'ok') seen.push(o)
        })
      : undefined
    try {
      bytes = await this.rpc(target, encodeProbeRequest(nonce, modules), signal)
    } catch (err) {
      return done({
        ok: false,
        verdict: 'no-answer',
        measurements: [],
        checks: [],
        code: (err as VBoomError).code,
      })
    } finally {
      release?.()
    }
    let measurements: ProbeMeasurement[]
    try {
      measurements = validateProbeResponse(bytes, {
        nonce,
        prober: this.init.node.peerId.toString(),
        vm: id,
        modules,
        nowMs: (this.init.now ?? Date.now)(),
      })
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      const verdict = err.code === 'PROBE_REFUSED' ? 'no-answer' : 'invalid-answer'
      return done({ ok: false, verdict, measurements: [], checks: [], code: err.code })
    }
    const tolerance = this.init.tolerance ?? DEFAULT_PROBE_TOLERANCE
    if (this.init.sink !== undefined) {
      const unsupported = netBwUnsupported(benchmarks, measurements, seen, tolerance)
      if (unsupported !== null)
        return done({ ok: false, verdict: 'invalid-answer', measurements, checks: [], code: unsupported })
    }
    const checks = checkClaims(
      claims,
      measurements.map((m, i) => ({ resource: benchmarks[i]!.manifest.resource, value: m.value })),
      tolerance,
    )
    const bad = checks.find((c) => !c.ok)
    if (bad !== undefined) {
      return done({
        ok: false,
        verdict: 'claim-mismatch',
        measurements,
        checks,
        code: `CLAIM_${bad.resource}`,
      })
    }
    return done({ ok: true, verdict: 'pass', measurements, checks })
  }

  private rpc(target: PeerId | Multiaddr[], req: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return rpcCall(this.init.node, target, PROBE_PROTOCOL, req, {
      maxResponseBytes: MAX_PROBE_RESPONSE_BYTES,
      timeoutMs: this.init.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      signal,
    })
  }
}

/** How often an agent retries fetching the signed benchmarks while the anchor is unreachable. */
export const PROBE_SETUP_RETRY_MS = 30_000

export interface AgentProbeInit {
  node: Libp2p
  /** The anchor's addresses (the agent's bootstrap list). */
  anchor: Multiaddr[]
  anchorKey: Uint8Array
  key: { secretKey: Uint8Array; publicKey: Uint8Array }
  diskDir: string
  log: Logger
  metrics?: Registry
}

/**
 * The agent's probe handler: fetches the anchor's signed catalog and modules
 * (each verified against the trusted key), then serves probes with them.
 * Retries in the background while the anchor is unreachable; never throws
 * into the agent. It also serves the bandwidth sink that peers we probe push
 * to for the network benchmarks (give `sink` to this agent's ProbeClient).
 */
export class AgentProbeService {
  private server: ProbeServer | null = null
  private timer?: NodeJS.Timeout
  private stopped = false
  readonly sink: BandwidthSink

  constructor(private readonly init: AgentProbeInit) {
    this.sink = new BandwidthSink({ node: init.node, metrics: init.metrics })
  }

  start(): void {
    this.sink.start().catch((err: unknown) => {
      this.init.log.warn({ code: (err as VBoomError).code }, 'cannot serve the bandwidth sink')
    })
    void this.attempt()
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.init.anchor.length === 0) return
    try {
      const client = new AnchorClient({
        node: this.init.node,
        anchor: this.init.anchor,
        anchorKey: this.init.anchorKey,
      })
      const benchmarks = []
      for (const s of await client.catalog()) {
        // Network benchmarks included: they measure the path to the prober's bandwidth sink.
        const b = await client.benchmark(s).catch(() => null)
        if (b !== null) benchmarks.push(b)
      }
      if (this.stopped) return
      const server = new ProbeServer({ ...this.init, benchmarks })
      await server.start()
      this.server = server
      this.init.log.info({ benchmarks: benchmarks.map((b) => b.manifest.name) }, 'serving probes')
    } catch (err) {
      this.init.log.warn(
        { code: (err as VBoomError).code },
        'cannot fetch signed benchmarks from the anchor; will retry',
      )
      this.timer = setTimeout(() => void this.attempt(), PROBE_SETUP_RETRY_MS)
      this.timer.unref()
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.server?.stop().catch(() => {})
    await this.sink.stop().catch(() => {})
  }
}
