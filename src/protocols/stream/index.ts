/**
 * The stream layer: every raw libp2p stream call of VBoom's protocols lives
 * in this folder, so the next stream API change touches it alone. The swap,
 * request/response and bandwidth protocols are codecs over its one framed
 * channel (swap-channel.ts, rpc.ts, bandwidth.ts beside it).
 *
 *   open(node, target, protocol, { signal, maxFrameBytes })  -> FramedChannel
 *   connect(node, addrs, { signal, peer })                   -> PeerId (pre-dial)
 *   handle(node, protocol, onChannel, opts) / unhandle(node, protocol)
 *   FramedChannel: send, sendAll, receive, close, abort; byte counters
 *
 * Failures are StreamError, one code per cause (errors.ts).
 */
export { type ChannelOptions, FramedChannel, type MessageOptions } from './channel.js'
export * from './constants.js'
export { waitForDrain } from './drain.js'
export { isConnectionLoss, StreamError, StreamErrorCode, streamError, toStreamError } from './errors.js'
export { type HandleOptions, handle, unhandle } from './handle.js'
export { type ConnectOptions, connect, hangUp, type OpenOptions, open, type StreamTarget } from './open.js'
