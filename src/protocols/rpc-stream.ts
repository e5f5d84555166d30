/**
 * Every raw libp2p stream call of the request/response protocols (anchor
 * services, probe), in one module, so the next stream API change touches one
 * file. One request and one response per stream, each a length-prefixed
 * message bounded before it is read (libp2p 3: `lpStream` from @libp2p/utils,
 * `close()` half-closes, `abort()` resets).
 *
 * Deadlines: every outbound call has one (the caller's signal, or a default);
 * every inbound handler has its own, covering read, handling and reply.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { ValidationError } from './errors.js'

/** A request/response exchange failed: timeout, reset, oversized or missing message. */
export class RpcError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'RpcError'
  }
}

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

function wrap(err: unknown, what: string, timedOut: boolean): RpcError {
  if (err instanceof RpcError) return err
  const e = err as Error
  if (timedOut) return new RpcError('RPC_TIMEOUT', `${what}: no answer in time`, { cause: err })
  const code = e?.name === 'InvalidDataLengthError' ? 'RPC_OVERSIZED' : 'RPC_STREAM'
  return new RpcError(code, `${what}: ${e?.message ?? String(err)}`, { cause: err })
}

/**
 * Sends one request on a new stream of `protocol` to `target` and returns the
 * response's bytes. Throws RpcError.
 */
export async function rpcCall(
  node: Libp2p,
  target: PeerId | Multiaddr | Multiaddr[],
  protocol: string,
  request: Uint8Array,
  opts: RpcCallOptions,
): Promise<Uint8Array> {
  const signal = deadline(opts.timeoutMs, opts.signal)
  let stream: Stream | undefined
  try {
    stream = await node.dialProtocol(target, protocol, { signal })
    const lp = lpStream(stream, { maxDataLength: opts.maxResponseBytes })
    await lp.write(request, { signal })
    await stream.close({ signal })
    const res = await lp.read({ signal })
    return res.subarray()
  } catch (err) {
    const e = wrap(err, `${protocol} call`, signal.aborted)
    stream?.abort(e)
    throw e
  }
}

export interface RpcHandlerOptions {
  /** Largest request accepted, bytes. */
  maxRequestBytes: number
  /** Deadline of one exchange on the server side, ms. */
  timeoutMs: number
  /** Concurrent inbound streams of this protocol per connection. */
  maxInboundStreams?: number
  /** Called with the error when an exchange fails (for metrics); never with handler results. */
  onStreamError?: (err: RpcError) => void
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
  await node.handle(
    protocol,
    async (stream: Stream, connection: Connection) => {
      const signal = AbortSignal.timeout(opts.timeoutMs)
      try {
        const lp = lpStream(stream, { maxDataLength: opts.maxRequestBytes })
        const req = await lp.read({ signal })
        const res = await handler(req.subarray(), connection.remotePeer, signal)
        await lp.write(res, { signal })
        await stream.close({ signal })
      } catch (err) {
        const e = wrap(err, `${protocol} handler`, signal.aborted)
        stream.abort(e)
        opts.onStreamError?.(e)
      }
    },
    { maxInboundStreams: opts.maxInboundStreams ?? 32, maxOutboundStreams: 32 },
  )
}

export async function unhandleRpc(node: Libp2p, protocol: string): Promise<void> {
  await node.unhandle(protocol)
}
