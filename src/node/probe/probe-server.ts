/**
 * The probed side (paper III-B): runs the anchor-signed benchmarks another
 * agent asks for, with its nonce, on this VM's disk, and answers signed.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Counter, Registry } from 'prom-client'
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  MAX_PROBE_REQUEST_BYTES,
  PROBE_PROTOCOL,
  PROBE_RATE_BURST,
  PROBE_RATE_PER_SECOND,
} from '../../protocols/anchor-constants.js'
import { sendBytes } from '../../protocols/bandwidth.js'
import type { VBoomError } from '../../protocols/errors.js'
import {
  encodeProbeFailure,
  type ProbeMeasurement,
  ProbeRefusal,
  signProbeResponse,
  validateProbeRequest,
} from '../../protocols/probe.js'
import { handleRpc, unhandleRpc } from '../../protocols/rpc.js'
import type { Logger } from '../../runtime/log.js'
import {
  type IoGate,
  type NetPeer,
  needsNetwork,
  runBenchmark,
  type VerifiedBenchmark,
} from '../../runtime/sandbox/index.js'
import type { ActivityGate } from '../profiler/activity-gate.js'
import { RateLimiter } from '../rate-limiter.js'
import { outcomeCounter } from './metrics.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

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
  /** What the disk benchmarks' I/O waits for where the disk's limits are emulated (Platform.ioGate); none by default. */
  ioGate?: IoGate
  log: Logger
  /** Where `vboom_probes_served_total{outcome}` is registered; none by default. */
  metrics?: Registry
  /** Per-peer probe rate; default PROBE_RATE_BURST then PROBE_RATE_PER_SECOND. */
  rate?: { burst: number; perSecond: number }
  /** Held while the benchmarks run: the agent's own profiler stops and waits. */
  gate?: ActivityGate
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
    this.served = outcomeCounter(
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
    // Rule: busy first, the cheapest check, and before the rate: a prober told "not now" may ask
    // again after a back-off without spending its allowance on answers it never got.
    if (this.busy) return this.refuse(ProbeRefusal.BUSY, 'another probe is running')
    // Rule: per-peer rate.
    if (!this.limiter.take(peer.toString(), now))
      return this.refuse(ProbeRefusal.RATE_LIMITED, 'too many probes; retry later')
    this.limiter.prune(now)
    let request: { nonce: Uint8Array; modules: Uint8Array[] }
    try {
      request = validateProbeRequest(req)
    } catch (err) {
      return this.refuse((err as VBoomError).code ?? 'MALFORMED', 'bad probe request')
    }
    const wanted = request.modules.map((m) => this.byHash.get(hex(m)))
    if (wanted.some((b) => b === undefined)) return this.refuse('UNKNOWN_BENCHMARK', 'not a benchmark I run')
    // Nothing above awaited: the busy check still holds.
    this.busy = true
    const lease = await this.init.gate?.acquire('probe')
    try {
      const measurements: ProbeMeasurement[] = []
      for (const b of wanted as VerifiedBenchmark[]) {
        const r = await runBenchmark(b.signed, b.module, this.init.anchorKey, {
          disk: { dir: this.init.diskDir, gate: this.init.ioGate },
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
      lease?.release()
      this.busy = false
    }
  }
}
