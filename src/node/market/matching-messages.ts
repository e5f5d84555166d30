/**
 * The messages of the decentralized matching (matching.ts) and the transport
 * they travel over. Domain types only: the negotiation protocol will give
 * them a wire schema and validate them at the edge; the in-memory transport
 * (in-memory-transport.ts) passes them as they are.
 *
 * Every message carries the sender's round and a sequence number that
 * strictly increases per sender, so a receiver drops replays, reordered
 * duplicates and messages from rounds long past. Replies name the sequence
 * number of the message they answer (`ref`).
 */
import type { PairTerms } from './decision.js'

/** Phase 1 pairs agents (locally heaviest edge); phase 2 improves the pairs (matching.ts). */
export type MatchPhase = 1 | 2

interface Envelope {
  from: string
  to: string
  round: number
  seq: number
  phase: MatchPhase
}

/** A phase-2 move a conditional proposal belongs to. */
export interface MoveRef {
  /** The leader's id and sequence number of its plan: unique per move. */
  id: string
  /** How much the move adds to the market's welfare, micro-credits; targets prefer the largest. */
  gainMicros: number
  /** The target's current partner the move expects to release, or null (a single target). */
  replaces: string | null
  /** Whether the target tells that partner itself (it is not the move's other target). */
  notifyReplaced: boolean
}

/** "Pair with me on these terms." In phase 2, conditional on the move going through. */
export interface ProposeMessage extends Envelope {
  kind: 'propose'
  terms: PairTerms
  welfareMicros: number
  move?: MoveRef
}

/** Accepts the proposal `ref`; or, answering an accept, confirms it. */
export interface AcceptMessage extends Envelope {
  kind: 'accept'
  ref: number
  terms: PairTerms
}

export type RejectReason =
  /** The receiver does not list the sender and has no room for it. */
  | 'not-listed'
  /** The receiver's own decision refuses the terms. */
  | 'unacceptable'
  /** The message answers something the receiver no longer holds. */
  | 'stale'

export interface RejectMessage extends Envelope {
  kind: 'reject'
  ref: number
  reason: RejectReason
}

export type WithdrawReason =
  /** The sender paired with someone else (`partner`, pair welfare `pairWelfareMicros`). */
  | 'taken'
  /** The sender gave up waiting. */
  | 'expired'
  /** The sender leaves the market. */
  | 'leaving'
  /** A phase-2 move was called off. */
  | 'cancel'
  /** Not a goodbye: the sender is single now (its offer-maker's view had it paired). */
  | 'single'

/** "Forget me": ends whatever the two had pending, and tells the receiver why. */
export interface WithdrawMessage extends Envelope {
  kind: 'withdraw'
  reason: WithdrawReason
  partner?: string
  pairWelfareMicros?: number
}

/** What one member of a pair knows of one of its candidates (phase 2). */
export interface CandidateView {
  peer: string
  welfareMicros: number
  terms: PairTerms
  /** The candidate's partner and pair welfare when known to be paired; absent when thought single. */
  takenBy?: string
  takenWelfareMicros?: number
}

/** Coordination between the two members of a pair in phase 2. */
export type PairStep =
  /** Non-leader to leader: its candidates. */
  | { step: 'view'; candidates: CandidateView[] }
  /** Leader to non-leader: propose to `target` for move `move` (null: the move leaves you single). */
  | { step: 'plan'; moveId: string; target: CandidateView | null; move: MoveRef | null }
  /** Non-leader to leader: whether its target accepted. */
  | { step: 'report'; moveId: string; accepted: boolean }
  /** Leader to non-leader: confirm (commit) or call off (cancel) the move. */
  | { step: 'commit' | 'cancel'; moveId: string }

export type PairMessage = Envelope & { kind: 'pair' } & PairStep

export type MatchMessage = ProposeMessage | AcceptMessage | RejectMessage | WithdrawMessage | PairMessage

export type MatchMessageKind = MatchMessage['kind']

/**
 * Where a matching agent sends. Fire and forget: a message to a peer that is
 * gone is lost, and the protocol's round deadlines recover from it.
 */
export interface MatchTransport {
  send(message: MatchMessage): void
}
