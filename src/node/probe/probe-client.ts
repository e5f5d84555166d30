/**
 * The prober's side (paper III-B): asks a peer to run anchor-signed
 * benchmarks with a fresh nonce, checks the answer (nonce, signer, modules,
 * signature) and then the peer's advert claims against the measurements, and
 * records the outcome in the peer's reputation.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Counter, type Registry } from 'prom-client'
import type { Profile } from '../../protocols/advert.js'
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_PROBE_TOLERANCE,
  MAX_PROBE_RESPONSE_BYTES,
  PROBE_NONCE_BYTES,
  PROBE_PROTOCOL,
} from '../../protocols/anchor-constants.js'
import type { SinkOutcome } from '../../protocols/bandwidth.js'
import { type ClaimCheck, lowerIsBetter } from '../../protocols/claims.js'
import { ValidationError, type VBoomError } from '../../protocols/errors.js'
import {
  encodeProbeRequest,
  type ProbeMeasurement,
  ProbeRefusal,
  probeRefusalCode,
  validateProbeResponse,
} from '../../protocols/probe.js'
import { rpcCall } from '../../protocols/rpc.js'
import { BenchmarkResource, needsNetwork, type VerifiedBenchmark } from '../../runtime/sandbox/index.js'
import type { Reputation } from '../market/reputation.js'
import type { BandwidthSink } from './bandwidth-sink.js'
import { checkClaimsBySpread } from './claim-tolerance.js'
import { outcomeCounter } from './metrics.js'

export interface ProbeOutcome {
  peer: string
  ok: boolean
  verdict: 'pass' | 'claim-mismatch' | 'invalid-answer' | 'no-answer'
  measurements: ProbeMeasurement[]
  checks: ClaimCheck[]
  /** The failed rule's code, when not ok. */
  code?: string
  score: number
  /** Probe exchanges made: 2 when a shortfall was checked again before it was charged. */
  probes: number
  /**
   * True when the peer only ever said "not now" (busy with another prober's
   * benchmarks, or this prober over its rate): nothing was learnt, and the
   * peer's reputation was not charged.
   */
  notNow?: boolean
}

export interface ProbeClientInit {
  node: Libp2p
  reputation: Reputation
  /**
   * One tolerance for every claim; absent: each claim's own, from its
   * advert's spread (claim-tolerance.ts).
   */
  tolerance?: number
  /** Whether a shortfall is probed again before it is charged (default true). */
  confirmMismatch?: boolean
  /** Where `vboom_probes_made_total{outcome}` is registered; none by default. */
  metrics?: Registry
  timeoutMs?: number
  /** Our bandwidth sink: the probed peer may push to it while a probe with network benchmarks runs. */
  sink?: BandwidthSink
  now?: () => number
  /** The waits before asking a peer that said "not now" again, ms (default NOT_NOW_BACKOFF_MS, ±20 %). */
  notNowBackoffMs?: readonly number[]
}

/**
 * Waits before asking again a peer that said "not now", ms: a probe of the
 * standard suite runs 5-30 s on the disks seen here (128 MiB written at
 * 5-48 MB/s), so a peer busy with one is free within the first waits; ~1 min
 * in all, well inside a negotiation's time.
 */
export const NOT_NOW_BACKOFF_MS: readonly number[] = [3_000, 6_000, 12_000, 15_000, 15_000]
/** Each wait varies by this fraction, so probers turned away together do not come back together. */
const NOT_NOW_JITTER = 0.2

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

/** Probes made by this agent, by outcome: the verdicts, and mismatches a second probe did not confirm. */
const PROBES_MADE_METRIC = 'vboom_probes_made_total'
/** Lies this agent's probes confirmed, by the lying peer: few peers, since honest ones never get a series. */
const PROBE_LIES_METRIC = 'vboom_probe_lies_total'

/** The better of two measurements of one resource: higher, or lower for round-trip time. */
function better(resource: string, x: number, y: number): number {
  return lowerIsBetter(resource) ? Math.min(x, y) : Math.max(x, y)
}

type Answer =
  | { ok: true; measurements: ProbeMeasurement[]; seen: SinkOutcome[] }
  | { ok: false; outcome: Omit<ProbeOutcome, 'score' | 'peer' | 'probes'>; notNow?: boolean }

export class ProbeClient {
  private readonly made: Counter<'outcome'> | null
  private readonly lies: Counter<'peer'> | null

  constructor(private readonly init: ProbeClientInit) {
    this.made = outcomeCounter(
      init.metrics,
      PROBES_MADE_METRIC,
      'Probes this agent made of partners, by outcome (a verdict, mismatch-unconfirmed, or not-now: the peer stayed busy)',
    )
    const m = init.metrics
    this.lies =
      m === undefined
        ? null
        : ((m.getSingleMetric(PROBE_LIES_METRIC) as Counter<'peer'> | undefined) ??
          new Counter({
            name: PROBE_LIES_METRIC,
            help: "Claims this agent's probes found contradicted twice in a row (a lie), by the peer that made them",
            labelNames: ['peer'],
            registers: [m],
          }))
  }

  /**
   * Probes `peer` with `benchmarks` and checks its advert's `claims` against
   * the results. Never throws for the peer's behaviour: the outcome says what
   * happened and the reputation is updated.
   *
   * A measurement below a claim is charged as a lie only when a second
   * probe, made at once with a fresh nonce, falls short too (the better of
   * the two measurements is checked): one probe on a loaded machine
   * measures the moment's load as much as the host, and an honest peer
   * should not lose a tenth of its standing to it. A 2x lie fails both.
   */
  async probe(
    peer: PeerId,
    target: PeerId | Multiaddr[],
    benchmarks: VerifiedBenchmark[],
    claims: Profile,
    signal?: AbortSignal,
  ): Promise<ProbeOutcome> {
    const id = peer.toString()
    let probes = 1
    const done = (
      o: Omit<ProbeOutcome, 'score' | 'peer' | 'probes'>,
      counted: string = o.verdict,
    ): ProbeOutcome => {
      const score = this.init.reputation.record(id, {
        atMs: (this.init.now ?? Date.now)(),
        verdict: o.verdict,
        detail: o.code,
      })
      this.made?.inc({ outcome: counted })
      if (o.verdict === 'claim-mismatch') this.lies?.inc({ peer: id })
      return { ...o, peer: id, score, probes }
    }
    const notNow = (o: Omit<ProbeOutcome, 'score' | 'peer' | 'probes'>): ProbeOutcome => {
      this.made?.inc({ outcome: 'not-now' })
      return { ...o, peer: id, score: this.init.reputation.score(id), probes, notNow: true }
    }
    const first = await this.askPatiently(peer, target, benchmarks, signal)
    if (!first.ok) return first.notNow ? notNow(first.outcome) : done(first.outcome)
    const checked = this.check(benchmarks, claims, first.measurements, first.seen)
    if (checked.ok || checked.verdict !== 'claim-mismatch' || this.init.confirmMismatch === false)
      return done(checked)
    probes = 2
    const second = await this.askPatiently(peer, target, benchmarks, signal)
    // A peer busy for the confirmation: the shortfall stays unconfirmed, so it is not charged.
    if (!second.ok) return second.notNow ? notNow(second.outcome) : done(second.outcome)
    const best = first.measurements.map((m, i) => ({
      ...m,
      value: better(
        String(benchmarks[i]!.manifest.resource),
        m.value,
        second.measurements[i]?.value ?? m.value,
      ),
    }))
    const confirmed = this.check(benchmarks, claims, best, [...first.seen, ...second.seen])
    return done(confirmed, confirmed.ok ? 'mismatch-unconfirmed' : confirmed.verdict)
  }

  /** One probe exchange, asked again after a back-off while the peer says "not now" (NOT_NOW_BACKOFF_MS). */
  private async askPatiently(
    peer: PeerId,
    target: PeerId | Multiaddr[],
    benchmarks: VerifiedBenchmark[],
    signal?: AbortSignal,
  ): Promise<Answer> {
    const waits = this.init.notNowBackoffMs ?? NOT_NOW_BACKOFF_MS
    for (let i = 0; ; i++) {
      const answer = await this.ask(peer, target, benchmarks, signal)
      if (answer.ok || !answer.notNow || i >= waits.length) return answer
      const wait = waits[i]! * (1 + NOT_NOW_JITTER * (2 * Math.random() - 1))
      try {
        await sleep(wait, undefined, { signal })
      } catch {
        return answer
      }
    }
  }

  /** One probe exchange: the peer's signed measurements, or why there are none. */
  private async ask(
    peer: PeerId,
    target: PeerId | Multiaddr[],
    benchmarks: VerifiedBenchmark[],
    signal?: AbortSignal,
  ): Promise<Answer> {
    const nonce = randomBytes(PROBE_NONCE_BYTES)
    const modules = benchmarks.map((b) => b.moduleSha256)
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
      return {
        ok: false,
        outcome: {
          ok: false,
          verdict: 'no-answer',
          measurements: [],
          checks: [],
          code: (err as VBoomError).code,
        },
      }
    } finally {
      release?.()
    }
    try {
      const measurements = validateProbeResponse(bytes, {
        nonce,
        prober: this.init.node.peerId.toString(),
        vm: peer.toString(),
        modules,
        nowMs: (this.init.now ?? Date.now)(),
      })
      return { ok: true, measurements, seen }
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      if (err.code !== 'PROBE_REFUSED')
        return {
          ok: false,
          outcome: { ok: false, verdict: 'invalid-answer', measurements: [], checks: [], code: err.code },
        }
      const refusal = probeRefusalCode(bytes)
      const notNow = refusal === ProbeRefusal.BUSY || refusal === ProbeRefusal.RATE_LIMITED
      return {
        ok: false,
        notNow,
        outcome: {
          ok: false,
          verdict: 'no-answer',
          measurements: [],
          checks: [],
          code: notNow ? `PROBE_${refusal}` : err.code,
        },
      }
    }
  }

  /** The measurements against the sink's traffic and the advert's claims. */
  private check(
    benchmarks: VerifiedBenchmark[],
    claims: Profile,
    measurements: ProbeMeasurement[],
    seen: SinkOutcome[],
  ): Omit<ProbeOutcome, 'score' | 'peer' | 'probes'> {
    if (this.init.sink !== undefined) {
      const unsupported = netBwUnsupported(
        benchmarks,
        measurements,
        seen,
        this.init.tolerance ?? DEFAULT_PROBE_TOLERANCE,
      )
      if (unsupported !== null)
        return { ok: false, verdict: 'invalid-answer', measurements, checks: [], code: unsupported }
    }
    const checks = checkClaimsBySpread(
      claims,
      measurements.map((m, i) => ({ resource: benchmarks[i]!.manifest.resource, value: m.value })),
      this.init.tolerance,
    )
    const bad = checks.find((c) => !c.ok)
    if (bad !== undefined)
      return { ok: false, verdict: 'claim-mismatch', measurements, checks, code: `CLAIM_${bad.resource}` }
    return { ok: true, verdict: 'pass', measurements, checks }
  }

  private rpc(target: PeerId | Multiaddr[], req: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return rpcCall(this.init.node, target, PROBE_PROTOCOL, req, {
      maxResponseBytes: MAX_PROBE_RESPONSE_BYTES,
      timeoutMs: this.init.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      signal,
    })
  }
}
