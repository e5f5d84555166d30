/**
 * Request/response over the stream layer (stream/): the anchor services and
 * the probe. One request frame and one response frame per stream, each
 * bounded before it is read (the framing of libp2p's lpStream, so the wire is
 * unchanged).
 *
 * Deadlines: every outbound call has one (the caller's signal, or a default)
 * covering dial, write and read; every inbound handler has its own, covering
 * read, handling and reply. Transport failures are StreamError (TIMEOUT,
 * CLOSED, DIAL, FRAME_TOO_LARGE); refusals are part of the response message.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { VBoomError } from './errors.js'
import {
  type FramedChannel,
  handle,
  open,
  StreamErrorCode,
  type StreamTarget,
  streamError,
  unhandle,
} from './stream/index.js'

/** Concurrent streams of one request/response protocol per connection, when the protocol sets none. */
export const DEFAULT_RPC_STREAMS = 32

export interface RpcCallOptions {
  /** Largest response accepted, bytes; a larger length prefix fails before the body is read. */
  maxResponseBytes: number
  /** Deadline of the whole exchange (dial, write, read), ms. */
  timeoutMs: number
  signal?: AbortSignal
}

function deadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? t : AbortSignal.any([t, signal])
}

/** The one frame of `ch` a side expects; the end of the stream instead is CLOSED. */
async function receiveOne(ch: FramedChannel, what: string, signal: AbortSignal): Promise<Uint8Array> {
  const frame = await ch.receive({ signal })
  if (frame === null) throw streamError(StreamErrorCode.CLOSED, what, 'stream ended before the message')
  return frame.subarray()
}

/**
 * Sends one request on a new stream of `protocol` to `target` and returns the
 * response's bytes. Throws StreamError.
 */
export async function rpcCall(
  node: Libp2p,
  target: StreamTarget,
  protocol: string,
  request: Uint8Array,
  opts: RpcCallOptions,
): Promise<Uint8Array> {
  const signal = deadline(opts.timeoutMs, opts.signal)
  const ch = await open(node, target, protocol, {
    signal,
    timeoutMs: opts.timeoutMs,
    maxFrameBytes: opts.maxResponseBytes,
  })
  try {
    await ch.send(request, { signal })
    await ch.close({ signal })
    return await receiveOne(ch, `${protocol} call to ${ch.remotePeer.toString()}`, signal)
  } catch (err) {
    ch.abort(err as Error)
    throw err
  }
}

export interface RpcHandlerOptions {
  /** Largest request accepted, bytes. */
  maxRequestBytes: number
  /** Deadline of one exchange on the server side, ms. */
  timeoutMs: number
  /** Concurrent inbound streams of this protocol per connection; default DEFAULT_RPC_STREAMS. */
  maxInboundStreams?: number
  /** Called with the error when an exchange fails (for metrics); never with handler results. */
  onStreamError?: (err: VBoomError) => void
}

/**
 * The handler answers a request with response bytes. Protocol-level refusals
 * are part of the response message; a throw resets the stream.
 */
export type RpcHandler = (request: Uint8Array, remotePeer: PeerId, signal: AbortSignal) => Promise<Uint8Array>

export async function handleRpc(
  node: Libp2p,
  protocol: string,
  handler: RpcHandler,
  opts: RpcHandlerOptions,
): Promise<void> {
  await handle(
    node,
    protocol,
    async (ch) => {
      const signal = AbortSignal.timeout(opts.timeoutMs)
      const req = await receiveOne(ch, `${protocol} request from ${ch.remotePeer.toString()}`, signal)
      const res = await handler(req, ch.remotePeer, signal)
      await ch.send(res, { signal })
      await ch.close({ signal })
    },
    {
      maxFrameBytes: opts.maxRequestBytes,
      timeoutMs: opts.timeoutMs,
      maxInboundStreams: opts.maxInboundStreams ?? DEFAULT_RPC_STREAMS,
      maxOutboundStreams: DEFAULT_RPC_STREAMS,
      onError: (err) => {
        opts.onStreamError?.(
          err instanceof VBoomError
            ? err
            : new VBoomError('RPC_HANDLER_FAILED', `${protocol} handler failed: ${err.message}`, {
                cause: err,
              }),
        )
      },
    },
  )
}

export async function unhandleRpc(node: Libp2p, protocol: string): Promise<void> {
  await unhandle(node, protocol)
}
