/**
 * The market core's typed errors. Each cause has its own code; callers decide
 * on the code, never on the message.
 */
import { VBoomError } from '../../protocols/errors.js'

export type MarketErrorCode =
  /** A policy or model field is outside its documented range. */
  | 'BAD_POLICY'
  /** A profile sample is not a finite number or goes back in time. */
  | 'BAD_SAMPLE'
  /** A matching agent was driven in a way its state machine forbids (a caller bug). */
  | 'BAD_DRIVE'

export class MarketError extends VBoomError {
  declare readonly code: MarketErrorCode

  constructor(code: MarketErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'MarketError'
  }
}
