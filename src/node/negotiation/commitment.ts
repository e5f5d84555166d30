/**
 * The one commitment an agent holds at a time: while it negotiates with a
 * partner (until the negotiation's deadline) or holds an agreement (until the
 * agreement's expiry, or its swap), it takes no other offer and makes none.
 * A partner that falls silent frees the agent at the deadline: the slot is
 * checked against the clock on every use, so no timer has to fire.
 */

export interface Held {
  /** The partner's peer id. */
  peer: string
  phase: 'negotiating' | 'agreed'
  /** Unix ms at which the slot frees itself. */
  untilMs: number
  /** Set once agreed. */
  swapId?: string
}

export class Commitment {
  private held: Held | null = null

  constructor(
    private readonly now: () => number,
    /** Told when a commitment lapses unanswered: the partner abandoned the negotiation. */
    private readonly onLapse: (h: Held) => void = () => {},
  ) {}

  /** The commitment in force, if any (a lapsed one is released here). */
  current(): Held | null {
    const h = this.held
    if (h !== null && h.untilMs <= this.now()) {
      this.held = null
      if (h.phase === 'negotiating') this.onLapse(h)
      return null
    }
    return h
  }

  /** Takes the slot to negotiate with `peer` until `untilMs`; false when another commitment holds it. */
  take(peer: string, untilMs: number): boolean {
    const h = this.current()
    if (h !== null) return false
    this.held = { peer, phase: 'negotiating', untilMs }
    return true
  }

  /** Whether the slot is held in negotiation with `peer`. */
  negotiatingWith(peer: string): boolean {
    const h = this.current()
    return h !== null && h.phase === 'negotiating' && h.peer === peer
  }

  /** The negotiation with `peer` ended in agreement `swapId`, held until `untilMs`. */
  agree(peer: string, swapId: string, untilMs: number): void {
    this.held = { peer, phase: 'agreed', untilMs, swapId }
  }

  /** Frees the slot held by agreement `swapId` (its swap was resolved without this side). */
  releaseAgreement(swapId: string): void {
    if (this.held?.phase === 'agreed' && this.held.swapId === swapId) this.held = null
  }

  /** Ends the negotiation with `peer` (no agreement); an agreement is kept. */
  release(peer: string): void {
    if (this.held?.peer === peer && this.held.phase === 'negotiating') this.held = null
  }
}
