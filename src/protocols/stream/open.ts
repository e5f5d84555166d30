/**
 * Outbound: connecting to a peer and opening a framed channel on a protocol.
 * Failures are StreamError: DIAL (no connection, protocol refused), WRONG_PEER
 * (the addresses reached another peer), TIMEOUT or ABORTED (the signal).
 */
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type ChannelOptions, FramedChannel } from './channel.js'
import { StreamErrorCode, streamError, toStreamError } from './errors.js'

/** Where to reach a peer: its id (addresses from the peer store) or its addresses. */
export type StreamTarget = PeerId | Multiaddr | Multiaddr[]

export interface ConnectOptions {
  /** Ends the dial: ABORTED, or TIMEOUT when the signal is a deadline. */
  signal: AbortSignal
  /** The peer the addresses must lead to; another peer there is WRONG_PEER (and the connection is closed). */
  peer?: PeerId
}

export interface OpenOptions extends ConnectOptions, ChannelOptions {}

const describe = (target: StreamTarget): string =>
  Array.isArray(target) ? target.map((a) => a.toString()).join(', ') : target.toString()

async function dial(node: Libp2p, target: StreamTarget, opts: ConnectOptions): Promise<Connection> {
  const what = `connecting to ${describe(target)}`
  let conn: Connection
  try {
    conn = await node.dial(target, { signal: opts.signal })
  } catch (err) {
    throw toStreamError(err, what, StreamErrorCode.DIAL, opts.signal)
  }
  if (opts.peer !== undefined && !conn.remotePeer.equals(opts.peer)) {
    await conn.close().catch(() => conn.abort(new Error('wrong peer')))
    throw streamError(
      StreamErrorCode.WRONG_PEER,
      what,
      `expected ${opts.peer.toString()} but reached ${conn.remotePeer.toString()}`,
    )
  }
  return conn
}

/**
 * Connects to `target` (or reuses a connection) without opening a stream,
 * so that later opens start at once; resolves with the peer reached.
 */
export async function connect(node: Libp2p, target: StreamTarget, opts: ConnectOptions): Promise<PeerId> {
  return (await dial(node, target, opts)).remotePeer
}

/** Opens a framed channel on `protocol` to `target`. */
export async function open(
  node: Libp2p,
  target: StreamTarget,
  protocol: string,
  opts: OpenOptions,
): Promise<FramedChannel> {
  const conn = await dial(node, target, opts)
  try {
    const stream = await conn.newStream(protocol, { signal: opts.signal })
    return new FramedChannel(stream, conn.remotePeer, { label: protocol, ...opts })
  } catch (err) {
    throw toStreamError(
      err,
      `opening ${protocol} to ${conn.remotePeer.toString()}`,
      StreamErrorCode.DIAL,
      opts.signal,
    )
  }
}

/** Drops every connection to `peer` (a peer that broke a protocol). */
export async function hangUp(node: Libp2p, peer: PeerId): Promise<void> {
  await node.hangUp(peer)
}
