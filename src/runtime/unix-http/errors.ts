/** Typed errors of the local control sockets (HTTP over a unix socket). */
import { UsageError } from '../../protocols/errors.js'

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
