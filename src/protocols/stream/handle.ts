/**
 * Inbound: a protocol handler that hands each stream over as a framed
 * channel. When the handler returns, our side of the stream is closed; a
 * failure of the handler resets the stream and is reported, never thrown
 * into libp2p.
 */
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { VBoomError } from '../errors.js'
import { type ChannelOptions, FramedChannel } from './channel.js'

export interface HandleOptions extends ChannelOptions {
  /** Concurrent inbound streams of this protocol per connection; libp2p's default otherwise. */
  maxInboundStreams?: number
  /** Concurrent outbound streams of this protocol per connection; libp2p's default otherwise. */
  maxOutboundStreams?: number
  /**
   * Called with what ended a channel badly: the channel's StreamError, or
   * what `onChannel` threw (after the stream was reset). Must not throw.
   */
  onError?: (err: Error) => void
}

/** Serves `protocol`: `onChannel` owns each inbound channel until it settles. */
export async function handle(
  node: Libp2p,
  protocol: string,
  onChannel: (ch: FramedChannel) => Promise<void>,
  opts: HandleOptions,
): Promise<void> {
  const limits: { maxInboundStreams?: number; maxOutboundStreams?: number } = {}
  if (opts.maxInboundStreams !== undefined) limits.maxInboundStreams = opts.maxInboundStreams
  if (opts.maxOutboundStreams !== undefined) limits.maxOutboundStreams = opts.maxOutboundStreams
  await node.handle(
    protocol,
    async (stream: Stream, connection: Connection) => {
      const ch = new FramedChannel(stream, connection.remotePeer, { label: protocol, ...opts })
      try {
        await onChannel(ch)
        // The handler is done with the channel: our side closes (a no-op if it did), since a stream
        // the peer half-closed stays open until we do and counts against the connection's stream
        // limit for the protocol; left open, a few exchanges exhaust it and every later stream is reset.
        await ch.close()
        if (ch.error !== null) opts.onError?.(ch.error)
      } catch (err) {
        const e = err instanceof Error ? err : new VBoomError('HANDLER_FAILED', String(err))
        ch.abort(e)
        opts.onError?.(e)
      }
    },
    limits,
  )
}

export async function unhandle(node: Libp2p, protocol: string): Promise<void> {
  await node.unhandle(protocol)
}
