/**
 * Typed errors of the benchmark sandbox. Stable `name`s; `code` says which rule.
 */
import { VBoomError } from '../../protocols/errors.js'

/**
 * The module was not run: unsigned, altered, or it asks for more than it was
 * granted (imports, memory, time). Codes: BAD_SIGNATURE, HASH_MISMATCH,
 * MALFORMED_MANIFEST, TOO_LARGE, INVALID_MODULE, IMPORT_NOT_GRANTED,
 * UNKNOWN_HOST_FUNCTION, MEMORY_UNBOUNDED, MEMORY_LIMIT, TABLE_LIMIT,
 * POLICY_LIMIT, MISSING_EXPORT, NO_DISK, NO_NETWORK.
 */
export class BenchmarkRefusedError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'BenchmarkRefusedError'
  }
}

/**
 * The module ran and was stopped or failed. Codes: TIMEOUT (killed at the
 * time limit), OUT_OF_MEMORY (worker heap limit), TRAP (the module trapped,
 * e.g. out-of-bounds access or stack overflow), HOST_CALL_FAILED (a host
 * function refused a call), BAD_ENTRY (wrong arity), BAD_RESULT (not a finite
 * number), CRASHED (the worker died otherwise).
 */
export class BenchmarkFailedError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'BenchmarkFailedError'
  }
}
