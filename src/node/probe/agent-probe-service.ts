/**
 * The agent's probe service: the probe server with the anchor's signed
 * benchmarks, and the bandwidth sink for the peers this agent probes.
 */
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Registry } from 'prom-client'
import type { VBoomError } from '../../protocols/errors.js'
import type { Logger } from '../../runtime/log.js'
import type { IoGate, VerifiedBenchmark } from '../../runtime/sandbox/index.js'
import { AnchorClient } from '../anchor-client.js'
import type { ActivityGate } from '../profiler/activity-gate.js'
import { BandwidthSink } from './bandwidth-sink.js'
import { ProbeServer } from './probe-server.js'

/** How often an agent retries fetching the signed benchmarks while the anchor is unreachable. */
export const PROBE_SETUP_RETRY_MS = 30_000

export interface AgentProbeInit {
  node: Libp2p
  /** The anchor's addresses (the agent's bootstrap list). */
  anchor: Multiaddr[]
  anchorKey: Uint8Array
  key: { secretKey: Uint8Array; publicKey: Uint8Array }
  diskDir: string
  /** What the disk benchmarks' I/O waits for where the disk's limits are emulated (Platform.ioGate). */
  ioGate?: IoGate
  log: Logger
  metrics?: Registry
  /** Held while a probe's benchmarks run, so the profiler does not measure at the same time. */
  gate?: ActivityGate
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
  private fetched: readonly VerifiedBenchmark[] = []
  private timer?: NodeJS.Timeout
  private stopped = false
  readonly sink: BandwidthSink

  constructor(private readonly init: AgentProbeInit) {
    this.sink = new BandwidthSink({ node: init.node, metrics: init.metrics })
  }

  /** The signed benchmarks fetched and checked (empty until the anchor answered); the profiler runs these. */
  get benchmarks(): readonly VerifiedBenchmark[] {
    return this.fetched
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
      this.fetched = benchmarks
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
