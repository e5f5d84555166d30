/**
 * Per-peer reputation from probes (lodestar-style application score beside
 * gossipsub's own). A probe that confirms the peer's advert earns a little;
 * a claim the probe contradicts, or an invalid or replayed answer, costs a
 * lot; a peer below the ban threshold is not offered swaps.
 */

/** Score changes. A lie costs ten honest probes: lying must not pay on average. */
const REPUTATION_PASS = 1
const REPUTATION_CLAIM_MISMATCH = -10
const REPUTATION_INVALID_ANSWER = -10
/** Refusals and timeouts may be honest (busy, network): a small cost. */
const REPUTATION_NO_ANSWER = -2
/** Scores stay within ±100 so old history fades against new behaviour. */
const REPUTATION_BOUND = 100
/** Below this a peer is not traded with: two lies, or many silent probes. */
export const REPUTATION_BAN_THRESHOLD = -15
/** Outcomes kept per peer for status and audits. */
const REPUTATION_HISTORY = 32

export type ProbeVerdict = 'pass' | 'claim-mismatch' | 'invalid-answer' | 'no-answer'

export interface ProbeRecord {
  atMs: number
  verdict: ProbeVerdict
  /** The rule or claim that failed. */
  detail?: string
}

const DELTA: Record<ProbeVerdict, number> = {
  pass: REPUTATION_PASS,
  'claim-mismatch': REPUTATION_CLAIM_MISMATCH,
  'invalid-answer': REPUTATION_INVALID_ANSWER,
  'no-answer': REPUTATION_NO_ANSWER,
}

export class Reputation {
  protected readonly scores = new Map<string, number>()
  protected readonly records = new Map<string, ProbeRecord[]>()

  record(peer: string, r: ProbeRecord): number {
    const s = Math.max(-REPUTATION_BOUND, Math.min(REPUTATION_BOUND, this.score(peer) + DELTA[r.verdict]))
    this.scores.set(peer, s)
    const h = this.records.get(peer) ?? []
    h.push(r)
    if (h.length > REPUTATION_HISTORY) h.shift()
    this.records.set(peer, h)
    return s
  }

  score(peer: string): number {
    return this.scores.get(peer) ?? 0
  }

  history(peer: string): ProbeRecord[] {
    return [...(this.records.get(peer) ?? [])]
  }

  banned(peer: string): boolean {
    return this.score(peer) <= REPUTATION_BAN_THRESHOLD
  }
}
