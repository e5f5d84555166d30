/**
 * Typed errors for everything that crosses a process boundary.
 *
 * Every error has a stable `name` (tests assert on it) and a `code` naming the
 * rule that failed; metrics count rejections by that code. Validation errors
 * also carry the gossip action: REJECT penalises the sending peer (the message
 * is invalid for everyone), IGNORE drops it quietly (it may be valid but is of
 * no use to us, e.g. a duplicate or a message from a slightly skewed clock).
 */

export type ValidationAction = 'IGNORE' | 'REJECT'

export class VBoomError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'VBoomError'
    this.code = code
  }
}

/** A message from the network failed a validation rule. */
export class ValidationError extends VBoomError {
  readonly action: ValidationAction

  constructor(action: ValidationAction, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'ValidationError'
    this.action = action
  }
}

/** A user-facing problem: bad flags, unreadable config, locked data dir. */
export class UsageError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'UsageError'
  }
}

/** Shorthands used by the validators so each rule reads as one line. */
export const reject = (code: string, message: string): never => {
  throw new ValidationError('REJECT', code, message)
}
export const ignore = (code: string, message: string): never => {
  throw new ValidationError('IGNORE', code, message)
}
