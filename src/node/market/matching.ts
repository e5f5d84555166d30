/**
 * Decentralized matching: many agents of one class pair up for swaps with
 * no central matcher. One MatchingAgent per VM, driven by rounds (`tick`) and
 * messages (`receive`), sending through an abstract transport; the same code
 * runs over libp2p streams and, for tests and the benchmark, in memory.
 *
 * The weight of a pair is its public welfare (decision.ts publicPair: both
 * utilities from the two adverts), the same number on both sides, so the
 * locally-heaviest-edge argument holds. Each agent's candidates are its
 * edges in the market graph (candidates.ts), which both ends of an edge
 * compute alike; a proposal from a peer off the list (a stale view) is
 * evaluated and taken on while there is room, refused otherwise.
 *
 * Phase 1, rounds 1..pairingRounds (Hoepman's distributed locally heaviest
 * edge, with standing proposals): a free agent with no proposal out proposes
 * to its best open candidate, one new proposal per round; or, if that
 * candidate already proposed to it, accepts. An accept is confirmed by an
 * accept back; an agent is paired when it has sent and received an accept
 * with the same peer. A paired agent withdraws from all its other candidates
 * ("taken", with its partner and pair welfare), so they drop it and move on.
 * With consistent weights the heaviest open edge is always mutual, so some
 * pair locks in every round and the result is the greedy matching, a 1/2
 * approximation. Proposals wait at most proposalTtlRounds and accepts
 * commitTtlRounds, then are withdrawn: stale views (inconsistent weights)
 * and peers that left cannot stall anyone.
 *
 * Phase 2, improvementCycles cycles of 3 rounds (local improvement: short
 * augmenting paths and cycles relative to the current matching, of up to
 * three new edges, in the style of Drake-Hougardy and Pettie-Sanders, each
 * found by the agents it concerns and agreed by messages). In each cycle
 * the non-leader of every pair (leader = the smaller id) sends its leader
 * its candidates' statuses; the leader picks the best move of its pair
 * (a, b), where one member P takes a candidate c and the other Q takes:
 *   c single:         y of Q's, single       w(P,c) + w(Q,y) - w(a,b)          (augment)
 *                     y paired with z        ... - w(y,z)                      (z ends single)
 *                     nothing (Q single)     w(P,c) - w(a,b)
 *   c paired with d:  d                      w(P,c) + w(Q,d) - w(a,b) - w(c,d) (exchange)
 *                     y, or nothing          w(P,c) [+ w(Q,y) - w(y,z)] - w(a,b) - w(c,d)
 * when the gain exceeds minMoveGainFraction of w(a,b). a and b send
 * conditional proposals to their targets (plan round). Each target takes
 * the offer that gains most as it stands (answer round): the proposer
 * counted its pair with `replaces`; the offer holds if it is single, or
 * paired with `replaces`, or with another partner of no more welfare (the
 * move then gains at least what was counted); an exchange needs `replaces`
 * exactly. A target whose own pair plans a move leaves that move only for
 * an offer that gains more (the heavier move wins, as the heavier edge
 * does in phase 1): without this, popular agents, always busy with small
 * moves of their own, refused the large moves through them. A target tells
 * up to CORRECTIONS_PER_CYCLE offerers whose view of it was wrong how it
 * stands. The leader commits if both targets accepted, or the half that
 * still gains if one declined or its member left for a better offer (not
 * for exchanges), else cancels (commit round). Singles propose too (half of
 * them in a cycle, drawn by hash), to SOLO_PROPOSALS at once, and confirm
 * the best that accepts: to singles (w(s,c)), and to paired candidates whose
 * pair they outweigh (w(s,c) - w(c,d): the short augmenting move seen from
 * the single's side). Targets not confirmed by the next cycle are free
 * again; an unanswered target is skipped for a back-off of 1, 2, 4, 8
 * cycles, then tried again.
 * Moves need true views: an agent whose partner changes tells its
 * candidates at once (STATUS_NOTICES per cycle, best first, the rest at the
 * next cycle), and at the start of phase 2 every agent tells the candidates
 * that never heard from it how it stands, so that both ends of every listed
 * pair know each other and each other's state. (Before that, a third of the
 * views at 1,000 VMs were wrong, and a simulation with exact views reached
 * 97 % where the agents reached 96 %.)
 * On random markets (bench:market) phase 1 alone reaches 82-93 % of the
 * optimum and phase 2 brings it to 95-99 % at 100 to 10,000 VMs; what is
 * left is mostly long augmenting paths, beyond any local move.
 *
 * Each agent holds at most one commitment at a time: a proposal out, or an
 * accept awaiting confirmation, or a partner (whom a phase-2 reservation may
 * replace only on the move's confirmation).
 *
 * Message bound, per agent, over a whole session (messageBound()):
 *   phase 1: per candidate (at most candidateLimit + extraCandidates) at most
 *   one propose, one accept, one withdraw or reject (giving up), and one
 *   "taken" notice (whom we paired with; or, at the start of phase 2 or
 *   when it first proposes there, how we stand); plus at most rejectBudget
 *   rejects to non-candidates (beyond it, their proposals lapse at the
 *   proposer); phase 2: at most MOVE_MESSAGES_PER_CYCLE = 6 per cycle (own
 *   move: view or plan, propose, report or commit/cancel, confirm or
 *   withdraw; a taken offer: accept and releasing the old partner; a single
 *   sends SOLO_PROPOSALS = 2 proposals and one confirmation) plus
 *   CORRECTIONS_PER_CYCLE = 2 plus STATUS_NOTICES = 32; and 2 on leaving.
 *   Total 4 (D + E) + B + (6 + 2 + 32) C + 2, D = candidateLimit,
 *   E = extraCandidates, B = rejectBudget, C = improvementCycles: 2,322 with
 *   the defaults (the most seen on bench:market: about 550).
 * The session ends after pairingRounds + 3 improvementCycles rounds.
 */
import { type PairTerms, sameTerms } from './decision.js'
import { MarketError } from './errors.js'
import type {
  CandidateView,
  MatchMessage,
  MatchMessageKind,
  MatchPhase,
  MatchTransport,
  MoveRef,
  PairMessage,
  PairStep,
  ProposeMessage,
  RejectReason,
  WithdrawReason,
} from './matching-messages.js'

export interface MatchingParams {
  /** Own candidates kept (the best by welfare). */
  candidateLimit: number
  /** Proposers off the list taken on as candidates, if the evaluator accepts them. */
  extraCandidates: number
  /** B: rejects an agent sends to proposers it cannot list; later ones lapse silently. */
  rejectBudget: number
  /** Rounds a proposal waits for an answer before it is withdrawn. */
  proposalTtlRounds: number
  /** Rounds an accept waits for its confirmation. */
  commitTtlRounds: number
  /** Rounds of phase 1. */
  pairingRounds: number
  /** Cycles (3 rounds each) of phase 2. */
  improvementCycles: number
  /** A phase-2 move must add this fraction of the pair's welfare (no churn for crumbs). */
  minMoveGainFraction: number
  /** Messages from rounds further back than this are dropped. */
  staleAfterRounds: number
}

export const DEFAULT_MATCHING_PARAMS: Readonly<MatchingParams> = {
  // K of candidates.ts: the agent's own list.
  candidateLimit: 32,
  // L of candidates.ts: at most L agents (those within our top L) may list us and propose.
  extraCandidates: 64,
  // Answers to proposers we cannot list; in a consistent market there are none, stale views make a few.
  rejectBudget: 16,
  // A chain of better pairs settles within a few rounds; waiting longer on a proposal costs the
  // proposer its later chances (bench:market, 1,000 VMs, seeds 1-5: phase 1 reaches 84-90 % of
  // the optimum at 4 rounds against 72-90 % at 8).
  proposalTtlRounds: 4,
  // An accept is confirmed within the same round unless the peer left: two rounds suffice.
  commitTtlRounds: 2,
  // Phase 1 settles in well under 24 rounds on random markets up to 10,000 VMs (bench:market).
  pairingRounds: 24,
  // On 1,000 VMs the last improving move is found by about the 45th cycle (bench:market); more find none.
  improvementCycles: 48,
  // Half a percent of the pair's welfare: below that a move is noise in the utilities.
  minMoveGainFraction: 0.005,
  // Rounds are seconds apart on the network; a message three rounds old answers nothing current.
  staleAfterRounds: 3,
}

export const ROUNDS_PER_CYCLE = 3

/**
 * Messages an agent sends per phase-2 cycle, notices aside: its own pair's
 * move (view or plan, propose, report or commit/cancel, confirm or withdraw)
 * and another move's offer it takes (accept, and releasing its old partner);
 * a single's SOLO_PROPOSALS proposals and one confirmation stay within it.
 */
export const MOVE_MESSAGES_PER_CYCLE = 6

/** Offers built on a wrong view of a target that it answers with its status, per cycle. */
export const CORRECTIONS_PER_CYCLE = 2

/**
 * Singles a single proposes to at once in a phase-2 cycle: two, so a stale
 * view (a candidate believed single that paired) costs half the cycles; its
 * messages (two proposals, one confirmation) stay within a pair's 4 per cycle.
 */
export const SOLO_PROPOSALS = 2

/**
 * Status notices an agent sends per phase-2 cycle after its partner changed:
 * 32 covers the whole list of most agents (about 10 to 15 candidates on
 * bench:market) and the best of the popular ones' (up to 80); 16 left views
 * stale longer (10,000 VMs, seed 1: 94.8 % of the optimum against 95.0 %).
 */
export const STATUS_NOTICES = 32

/**
 * The longest an unanswered target is skipped, in cycles: long enough that a
 * popular target's offerers stop crowding it every cycle, short enough that
 * they come back within a session (bench:market: 97.7 % of the optimum at
 * 1,000 VMs with 8, 97.5 % with 4).
 */
export const MAX_SKIP_CYCLES = 8

/** Rounds after which every agent has finished. */
export function sessionRounds(p: MatchingParams): number {
  return p.pairingRounds + ROUNDS_PER_CYCLE * p.improvementCycles
}

/** The most messages one agent sends in a session (see the header). */
export function messageBound(p: MatchingParams): number {
  return (
    4 * (p.candidateLimit + p.extraCandidates) +
    p.rejectBudget +
    (MOVE_MESSAGES_PER_CYCLE + CORRECTIONS_PER_CYCLE + STATUS_NOTICES) * p.improvementCycles +
    2
  )
}

/** A partner as the agent's owner evaluated it. */
export interface MatchCandidate {
  peer: string
  /** The pair's public welfare, micro-credits. */
  welfareMicros: number
  /** The pair's public terms. */
  terms: PairTerms
}

/** The agent's owner's judgement, asked for peers and terms not on the list. */
export interface PeerEvaluator {
  /** The pair with `peer` if this agent would accept it (public welfare and terms); null otherwise. */
  evaluate(peer: string): MatchCandidate | null
  /** Whether this agent accepts to swap with `peer` on `terms` (its private decision). */
  accepts(peer: string, terms: PairTerms): boolean
}

/**
 * The evaluator of an owner whose judgement is one function: a peer it
 * would pair with, with the pair's terms; it accepts a peer's proposal when
 * it names those same terms.
 */
export function evaluatorOf(evaluate: (peer: string) => MatchCandidate | null): PeerEvaluator {
  return {
    evaluate,
    accepts: (peer, terms) => {
      const c = evaluate(peer)
      return c !== null && sameTerms(c.terms, terms)
    },
  }
}

export interface MatchingAgentInit {
  id: string
  /** Its listed candidates (at most candidateLimit are kept, the best by welfare). */
  candidates: readonly MatchCandidate[]
  evaluator: PeerEvaluator
  transport: MatchTransport
  params?: Partial<MatchingParams>
}

export interface MatchResult {
  partner: string
  terms: PairTerms
  welfareMicros: number
}

export type DropReason =
  | 'stale-round'
  | 'duplicate-seq'
  | 'unknown-peer'
  | 'wrong-phase'
  | 'unexpected'
  | 'left'

export interface MatchingStats {
  sent: Record<MatchMessageKind, number>
  received: number
  dropped: Record<DropReason, number>
}

interface Cand {
  peer: string
  welfare: number
  terms: PairTerms
  listed: boolean
  /** Phase 1: whether we may still propose to it or accept it. */
  open: boolean
  /** Phase 1: we sent it our last word (withdraw or reject); nothing more goes to it in phase 1. */
  told: boolean
  /** We told it whom we paired with (once, so its phase-2 view of us is right). */
  toldTaken: boolean
  /** Phase 2: it refused us, left, or failed a move; not planned with again. */
  failed: boolean
  /** Phase 2: offers of ours it left unanswered; skipped up to skipUntilCycle (back-off). */
  misses?: number
  skipUntilCycle?: number
  /** It told us it paired, with whom and at what welfare. */
  takenBy?: string
  takenWelfare?: number
  /** We have sent it a message (so it knows we may plan with it). */
  heard?: boolean
  /** The last of our status versions it was told (phase 2). */
  toldVersion?: number
  /** Its standing phase-1 proposal to us. */
  theirProposal?: { seq: number; terms: PairTerms }
}

type Phase1State =
  | { kind: 'free' }
  | {
      kind: 'committing'
      peer: string
      acceptSeq: number
      terms: PairTerms
      welfare: number
      sinceRound: number
    }
  | { kind: 'paired'; peer: string; terms: PairTerms; welfare: number }

interface Offer {
  from: string
  seq: number
  move: MoveRef
  terms: PairTerms
  welfare: number
}

interface LeaderPlan {
  cycle: number
  moveId: string
  /** My target, or null when the move releases me (I end single). */
  mine: CandidateView | null
  theirs: CandidateView | null
  /** The pair's welfare before the move, and the move's threshold. */
  pairWelfare: number
  threshold: number
  proposalSeq: number
  /** The move's gain: an offer to either member must beat it for that member to leave the move. */
  gain: number
  /** The seq of my target's accept, once in. */
  accepted?: number
}

interface Assignment {
  cycle: number
  moveId: string
  target: CandidateView | null
  /** The move's gain as the leader planned it; unknown (no leaving it) when I have no target. */
  gain: number
  proposalSeq: number
  accepted?: number
}

/** A candidate move of a pair: each member's new partner (null: it ends single). */
interface Move {
  gain: number
  mine: CandidateView | null
  theirs: CandidateView | null
}

/** One of a single's phase-2 proposals to singles. */
interface SoloOffer {
  target: CandidateView
  proposalSeq: number
  accepted?: number
}

interface Reservation {
  cycle: number
  proposer: string
  acceptSeq: number
  move: MoveRef
  terms: PairTerms
  welfare: number
}

const byWelfare = (a: { welfare: number; peer: string }, b: { welfare: number; peer: string }): number =>
  b.welfare - a.welfare || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0)

export class MatchingAgent {
  readonly id: string
  readonly params: MatchingParams
  private readonly evaluator: PeerEvaluator
  private readonly transport: MatchTransport
  private readonly cands = new Map<string, Cand>()
  /** Candidates by welfare, best first. */
  private order: Cand[] = []
  private extras = 0
  private rejectsLeft: number
  private seq = 0
  private round = 0
  private left = false
  private readonly lastSeq = new Map<string, number>()
  private state: Phase1State = { kind: 'free' }
  private outstanding: { peer: string; seq: number; terms: PairTerms; round: number } | null = null
  // Phase 2.
  private busyCycle = -1
  /** The phase-2 cycle in which a move left this agent single, until it has said so. */
  private releasedCycle: number | null = null
  /** Status notices left in the phase-2 cycle `cycle`. */
  private notices = { cycle: -1, left: 0 }
  /** The last pair notice of agents not (yet) among our candidates: partner and pair welfare. */
  private readonly strangers = new Map<string, { partner: string; welfare: number }>()
  /** Bumped on every phase-2 change of partner; candidates told an older one are stale. */
  private statusVersion = 0
  private offers: Offer[] = []
  private plan: LeaderPlan | null = null
  private assignment: Assignment | null = null
  private reservation: Reservation | null = null
  /** A single's own proposal to another single (phase 2). */
  private solo: { cycle: number; offers: SoloOffer[] } | null = null
  private readonly sentCounts: Record<MatchMessageKind, number> = {
    propose: 0,
    accept: 0,
    reject: 0,
    withdraw: 0,
    pair: 0,
  }
  private receivedCount = 0
  private readonly droppedCounts: Record<DropReason, number> = {
    'stale-round': 0,
    'duplicate-seq': 0,
    'unknown-peer': 0,
    'wrong-phase': 0,
    unexpected: 0,
    left: 0,
  }

  constructor(init: MatchingAgentInit) {
    this.id = init.id
    this.params = { ...DEFAULT_MATCHING_PARAMS, ...init.params }
    this.evaluator = init.evaluator
    this.transport = init.transport
    this.rejectsLeft = this.params.rejectBudget
    const listed = [...init.candidates]
      .filter((c) => c.peer !== this.id)
      .map((c) => ({ peer: c.peer, welfare: c.welfareMicros, terms: c.terms }))
      .sort(byWelfare)
      .slice(0, this.params.candidateLimit)
    for (const c of listed) this.addCand(c.peer, c.welfare, c.terms, true)
  }

  /** The agent's partner once paired (at the end of the session: its agreement to negotiate). */
  result(): MatchResult | null {
    if (this.state.kind !== 'paired') return null
    return { partner: this.state.peer, terms: this.state.terms, welfareMicros: this.state.welfare }
  }

  /** Its candidates, best first (status output, tests). */
  candidates(): MatchCandidate[] {
    return this.order.map((c) => ({ peer: c.peer, welfareMicros: c.welfare, terms: c.terms }))
  }

  stats(): MatchingStats {
    return { sent: { ...this.sentCounts }, received: this.receivedCount, dropped: { ...this.droppedCounts } }
  }

  /** Messages sent so far. */
  sentTotal(): number {
    let n = 0
    for (const v of Object.values(this.sentCounts)) n += v
    return n
  }

  /** Whether the agent has nothing left to do (its session is over, or it left). */
  finished(): boolean {
    return this.left || this.round >= sessionRounds(this.params)
  }

  /** Leaves the market mid-session: tells whoever it holds a commitment with, then ignores everything. */
  leave(): void {
    if (this.left) return
    const tell = new Set<string>()
    if (this.state.kind !== 'free') tell.add(this.state.peer)
    if (this.outstanding !== null) tell.add(this.outstanding.peer)
    if (this.reservation !== null) tell.add(this.reservation.proposer)
    for (const peer of [...tell].slice(0, 2)) this.withdraw(peer, 'leaving')
    this.left = true
    this.state = { kind: 'free' }
  }

  /** Starts round `round` (rounds count from 1 and must increase). */
  tick(round: number): void {
    if (this.left) return
    if (!(Number.isInteger(round) && round > this.round)) {
      throw new MarketError('BAD_DRIVE', `round ${round} does not follow round ${this.round}`)
    }
    this.round = round
    if (round <= this.params.pairingRounds) this.tickPairing()
    else if (round <= sessionRounds(this.params)) this.tickImprovement(round - this.params.pairingRounds - 1)
  }

  /** Handles one message addressed to this agent. */
  receive(m: MatchMessage): void {
    if (this.left) {
      this.drop('left')
      return
    }
    if (m.to !== this.id || m.from === this.id) {
      this.drop('unexpected')
      return
    }
    if (m.round < this.round - this.params.staleAfterRounds) {
      this.drop('stale-round')
      return
    }
    const last = this.lastSeq.get(m.from)
    if (last !== undefined && m.seq <= last) {
      this.drop('duplicate-seq')
      return
    }
    this.lastSeq.set(m.from, m.seq)
    this.receivedCount++
    if (m.phase !== this.phase()) {
      this.drop('wrong-phase')
      return
    }
    if (m.phase === 1) this.receivePairing(m)
    else this.receiveImprovement(m)
  }

  private phase(): MatchPhase {
    return this.round <= this.params.pairingRounds ? 1 : 2
  }

  // ---------------------------------------------------------------- phase 1

  private tickPairing(): void {
    const out = this.outstanding
    if (out !== null && this.round - out.round >= this.params.proposalTtlRounds) {
      this.outstanding = null
      this.giveUp(out.peer)
    }
    if (
      this.state.kind === 'committing' &&
      this.round - this.state.sinceRound >= this.params.commitTtlRounds
    ) {
      const peer = this.state.peer
      this.state = { kind: 'free' }
      this.giveUp(peer)
    }
    this.advance()
  }

  /**
   * A free agent with nothing out turns to its best open candidate: accepts
   * its standing proposal, or proposes. Called on every tick and as soon as
   * an answer frees the agent (Hoepman's algorithm is asynchronous: waiting
   * for the next round would only slow the cascade down).
   */
  private advance(): void {
    if (this.left || this.phase() !== 1) return
    if (this.state.kind !== 'free' || this.outstanding !== null) return
    const best = this.order.find((c) => c.open)
    if (best === undefined) return
    if (best.theirProposal !== undefined) {
      this.acceptProposal(best, best.theirProposal)
      return
    }
    const seq = this.send({
      kind: 'propose',
      to: best.peer,
      phase: 1,
      terms: best.terms,
      welfareMicros: best.welfare,
    })
    this.outstanding = { peer: best.peer, seq, terms: best.terms, round: this.round }
  }

  private receivePairing(m: MatchMessage): void {
    switch (m.kind) {
      case 'propose':
        this.onPropose(m)
        return
      case 'accept':
        this.onAccept(m.from, m.ref, m.seq)
        return
      case 'reject':
        this.onReject(m.from, m.ref)
        return
      case 'withdraw':
        this.onWithdraw(m.from, m.reason, m.partner, m.pairWelfareMicros)
        return
      case 'pair':
        this.drop('wrong-phase')
        return
    }
  }

  private onPropose(m: ProposeMessage): void {
    let c = this.cands.get(m.from)
    if (c === undefined) {
      const found = this.extras < this.params.extraCandidates ? this.evaluator.evaluate(m.from) : null
      if (found === null) {
        if (this.rejectsLeft > 0) {
          this.rejectsLeft--
          this.send({ kind: 'reject', to: m.from, phase: 1, ref: m.seq, reason: 'not-listed' })
        }
        return
      }
      this.extras++
      c = this.addCand(m.from, found.welfareMicros, found.terms, false)
    }
    if (!c.open) {
      this.drop('unknown-peer')
      return
    }
    if (!this.evaluator.accepts(m.from, m.terms)) {
      this.reject(c, m.seq, 'unacceptable')
      return
    }
    if (this.state.kind === 'paired') {
      // Its proposal crossed our withdrawal, or it is new to us: one last word.
      this.withdrawTaken(c, this.state.peer, this.state.welfare)
      return
    }
    c.theirProposal = { seq: m.seq, terms: m.terms }
    if (this.state.kind !== 'free') return
    const out = this.outstanding
    // Crossing proposals: both want each other now.
    if (out?.peer === m.from) {
      this.acceptProposal(c, c.theirProposal)
      return
    }
    // A better partner than the one we wait on wants us: the heavier edge wins (Hoepman).
    const waitingOn = out === null ? undefined : this.cands.get(out.peer)
    if (out !== null && waitingOn !== undefined && byWelfare(c, waitingOn) < 0 && this.phase() === 1) {
      this.outstanding = null
      this.giveUp(out.peer)
      this.acceptProposal(c, c.theirProposal)
      return
    }
    this.advance()
  }

  private acceptProposal(c: Cand, p: { seq: number; terms: PairTerms }): void {
    const acceptSeq = this.send({ kind: 'accept', to: c.peer, phase: 1, ref: p.seq, terms: p.terms })
    this.state = {
      kind: 'committing',
      peer: c.peer,
      acceptSeq,
      terms: p.terms,
      welfare: c.welfare,
      sinceRound: this.round,
    }
  }

  private onAccept(from: string, ref: number, seq: number): void {
    const c = this.cands.get(from)
    if (c === undefined || !c.open) {
      this.drop('unknown-peer')
      return
    }
    const out = this.outstanding
    const st = this.state
    if (st.kind === 'free' && out?.peer === from && out.seq === ref) {
      // It accepted my proposal: confirm.
      this.send({ kind: 'accept', to: from, phase: 1, ref: seq, terms: out.terms })
      this.pairWith(c, out.terms)
      return
    }
    if (st.kind === 'committing' && st.peer === from && (ref === st.acceptSeq || out?.seq === ref)) {
      // Its confirmation, or its accept crossing mine: the smaller id's proposal sets the terms.
      const terms = out?.seq === ref && out !== null && this.id < from ? out.terms : st.terms
      this.pairWith(c, terms)
      return
    }
    this.reject(c, ref, 'stale')
  }

  private pairWith(c: Cand, terms: PairTerms): void {
    this.outstanding = null
    this.state = { kind: 'paired', peer: c.peer, terms, welfare: c.welfare }
    c.theirProposal = undefined
    for (const other of this.order) if (other !== c) this.withdrawTaken(other, c.peer, c.welfare)
  }

  /**
   * Tells a candidate we paired (once): it drops us, and in phase 2 knows
   * whom we paired with, even if one of us had given up on the other before.
   */
  private withdrawTaken(c: Cand, partner: string, welfare: number): void {
    c.open = false
    c.theirProposal = undefined
    if (c.toldTaken || c.failed) return
    c.told = true
    c.toldTaken = true
    this.withdraw(c.peer, 'taken', partner, welfare)
  }

  /** Gives up on a candidate in phase 1 (expired proposal or accept): withdraw, once. */
  private giveUp(peer: string): void {
    const c = this.cands.get(peer)
    if (c === undefined) return
    c.open = false
    c.theirProposal = undefined
    if (c.told) return
    c.told = true
    this.withdraw(peer, 'expired')
  }

  private onReject(from: string, ref: number): void {
    const out = this.outstanding
    if (out?.peer === from && out.seq === ref) {
      this.outstanding = null
      this.markFailed(from)
      this.advance()
      return
    }
    const st = this.state
    if (st.kind === 'committing' && st.peer === from && st.acceptSeq === ref) {
      this.state = { kind: 'free' }
      this.markFailed(from)
      this.advance()
      return
    }
    this.drop('unexpected')
  }

  private onWithdraw(from: string, reason: WithdrawReason, partner?: string, pairWelfare?: number): void {
    const c = this.cands.get(from)
    if (this.outstanding?.peer === from) this.outstanding = null
    if (this.state.kind !== 'free' && this.state.peer === from && reason !== 'single') {
      const wasPaired = this.state.kind === 'paired' && this.phase() === 2
      this.state = { kind: 'free' }
      if (wasPaired) this.statusChanged([from])
    }
    if (this.reservation?.proposer === from) this.reservation = null
    if (c === undefined) {
      // Kept for when it becomes a candidate (it may list us, and propose later).
      if (reason === 'taken' && partner !== undefined) {
        this.strangers.set(from, { partner, welfare: pairWelfare ?? 0 })
      } else if (reason === 'single') this.strangers.delete(from)
      // A phase-2 status notice from an agent that lists us: a candidate, if we accept it.
      if (this.phase() !== 2 || (reason !== 'taken' && reason !== 'single')) return
      if (this.extras >= this.params.extraCandidates) return
      const found = this.evaluator.evaluate(from)
      if (found === null) return
      this.extras++
      this.introduce(this.addCand(from, found.welfareMicros, found.terms, false))
      return
    }
    c.theirProposal = undefined
    c.open = false
    // It has given up on us in phase 1: nothing more to tell it there.
    c.told = true
    if (reason === 'taken' && partner !== undefined) {
      c.takenBy = partner
      c.takenWelfare = pairWelfare ?? 0
      c.skipUntilCycle = undefined
    } else if (reason === 'single') {
      c.takenBy = undefined
      c.takenWelfare = undefined
      c.skipUntilCycle = undefined
    } else if (reason === 'leaving') {
      // Left: not planned with again. (Expired: it may still be single; a move called off says
      // nothing about the next one.)
      c.failed = true
    }
    this.advance()
  }

  // ---------------------------------------------------------------- phase 2

  private tickImprovement(k: number): void {
    const cycle = Math.floor(k / ROUNDS_PER_CYCLE)
    const step = k % ROUNDS_PER_CYCLE
    if (k === 0) this.endPairing()
    if (step === 0) this.startCycle(cycle)
    else if (step === 1) this.answerOffers(cycle)
    else this.report(cycle)
  }

  /** Phase 1 is over: what is still pending is withdrawn. */
  private endPairing(): void {
    if (this.outstanding !== null) {
      this.giveUp(this.outstanding.peer)
      this.outstanding = null
    }
    if (this.state.kind === 'committing') {
      this.giveUp(this.state.peer)
      this.state = { kind: 'free' }
    }
    // Candidates that never heard from us do not know we list them, and those we did not tell of
    // our pair think us single: tell them how we stand, so that they can plan with us and we with
    // them (and know to tell them when that changes). Once per candidate, in place of the phase-1
    // "taken" notice it did not get.
    const st = this.state
    for (const c of this.order) {
      c.toldVersion = 0
      if (c.heard && (st.kind === 'free' || c.toldTaken)) continue
      if (st.kind === 'paired') {
        if (c.peer === st.peer) continue
        c.toldTaken = true
        this.withdraw(c.peer, 'taken', st.peer, st.welfare)
      } else this.withdraw(c.peer, 'single')
    }
  }

  private startCycle(cycle: number): void {
    // Whatever the last cycle left open is off.
    const open = [
      { target: this.plan?.mine ?? null, accepted: this.plan?.accepted },
      { target: this.assignment?.target ?? null, accepted: this.assignment?.accepted },
      ...(this.solo?.offers ?? []),
    ]
    for (const o of open) {
      if (o.target === null) continue
      if (o.accepted !== undefined) this.withdraw(o.target.peer, 'cancel')
      else this.markUnanswered(o.target.peer)
    }
    this.plan = null
    this.assignment = null
    this.solo = null
    this.reservation = null
    this.offers = []
    const st = this.state
    if (st.kind === 'paired' && !this.isLeader(st.peer)) {
      this.sendPair(st.peer, { step: 'view', candidates: this.view(st.peer) })
    }
    if (this.releasedCycle !== null && this.releasedCycle < cycle) this.tellStatus([])
    if (st.kind === 'free' && proposesIn(this.id, cycle)) this.proposeSolo(cycle)
  }

  /**
   * A single proposes to the candidates it gains most with: singles that
   * receive in this cycle (roles drawn per cycle from a hash of the id, so
   * two singles never wait on each other), and paired candidates whose pair
   * it outweighs (gain w(me, c) - w(c, d): c leaves d for me, the short
   * augmenting move seen from the single's side). Phase 1 may have left such
   * pairs apart (partners released by phase-2 moves, proposals that timed
   * out), and a paired agent may have given up on the single.
   */
  private proposeSolo(cycle: number): void {
    const threshold = (w: number): number => this.params.minMoveGainFraction * Math.abs(w)
    const scored: { target: CandidateView; gain: number }[] = []
    for (const v of this.view('')) {
      if (v.takenBy === undefined) {
        if (!proposesIn(v.peer, cycle)) scored.push({ target: v, gain: v.welfareMicros })
        continue
      }
      const gain = v.welfareMicros - (v.takenWelfareMicros ?? 0)
      if (gain > threshold(v.takenWelfareMicros ?? 0)) scored.push({ target: v, gain })
    }
    scored.sort((x, y) => y.gain - x.gain || (x.target.peer < y.target.peer ? -1 : 1))
    const targets = scored.slice(0, SOLO_PROPOSALS)
    if (targets.length === 0) return
    this.busyCycle = cycle
    const offers: SoloOffer[] = targets.map(({ target, gain }) => ({
      target,
      proposalSeq: this.send({
        kind: 'propose',
        to: target.peer,
        phase: 2,
        terms: target.terms,
        welfareMicros: target.welfareMicros,
        move: {
          id: `${this.id}:${this.seq + 1}`,
          gainMicros: gain,
          replaces: target.takenBy ?? null,
          notifyReplaced: target.takenBy !== undefined,
        },
      }),
    }))
    this.solo = { cycle, offers }
  }

  private isLeader(partner: string): boolean {
    return this.id < partner
  }

  /** What this agent knows of its candidates, for its partner's planning. */
  private view(exclude: string): CandidateView[] {
    const out: CandidateView[] = []
    for (const c of this.order) {
      if (c.peer === exclude || c.failed || (c.skipUntilCycle ?? -1) >= this.cycleOf().cycle) continue
      const v: CandidateView = { peer: c.peer, welfareMicros: c.welfare, terms: c.terms }
      if (c.takenBy !== undefined) {
        v.takenBy = c.takenBy
        v.takenWelfareMicros = c.takenWelfare ?? 0
      }
      out.push(v)
    }
    return out
  }

  private cycleOf(): { cycle: number; step: number } {
    const k = this.round - this.params.pairingRounds - 1
    return { cycle: Math.floor(k / ROUNDS_PER_CYCLE), step: k % ROUNDS_PER_CYCLE }
  }

  private receiveImprovement(m: MatchMessage): void {
    switch (m.kind) {
      case 'pair':
        this.onPair(m)
        return
      case 'propose':
        this.onOffer(m)
        return
      case 'accept':
        this.onMoveAccept(m.from, m.ref, m.seq)
        return
      case 'withdraw':
        this.onWithdraw(m.from, m.reason, m.partner, m.pairWelfareMicros)
        return
      case 'reject':
        this.drop('unexpected')
        return
    }
  }

  private onPair(m: PairMessage): void {
    const st = this.state
    if (st.kind !== 'paired' || st.peer !== m.from) {
      this.drop('unexpected')
      return
    }
    const { cycle, step } = this.cycleOf()
    switch (m.step) {
      case 'view':
        if (!this.isLeader(m.from) || step !== 0) {
          this.drop('unexpected')
          return
        }
        this.planMove(cycle, st, m.candidates)
        return
      case 'plan':
        if (this.isLeader(m.from) || step !== 0 || this.reservation !== null) {
          this.drop('unexpected')
          return
        }
        this.followPlan(cycle, m.moveId, m.target, m.move)
        return
      case 'report':
        this.onReport(m.moveId, m.accepted)
        return
      case 'commit':
      case 'cancel':
        this.onDecision(m.step, m.moveId)
        return
    }
  }

  /**
   * The leader's choice of its pair's best move, from both members' views.
   * One member (P) takes a candidate c of its own; the other (Q) takes a
   * single of its own, or c's partner d (an exchange), or ends single:
   *   c single:            augment  w(P,c) + w(Q,y) - w(a,b)     or  w(P,c) - w(a,b)
   *   c paired with d:     exchange w(P,c) + w(Q,d) - w(a,b) - w(c,d)
   *                        steal    w(P,c) + w(Q,y) - w(a,b) - w(c,d)  or without y (d ends single)
   */
  private planMove(
    cycle: number,
    st: { peer: string; welfare: number },
    theirs: readonly CandidateView[],
  ): void {
    const mine = this.view(st.peer)
    const threshold = this.params.minMoveGainFraction * Math.abs(st.welfare)
    let best: Move | null = null
    const consider = (m: Move): void => {
      if (m.gain <= threshold) return
      if (best === null || m.gain > best.gain) best = m
    }
    const sides: [readonly CandidateView[], readonly CandidateView[], boolean][] = [
      [mine, theirs, true],
      [theirs, mine, false],
    ]
    for (const [pView, qView, pIsMe] of sides) {
      // Q's options by what taking them adds: a single's pair welfare, or a paired one's pair
      // welfare less the pair it leaves (the augmenting path then goes on through its partner).
      const qOptions = qView
        .filter(
          (v) => v.peer !== this.id && v.peer !== st.peer && v.takenBy !== this.id && v.takenBy !== st.peer,
        )
        .map((v) => ({
          v,
          net: v.welfareMicros - (v.takenBy === undefined ? 0 : (v.takenWelfareMicros ?? 0)),
        }))
        .filter((o) => o.net > 0)
        .sort((x, y) => y.net - x.net)
      const qByPeer = new Map(qView.map((v) => [v.peer, v]))
      const bestSingle = (not: string[]): { v: CandidateView; net: number } | null =>
        qOptions.find(
          (o) => !not.includes(o.v.peer) && (o.v.takenBy === undefined || !not.includes(o.v.takenBy)),
        ) ?? null
      const move = (gain: number, p: CandidateView, q: CandidateView | null): Move =>
        pIsMe ? { gain, mine: p, theirs: q } : { gain, mine: q, theirs: p }
      for (const c of pView) {
        if (c.peer === this.id || c.peer === st.peer) continue
        const d = c.takenBy
        const lost = st.welfare + (d === undefined ? 0 : (c.takenWelfareMicros ?? 0))
        if (d === this.id || d === st.peer) continue
        const y = bestSingle(d === undefined ? [c.peer] : [c.peer, d])
        if (y !== null) consider(move(c.welfareMicros + y.net - lost, c, y.v))
        consider(move(c.welfareMicros - lost, c, null))
        const dv = d === undefined ? undefined : qByPeer.get(d)
        if (dv !== undefined) consider(move(c.welfareMicros + dv.welfareMicros - lost, c, dv))
      }
    }
    const chosen = best as Move | null
    if (chosen === null) return
    const moveId = `${this.id}:${this.seq + 1}`
    // A target releases its partner itself unless that partner is the move's other target.
    const ref = (target: CandidateView | null, other: CandidateView | null): MoveRef | null =>
      target === null
        ? null
        : {
            id: moveId,
            gainMicros: chosen.gain,
            replaces: target.takenBy ?? null,
            notifyReplaced: target.takenBy !== undefined && target.takenBy !== other?.peer,
          }
    this.busyCycle = cycle
    let proposalSeq = 0
    const myRef = ref(chosen.mine, chosen.theirs)
    if (chosen.mine !== null && myRef !== null) {
      proposalSeq = this.send({
        kind: 'propose',
        to: chosen.mine.peer,
        phase: 2,
        terms: chosen.mine.terms,
        welfareMicros: chosen.mine.welfareMicros,
        move: myRef,
      })
    }
    this.plan = {
      cycle,
      moveId,
      mine: chosen.mine,
      theirs: chosen.theirs,
      pairWelfare: st.welfare,
      threshold,
      proposalSeq,
      gain: chosen.gain,
    }
    this.sendPair(st.peer, {
      step: 'plan',
      moveId,
      target: chosen.theirs,
      move: ref(chosen.theirs, chosen.mine),
    })
  }

  private followPlan(
    cycle: number,
    moveId: string,
    target: CandidateView | null,
    move: MoveRef | null,
  ): void {
    this.busyCycle = cycle
    let proposalSeq = 0
    if (target !== null && move !== null) {
      proposalSeq = this.send({
        kind: 'propose',
        to: target.peer,
        phase: 2,
        terms: target.terms,
        welfareMicros: target.welfareMicros,
        move,
      })
    }
    this.assignment = {
      cycle,
      moveId,
      target,
      gain: move?.gainMicros ?? Number.POSITIVE_INFINITY,
      proposalSeq,
    }
  }

  /** A conditional proposal: kept for the answer round if this agent could take it. */
  private onOffer(m: ProposeMessage): void {
    if (m.move === undefined) {
      this.drop('unexpected')
      return
    }
    let c = this.cands.get(m.from)
    if (c === undefined) {
      const found = this.extras < this.params.extraCandidates ? this.evaluator.evaluate(m.from) : null
      if (found === null) {
        this.drop('unknown-peer')
        return
      }
      this.extras++
      c = this.addCand(m.from, found.welfareMicros, found.terms, false)
      this.introduce(c)
    }
    if (!this.evaluator.accepts(m.from, m.terms)) {
      this.drop('unexpected')
      return
    }
    this.offers.push({ from: m.from, seq: m.seq, move: m.move, terms: m.terms, welfare: c.welfare })
  }

  private answerOffers(cycle: number): void {
    const offers = this.offers
    this.offers = []
    if (this.reservation !== null) return
    const st = this.state
    // A member of a pair planning its own move leaves that move only for an offer that gains more
    // (the heavier move wins, as the heavier edge does in phase 1); a single proposing does not.
    const busy = this.busyCycle === cycle
    let ownGain = Number.NEGATIVE_INFINITY
    if (busy) {
      ownGain =
        st.kind !== 'paired'
          ? Number.POSITIVE_INFINITY
          : this.plan?.cycle === cycle
            ? this.plan.gain
            : this.assignment?.cycle === cycle
              ? this.assignment.gain
              : Number.POSITIVE_INFINITY
    }
    const scored = offers.map((o) => ({ o, gain: this.offerGain(o) }))
    if (!busy) {
      // Offers built on a wrong view of us: tell the best few proposers how we stand.
      let corrections = 0
      for (const { o } of scored
        .filter((x) => x.gain === null)
        .sort((x, y) => y.o.move.gainMicros - x.o.move.gainMicros)) {
        if (corrections >= CORRECTIONS_PER_CYCLE) break
        corrections++
        if (st.kind === 'paired') this.withdraw(o.from, 'taken', st.peer, st.welfare)
        else this.withdraw(o.from, 'single')
      }
    }
    let best: { o: Offer; gain: number } | null = null
    for (const x of scored) {
      if (x.gain === null || x.gain <= ownGain) continue
      if (best === null || x.gain > best.gain || (x.gain === best.gain && x.o.from < best.o.from)) {
        best = { o: x.o, gain: x.gain }
      }
    }
    if (best === null) return
    const o = best.o
    const acceptSeq = this.send({ kind: 'accept', to: o.from, phase: 2, ref: o.seq, terms: o.terms })
    this.reservation = {
      cycle,
      proposer: o.from,
      acceptSeq,
      move: o.move,
      terms: o.terms,
      welfare: o.welfare,
    }
  }

  /**
   * What an offer gains as this agent stands, or null if it cannot take it.
   * The proposer counted losing our pair with `replaces`; an offer still
   * holds when we are single, or paired with another partner of no more
   * welfare (the move then gains at least what the proposer counted, so its
   * leader's decision stays safe). An exchange (our partner is the move's
   * other target, notifyReplaced false) needs our partner to be exactly that.
   */
  private offerGain(o: Offer): number | null {
    const st = this.state
    const m = o.move
    if (m.replaces === null) return st.kind === 'free' ? m.gainMicros : null
    if (st.kind === 'paired' && st.peer === m.replaces) return m.gainMicros
    if (!m.notifyReplaced) return null
    const counted = this.cands.get(m.replaces)?.welfare
    if (st.kind === 'free') return m.gainMicros + (counted ?? 0)
    if (st.kind !== 'paired' || counted === undefined || st.welfare > counted) return null
    return m.gainMicros + counted - st.welfare
  }

  private onMoveAccept(from: string, ref: number, seq: number): void {
    const plan = this.plan
    if (plan !== null && plan.mine?.peer === from && plan.proposalSeq === ref) {
      plan.accepted = seq
      return
    }
    const a = this.assignment
    if (a !== null && a.target?.peer === from && a.proposalSeq === ref) {
      a.accepted = seq
      return
    }
    const offer = this.solo?.offers.find((o) => o.target.peer === from && o.proposalSeq === ref)
    if (offer !== undefined) {
      offer.accepted = seq
      return
    }
    const r = this.reservation
    if (r !== null && r.proposer === from && r.acceptSeq === ref) {
      // The move is confirmed: the proposer is my partner now. An exchange's old partner moves too;
      // otherwise I tell it myself that it is single now.
      this.reservation = null
      const st = this.state
      if (st.kind === 'paired' && (r.move.notifyReplaced || st.peer !== r.move.replaces)) {
        this.withdraw(st.peer, 'taken', from, r.welfare)
      }
      this.state = { kind: 'paired', peer: from, terms: r.terms, welfare: r.welfare }
      this.statusChanged([st.kind === 'paired' ? st.peer : from])
      return
    }
    this.drop('unexpected')
  }

  private report(cycle: number): void {
    const solo = this.solo
    if (solo !== null && solo.cycle === cycle && this.state.kind === 'free') {
      this.solo = null
      // The best target that accepted is confirmed; another that accepted holds a reservation
      // that lapses at the next cycle, unconfirmed (no message needed).
      const chosen = solo.offers.find((o) => o.accepted !== undefined)
      for (const o of solo.offers) if (o.accepted === undefined) this.markUnanswered(o.target.peer)
      if (chosen?.accepted !== undefined) {
        this.send({
          kind: 'accept',
          to: chosen.target.peer,
          phase: 2,
          ref: chosen.accepted,
          terms: chosen.target.terms,
        })
        this.switchPartner('', null, chosen.target)
      }
      return
    }
    const a = this.assignment
    const st = this.state
    if (a === null || a.cycle !== cycle || st.kind !== 'paired') return
    this.sendPair(st.peer, {
      step: 'report',
      moveId: a.moveId,
      accepted: !this.leftMove(cycle) && (a.target === null || a.accepted !== undefined),
    })
  }

  /**
   * The leader's decision once both answers are in: the whole move; or, when
   * one target declined, the half that still gains (its member takes its
   * target, the other ends single), unless the move was an exchange.
   */
  private onReport(moveId: string, theirsAccepted: boolean): void {
    const plan = this.plan
    const st = this.state
    if (plan === null || plan.moveId !== moveId || st.kind !== 'paired') {
      this.drop('unexpected')
      return
    }
    this.plan = null
    // Having taken a better offer, I keep out of my own move: at most my partner's half goes on.
    const mineAccepted = !this.leftMove(plan.cycle) && (plan.mine === null || plan.accepted !== undefined)
    const exchange = plan.mine !== null && plan.theirs !== null && plan.mine.takenBy === plan.theirs.peer
    const alone = (v: CandidateView | null): number =>
      v === null
        ? -Infinity
        : v.welfareMicros - plan.pairWelfare - (v.takenBy === undefined ? 0 : (v.takenWelfareMicros ?? 0))
    let keepMine = mineAccepted && theirsAccepted
    let keepTheirs = keepMine
    if (!keepMine && !exchange) {
      if (mineAccepted && plan.mine !== null && alone(plan.mine) > plan.threshold) keepMine = true
      else if (theirsAccepted && plan.theirs !== null && alone(plan.theirs) > plan.threshold)
        keepTheirs = true
    }
    if (keepMine || keepTheirs) {
      this.sendPair(st.peer, { step: 'commit', moveId })
      if (keepMine && plan.mine !== null && plan.accepted !== undefined) {
        this.send({
          kind: 'accept',
          to: plan.mine.peer,
          phase: 2,
          ref: plan.accepted,
          terms: plan.mine.terms,
        })
        this.switchPartner(st.peer, keepTheirs ? plan.theirs : null, plan.mine)
        return
      }
      if (plan.mine !== null && plan.accepted !== undefined) this.withdraw(plan.mine.peer, 'cancel')
      this.switchPartner(st.peer, keepTheirs ? plan.theirs : null, null)
      return
    }
    this.sendPair(st.peer, { step: 'cancel', moveId })
    if (plan.mine === null) return
    if (plan.accepted !== undefined) this.withdraw(plan.mine.peer, 'cancel')
    else this.markUnanswered(plan.mine.peer)
  }

  /**
   * The non-leader's side of the decision: on commit, take my target if it
   * accepted, else end single (the leader kept only its half); on cancel,
   * release my target.
   */
  private onDecision(step: 'commit' | 'cancel', moveId: string): void {
    const a = this.assignment
    const st = this.state
    if (a === null || a.moveId !== moveId || st.kind !== 'paired') {
      this.drop('unexpected')
      return
    }
    this.assignment = null
    if (step === 'commit') {
      if (this.leftMove(a.cycle)) {
        // The leader kept its half; I end single here and hold the better offer I took.
        if (a.target !== null && a.accepted !== undefined) this.withdraw(a.target.peer, 'cancel')
        this.switchPartner(st.peer, null, null)
        return
      }
      if (a.target !== null && a.accepted !== undefined) {
        this.send({ kind: 'accept', to: a.target.peer, phase: 2, ref: a.accepted, terms: a.target.terms })
        this.switchPartner(st.peer, null, a.target)
        return
      }
      if (a.target !== null) this.markUnanswered(a.target.peer)
      this.switchPartner(st.peer, null, null)
      return
    }
    if (a.target === null) return
    if (a.accepted !== undefined) this.withdraw(a.target.peer, 'cancel')
    else this.markUnanswered(a.target.peer)
  }

  /** Whether this agent took another move's offer in `cycle`, leaving its own pair's move. */
  private leftMove(cycle: number): boolean {
    return this.reservation !== null && this.reservation.cycle === cycle
  }

  /** After a committed move: `to` is the partner; the old partner is known paired elsewhere. */
  private switchPartner(
    oldPartner: string,
    oldPartnersTarget: CandidateView | null,
    to: CandidateView | null,
  ): void {
    const old = this.cands.get(oldPartner)
    if (old !== undefined) {
      old.takenBy = oldPartnersTarget?.peer
      old.takenWelfare = oldPartnersTarget?.welfareMicros
    }
    if (to === null) {
      this.state = { kind: 'free' }
    } else {
      const c = this.cands.get(to.peer)
      if (c !== undefined) c.takenBy = undefined
      this.state = { kind: 'paired', peer: to.peer, terms: to.terms, welfare: to.welfareMicros }
    }
    this.statusChanged([oldPartner])
  }

  /**
   * A phase-2 move changed whom this agent is with: its best candidates'
   * views of it are stale, and a stale view plans moves that cannot go
   * through (or misses those that could). It tells up to STATUS_NOTICES of
   * them per cycle, best first, at once (the next cycle plans on it), with
   * a "taken" (partner, pair welfare) or "single" notice; what the budget
   * leaves untold is told at the next cycle. Never told: the partners of
   * this change and those of moves still open with us (a notice ends what
   * the receiver holds with the sender).
   */
  private statusChanged(exclude: readonly string[]): void {
    this.statusVersion++
    this.tellStatus(exclude)
  }

  /** Tells the candidates told an older status the current one, within the cycle's budget. */
  private tellStatus(exclude: readonly string[]): void {
    const { cycle } = this.cycleOf()
    if (this.notices.cycle !== cycle) this.notices = { cycle, left: STATUS_NOTICES }
    const st = this.state
    const skip = new Set(exclude)
    if (st.kind !== 'free') skip.add(st.peer)
    if (this.reservation !== null) skip.add(this.reservation.proposer)
    for (const t of [this.plan?.mine, this.plan?.theirs, this.assignment?.target]) if (t) skip.add(t.peer)
    for (const o of this.solo?.offers ?? []) skip.add(o.target.peer)
    let pending = false
    for (const c of this.order) {
      if ((c.toldVersion ?? 0) >= this.statusVersion || skip.has(c.peer)) continue
      if (this.notices.left <= 0) {
        pending = true
        break
      }
      if (st.kind === 'paired') this.withdraw(c.peer, 'taken', st.peer, st.welfare)
      else this.withdraw(c.peer, 'single')
      c.toldVersion = this.statusVersion
      this.notices.left--
    }
    this.releasedCycle = pending ? cycle : null
  }

  /**
   * A phase-2 candidate new to us lists us and takes us for single: if we
   * are not, it is told so (once: in place of its phase-1 "taken" notice),
   * and from then on of every change.
   */
  private introduce(c: Cand): void {
    c.toldVersion = this.statusVersion
    const st = this.state
    if (st.kind !== 'paired' || st.peer === c.peer) return
    c.toldTaken = true
    this.withdraw(c.peer, 'taken', st.peer, st.welfare)
  }

  // ---------------------------------------------------------------- helpers

  private addCand(peer: string, welfare: number, terms: PairTerms, listed: boolean): Cand {
    const c: Cand = { peer, welfare, terms, listed, open: true, told: false, toldTaken: false, failed: false }
    const known = this.strangers.get(peer)
    if (known !== undefined) {
      c.takenBy = known.partner
      c.takenWelfare = known.welfare
      this.strangers.delete(peer)
    }
    this.cands.set(peer, c)
    this.order.push(c)
    this.order.sort(byWelfare)
    return c
  }

  /**
   * A phase-2 target did not take our offer: it took a better one, or is no
   * longer what our view says. Skipped for 1, 2, 4, then MAX_SKIP_CYCLES
   * cycles, then tried again: the better move may have been called off, or
   * have gone through and changed what this one gains. Never given up for
   * good (that left the 10,000-VM market stuck with 2 % of its welfare in
   * single moves no one would try), and a status notice from it ends the
   * skip at once.
   */
  private markUnanswered(peer: string): void {
    const c = this.cands.get(peer)
    if (c === undefined) return
    const misses = (c.misses ?? 0) + 1
    c.misses = misses
    c.skipUntilCycle = this.cycleOf().cycle + Math.min(MAX_SKIP_CYCLES, 2 ** (misses - 1))
  }

  /** It refused us or failed a move: not proposed to, accepted or planned with again. */
  private markFailed(peer: string): void {
    const c = this.cands.get(peer)
    if (c !== undefined) {
      c.open = false
      c.failed = true
      c.theirProposal = undefined
    }
  }

  /** A phase-1 refusal (once per candidate). */
  private reject(c: Cand, ref: number, reason: RejectReason): void {
    const told = c.told
    this.markFailed(c.peer)
    c.told = true
    if (!told) this.send({ kind: 'reject', to: c.peer, phase: 1, ref, reason })
  }

  private withdraw(peer: string, reason: WithdrawReason, partner?: string, pairWelfareMicros?: number): void {
    const m: { kind: 'withdraw'; to: string; phase: MatchPhase; reason: WithdrawReason } & {
      partner?: string
      pairWelfareMicros?: number
    } = { kind: 'withdraw', to: peer, phase: this.phase(), reason }
    if (partner !== undefined) m.partner = partner
    if (pairWelfareMicros !== undefined) m.pairWelfareMicros = pairWelfareMicros
    this.send(m)
  }

  private sendPair(peer: string, step: PairStep): void {
    this.send({ kind: 'pair', to: peer, phase: 2, ...step } as DistributiveOmit<
      MatchMessage,
      'from' | 'round' | 'seq'
    >)
  }

  private send(m: DistributiveOmit<MatchMessage, 'from' | 'round' | 'seq'>): number {
    const seq = ++this.seq
    this.sentCounts[m.kind]++
    const c = this.cands.get(m.to)
    if (c !== undefined) c.heard = true
    this.transport.send({ ...m, from: this.id, round: this.round, seq } as MatchMessage)
    return seq
  }

  private drop(reason: DropReason): void {
    this.droppedCounts[reason]++
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Whether a single proposes (rather than receives) in a phase-2 cycle: half of them, anew each cycle. */
export function proposesIn(id: string, cycle: number): boolean {
  let h = 2166136261
  const s = `${id}/${cycle}`
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0
  return (h & 1) === 1
}
