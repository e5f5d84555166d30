/**
 * The prober's side (paper III-B): asks a peer to run anchor-signed
 * benchmarks with a fresh nonce, checks the answer (nonce, signer, modules,
 * signature) and then the peer's advert claims against the measurements, and
 * records the outcome in the peer's reputation.
 */
import { randomBytes } from 'node:crypto'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Profile } from '../../protocols/advert.js'
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_PROBE_TOLERANCE,
  MAX_PROBE_RESPONSE_BYTES,
  PROBE_NONCE_BYTES,
  PROBE_PROTOCOL,
} from '../../protocols/anchor-constants.js'
import type { SinkOutcome } from '../../protocols/bandwidth.js'
import { type ClaimCheck, checkClaims } from '../../protocols/claims.js'
import { ValidationError, type VBoomError } from '../../protocols/errors.js'
import { encodeProbeRequest, type ProbeMeasurement, validateProbeResponse } from '../../protocols/probe.js'
import { rpcCall } from '../../protocols/rpc.js'
import { BenchmarkResource, needsNetwork, type VerifiedBenchmark } from '../../runtime/sandbox/index.js'
import type { Reputation } from '../market/reputation.js'
import type { BandwidthSink } from './bandwidth-sink.js'

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
