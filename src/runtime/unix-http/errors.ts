/** Typed errors of the local control sockets (HTTP over a unix socket). */
import { UsageError, VBoomError } from '../../protocols/errors.js'

/** A control request the server refuses before any route looks at it, or a route's missing parameter. */
export class ControlRequestError extends UsageError {
  constructor(
    code: 'UNKNOWN_ROUTE' | 'MISSING_PARAMETER' | 'BODY_TOO_LARGE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
    this.name = 'ControlRequestError'
  }
}

/** Why a request to a control socket got no answer: the client maps each cause to its peer's own error. */
export class ControlExchangeError extends VBoomError {
  constructor(
    code: 'NOT_LISTENING' | 'TIMEOUT' | 'UNREACHABLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
    this.name = 'ControlExchangeError'
  }
}
