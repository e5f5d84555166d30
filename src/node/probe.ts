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
import type { Profile } from '../protocols/advert.js'
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_PROBE_TOLERANCE,
  MAX_PROBE_REQUEST_BYTES,
  MAX_PROBE_RESPONSE_BYTES,
  PROBE_NONCE_BYTES,
  PROBE_PROTOCOL,
  PROBE_RATE_BURST,
  PROBE_RATE_PER_SECOND,
} from '../protocols/anchor-constants.js'
import { type ClaimCheck, checkClaims } from '../protocols/claims.js'
import { ValidationError, type VBoomError } from '../protocols/errors.js'
import {
  encodeProbeFailure,
  encodeProbeRequest,
  type ProbeMeasurement,
  signProbeResponse,
  validateProbeRequest,
  validateProbeResponse,
} from '../protocols/probe.js'
import { handleRpc, rpcCall, unhandleRpc } from '../protocols/rpc-stream.js'
import type { Logger } from '../runtime/log.js'
import { runBenchmark, type VerifiedBenchmark } from '../runtime/sandbox/index.js'
import { AnchorClient } from './anchor-client.js'
import { RateLimiter } from './rate-limiter.js'
import type { Reputation } from './reputation.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

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
    const existing = init.metrics?.getSingleMetric('vboom_probes_served_total') as
      | Counter<'outcome'>
      | undefined
    this.served =
      init.metrics === undefined
        ? null
        : (existing ??
          new Counter({
            name: 'vboom_probes_served_total',
            help: 'Probes from other agents, by outcome (ok, or the refusal code)',
            labelNames: ['outcome'],
            registers: [init.metrics],
          }))
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
  now?: () => number
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
    const checks = checkClaims(
      claims,
      measurements.map((m, i) => ({ resource: benchmarks[i]!.manifest.resource, value: m.value })),
      this.init.tolerance ?? DEFAULT_PROBE_TOLERANCE,
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
 * into the agent.
 */
export class AgentProbeService {
  private server: ProbeServer | null = null
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor(private readonly init: AgentProbeInit) {}

  start(): void {
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
        const b = await client.benchmark(s).catch(() => null)
        // A benchmark needing a network peer cannot run on a probe's behalf.
        if (b !== null && !b.manifest.hostFunctions.includes('net_rtt_us')) benchmarks.push(b)
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
  }
}
