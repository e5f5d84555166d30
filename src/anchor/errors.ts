/**
 * Typed errors of the anchor. Each class has a stable `name` and each throw a
 * `code` naming the rule that failed; tests and metrics key on those, never on
 * the message.
 */
import { UsageError, ValidationError, VBoomError } from '../protocols/errors.js'

/** An action offered to the ledger breaks a rule; nothing was written. */
export class LedgerActionError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'LedgerActionError'
  }
}

/** Stored ledger data is not what the anchor wrote (edited, truncated in the middle, undecodable). */
export class LedgerCorruptError extends VBoomError {
  /** Sequence number of the first bad entry. */
  readonly seq: bigint

  constructor(code: string, seq: bigint, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'LedgerCorruptError'
    this.seq = seq
  }
}

/** The ledger is closed, or its data dir is locked by another process. */
export class LedgerUnavailableError extends UsageError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'LedgerUnavailableError'
  }
}

/** The anchor's key file is missing, malformed or readable by others. */
export class AnchorKeyError extends UsageError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'AnchorKeyError'
  }
}

/** A control request on a location was refused. */
export class ControlAuthError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'ControlAuthError'
  }
}

/** A benchmark submitted for signing breaks a rule of the registry. */
export class BenchmarkRegistryError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'BenchmarkRegistryError'
  }
}

/**
 * A verification was refused or failed: the request is not a verification, the
 * location or VM does not match the ledger, the host cannot be reached or is
 * busy, or the verification image gave no usable answer.
 */
export class VerificationError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'VerificationError'
  }
}

/** A ledger query names something the ledger does not hold, or is malformed; the message says what to do. */
export class LedgerQueryError extends UsageError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'LedgerQueryError'
  }
}
