/**
 * The stream layer's one error class. A code per cause, so callers decide on
 * the code (retry, give up, blame the peer), never on a message. Transport
 * failures are not validation errors: a timeout or a reset says nothing about
 * whether the peer's messages were valid, so none of these carries a gossip
 * action.
 */
import { VBoomError } from '../errors.js'

export const StreamErrorCode = {
  /** No message (or no part of one) arrived before the deadline. */
  TIMEOUT: 'STREAM_TIMEOUT',
  /** The stream ended, was reset or the connection dropped where a message was due. */
  CLOSED: 'STREAM_CLOSED',
  /** No stream could be opened to the peer (dial failed, protocol refused). */
  DIAL: 'STREAM_DIAL',
  /** A frame's length prefix is over the limit; refused before its body is buffered. */
  FRAME_TOO_LARGE: 'STREAM_FRAME_TOO_LARGE',
  /** A frame arrived but does not decode as the expected message. */
  MALFORMED: 'STREAM_MALFORMED',
  /** The stream's remote peer is not the one expected. */
  WRONG_PEER: 'STREAM_WRONG_PEER',
  /** The caller's AbortSignal ended the operation. */
  ABORTED: 'STREAM_ABORTED',
} as const
export type StreamErrorCode = (typeof StreamErrorCode)[keyof typeof StreamErrorCode]

/** Codes that mean the connection, not the peer's conduct, failed: worth a retry on a new stream. */
const CONNECTION_LOSS: ReadonlySet<StreamErrorCode> = new Set([
  StreamErrorCode.TIMEOUT,
  StreamErrorCode.CLOSED,
  StreamErrorCode.DIAL,
])

export class StreamError extends VBoomError {
  declare readonly code: StreamErrorCode

  constructor(code: StreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'StreamError'
  }

  /** True when a retry over a new stream may succeed (the peer restarting, a link dropping). */
  get connectionLost(): boolean {
    return CONNECTION_LOSS.has(this.code)
  }
}

/** A lost connection, as opposed to a peer that lied, refused or sent garbage. */
export function isConnectionLoss(err: unknown): boolean {
  return err instanceof StreamError && err.connectionLost
}
