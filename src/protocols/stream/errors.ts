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

/** libp2p errors (by their stable `name`) that mean the stream or its connection ended under us. */
const CLOSED_NAMES: ReadonlySet<string> = new Set([
  'StreamResetError',
  'StreamAbortedError',
  'StreamStateError',
  'StreamClosedError',
  'StreamBufferError',
  'ConnectionClosedError',
  'ConnectionClosingError',
  'MuxerClosedError',
  'UnexpectedEOFError',
])

const ADVICE: Record<StreamErrorCode, string> = {
  [StreamErrorCode.TIMEOUT]: 'the peer or the link is slow or gone; a retry opens a new stream',
  [StreamErrorCode.CLOSED]: 'the peer went away or reset the stream; a retry opens a new stream',
  [StreamErrorCode.DIAL]: "check the peer's addresses and that it runs this protocol",
  [StreamErrorCode.FRAME_TOO_LARGE]: 'the peer breaks the protocol; its stream was reset',
  [StreamErrorCode.MALFORMED]: 'the peer breaks the protocol; its stream was reset',
  [StreamErrorCode.WRONG_PEER]: 'the address belongs to another peer; check the addresses given',
  [StreamErrorCode.ABORTED]: 'the operation was cancelled here',
}

/** A StreamError with a message that says what failed, why, and what to do. */
export function streamError(
  code: StreamErrorCode,
  what: string,
  detail: string,
  options?: { cause?: unknown },
): StreamError {
  return new StreamError(code, `${what}: ${detail}; ${ADVICE[code]}`, options)
}

/**
 * The StreamError for a failed libp2p stream call. `what` names the operation
 * (for the message); `fallback` is the code of a failure libp2p does not name
 * (DIAL while opening, CLOSED on an open stream); `signal`, when it has fired,
 * tells a deadline (TIMEOUT) from the caller's own abort (ABORTED).
 */
export function toStreamError(
  err: unknown,
  what: string,
  fallback: StreamErrorCode,
  signal?: AbortSignal,
): StreamError {
  if (err instanceof StreamError) return err
  if (signal?.aborted === true) {
    const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError'
    return timedOut
      ? streamError(StreamErrorCode.TIMEOUT, what, 'deadline passed', { cause: err })
      : streamError(StreamErrorCode.ABORTED, what, 'aborted', { cause: err })
  }
  // A stream's 'close' event, as onDrain and p-event reject with it.
  if (err instanceof Event) {
    const cause = (err as Event & { error?: Error }).error
    return streamError(StreamErrorCode.CLOSED, what, `stream ${err.type}: ${cause?.message ?? 'closed'}`, {
      cause: cause ?? err,
    })
  }
  const e = err as Error | undefined
  const name = e?.name ?? ''
  const detail = e?.message ?? String(err)
  if (name === 'TimeoutError') return streamError(StreamErrorCode.TIMEOUT, what, detail, { cause: err })
  if (name === 'AbortError') return streamError(StreamErrorCode.ABORTED, what, detail, { cause: err })
  if (CLOSED_NAMES.has(name)) return streamError(StreamErrorCode.CLOSED, what, detail, { cause: err })
  return streamError(fallback, what, detail, { cause: err })
}
