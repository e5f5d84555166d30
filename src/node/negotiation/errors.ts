/**
 * Typed errors of the agent's negotiation service: one code per cause.
 */
import { VBoomError } from '../../protocols/errors.js'

export const NegotiationServiceErrorCode = {
  /** The agent has not published its own advert: there is nothing to bind a message to. */
  NO_ADVERT: 'NO_ADVERT',
  /** The partner's advert is not (or no longer) in the market view. */
  NO_PARTNER_ADVERT: 'NO_PARTNER_ADVERT',
  /** A message signed by one agent came over another peer's connection. */
  WRONG_SENDER: 'WRONG_SENDER',
  /** The partner answered with a kind that does not follow what was sent. */
  UNEXPECTED_ANSWER: 'UNEXPECTED_ANSWER',
  /** The partner's agreement terms differ from what this side offered or signed. */
  TERMS_CHANGED: 'TERMS_CHANGED',
  /** The partner's delegation is revoked in the anchor's ledger: its owner withdrew the agent's authority. */
  REVOKED_DELEGATION: 'REVOKED_DELEGATION',
  /** The delegation file is missing or unreadable. */
  NO_DELEGATION: 'NO_DELEGATION',
} as const
export type NegotiationServiceErrorCode =
  (typeof NegotiationServiceErrorCode)[keyof typeof NegotiationServiceErrorCode]

export class NegotiationServiceError extends VBoomError {
  constructor(code: NegotiationServiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'NegotiationServiceError'
  }
}
