/**
 * The prober's side of the network benchmarks (paper III-B): the sink that
 * probed peers push bytes to over the bandwidth protocol (src/protocols/bandwidth.ts).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Counter, Registry } from 'prom-client'
import { BANDWIDTH_RATE_BURST, BANDWIDTH_RATE_PER_SECOND } from '../../protocols/anchor-constants.js'
import {
  BandwidthStatus,
  type BandwidthStatusCode,
  handleBandwidthSink,
  type SinkOutcome,
  unhandleBandwidthSink,
} from '../../protocols/bandwidth.js'
import { RateLimiter } from '../rate-limiter.js'
import { outcomeCounter } from './metrics.js'

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
    this.transfers = outcomeCounter(
      init.metrics,
      'vboom_bandwidth_sink_transfers_total',
      'Bandwidth transfers pushed to us by probed peers, by outcome (ok, or the refusal or failure code)',
    )
    this.bytes = outcomeCounter(
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
