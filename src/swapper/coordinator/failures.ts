/**
 * A coordinator's refusal read back from its code: the anchor's client and
 * the IPC bridge turn an answer's failure code into the one error class of
 * that refusal, so a caller decides on classes, whichever coordinator spoke.
 */
import { CoordinatorFailureCode } from '../../protocols/coordinator-wire.js'
import {
  CoordinatorBusyError,
  CoordinatorCallRejectedError,
  type CoordinatorError,
  CoordinatorNotPartyError,
  CoordinatorRemoteError,
  CoordinatorUnsupportedError,
  SwapNotCommittedError,
  UnknownSwapError,
} from '../errors.js'

const C = CoordinatorFailureCode

/** Codes of a call the coordinator found ill-formed: the caller's side must change. */
const CALL_RULES = new Set<string>([
  C.MALFORMED,
  C.BAD_SWAP_ID,
  C.BAD_ROLE,
  C.WRONG_SWAP,
  C.STALE_CALL,
  C.BAD_SIGNATURE,
])

/**
 * The error for a coordinator's answer `code` (with its `message`) to
 * `operation`. UNSUPPORTED_OP, and only it, is CoordinatorUnsupportedError;
 * a code this side does not know is the coordinator's own failure.
 */
export function coordinatorFailure(
  code: string,
  message: string,
  operation: string,
): CoordinatorError | CoordinatorUnsupportedError {
  switch (code) {
    case C.UNSUPPORTED_OP:
      return new CoordinatorUnsupportedError(operation, message)
    case C.NOT_COMMITTED:
      return new SwapNotCommittedError(message)
    case C.TOO_MANY_WATCHERS:
      return new CoordinatorBusyError(message)
    case C.NOT_PARTY:
      return new CoordinatorNotPartyError(message)
    case C.UNKNOWN_SWAP:
      return new UnknownSwapError(message)
    default:
      return CALL_RULES.has(code)
        ? new CoordinatorCallRejectedError(code, message)
        : new CoordinatorRemoteError(code, message)
  }
}
