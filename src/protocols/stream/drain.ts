/**
 * Waiting for a libp2p stream to accept more data after `send()` returned
 * false. Not `stream.onDrain()`: in @libp2p/utils 7.4 its promise is created
 * once and never renewed, so after the first drain it resolves at once while
 * the stream still needs draining, and a writer looping on it queues without
 * bound (seen here: 200 MiB in the write buffer of a stream whose reader was
 * paused). This waits for the 'drain' event itself, as often as needed.
 */
import type { Stream, StreamCloseEvent } from '@libp2p/interface'
import { StreamErrorCode, streamError, toStreamError } from './errors.js'

/** One 'drain' event, or the stream's close, or the signal. */
function nextDrain(stream: Stream, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => {
      cleanup()
      resolve()
    }
    const onClose = (evt: StreamCloseEvent): void => {
      cleanup()
      reject(evt)
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal?.reason)
    }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}

/**
 * Resolves once `stream` accepts data again (at once if it does now). Throws
 * StreamError: CLOSED when the stream closes first, TIMEOUT or ABORTED when
 * `signal` fires first.
 */
export async function waitForDrain(stream: Stream, what: string, signal?: AbortSignal): Promise<void> {
  try {
    // libp2p clears the flag in its own 'drain' listener and refills the muxer in a microtask, which may set it again.
    while (stream.writableNeedsDrain) {
      if (stream.status !== 'open') {
        throw streamError(
          StreamErrorCode.CLOSED,
          what,
          `stream ${stream.status} while data waited to be sent`,
        )
      }
      signal?.throwIfAborted()
      await nextDrain(stream, signal)
    }
  } catch (err) {
    throw toStreamError(err, what, StreamErrorCode.CLOSED, signal)
  }
}
