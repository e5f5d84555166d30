/**
 * The disk swap's codec over the stream layer (stream/): SwapRequest and
 * SwapResponse frames, each bounded by MAX_SWAP_MESSAGE_BYTES before it is
 * decoded, and a BLOCKS response's bytes in a frame of their own, neither
 * copied on sending nor joined on receiving.
 *
 * Failures are StreamError: TIMEOUT, CLOSED (reset, dropped connection, end
 * inside a frame), FRAME_TOO_LARGE, MALFORMED (a frame that does not decode),
 * WRONG_PEER, DIAL. `isConnectionLoss` tells which a new stream may cure.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import { SwapRequest, SwapResponse } from './proto/swap.js'
import {
  connect,
  type FramedChannel,
  handle,
  hangUp,
  open,
  StreamErrorCode,
  streamError,
  unhandle,
} from './stream/index.js'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  HASH_PAGE_HASHES,
  MAX_BATCH_BLOCKS,
  MAX_SWAP_MESSAGE_BYTES,
  SWAP_CHANNEL_BUFFER_BYTES,
  SWAP_PROTOCOL,
} from './swap-constants.js'

/** Streams one agent accepts at once from its peer: the configured parallel streams plus a manifest stream. */
export const MAX_INBOUND_SWAP_STREAMS = 16

const DECODE_LIMITS = {
  request: { indices: MAX_BATCH_BLOCKS },
  response: { blocks: { indices: MAX_BATCH_BLOCKS } },
}

const CHANNEL_LIMITS = {
  maxFrameBytes: MAX_SWAP_MESSAGE_BYTES,
  maxBufferedBytes: SWAP_CHANNEL_BUFFER_BYTES,
  timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  label: 'swap',
}

/** One swap stream: typed send/receive with backpressure, deadlines and byte counters. */
export class SwapChannel {
  constructor(private readonly ch: FramedChannel) {}

  get remotePeer(): PeerId {
    return this.ch.remotePeer
  }

  /** Bytes written, length prefixes included. */
  get bytesSent(): number {
    return this.ch.bytesSent
  }

  /** Bytes read, length prefixes included. */
  get bytesReceived(): number {
    return this.ch.bytesReceived
  }

  sendRequest(req: SwapRequest): Promise<void> {
    return this.ch.send(SwapRequest.encode(req))
  }

  sendResponse(res: SwapResponse): Promise<void> {
    return this.ch.send(SwapResponse.encode(res))
  }

  /**
   * A BLOCKS response: the SwapResponse (its `blocks.data` empty) and then the
   * batch bytes as a frame of their own, in one write, the bytes as they are:
   * no protobuf copy of 1 MiB per batch (see nextBlockData for the receiving side).
   */
  sendBlocks(res: SwapResponse, data: Uint8Array): Promise<void> {
    return this.ch.sendAll([SwapResponse.encode(res), data])
  }

  /**
   * The data frame that follows a BLOCKS response, as received: a list of
   * the decrypted chunks, not joined into one buffer (the receiver hashes and
   * stores blocks straight from the chunks), or null when the peer closed.
   */
  nextBlockData(timeoutMs: number): Promise<Uint8ArrayList | null> {
    return this.ch.receive({ timeoutMs })
  }

  /** The next request, or null when the peer closed its side. */
  async nextRequest(timeoutMs: number): Promise<SwapRequest | null> {
    const f = await this.ch.receive({ timeoutMs })
    if (f === null) return null
    try {
      return SwapRequest.decode(f.subarray(), { limits: DECODE_LIMITS.request })
    } catch (err) {
      throw this.malformed('request', err)
    }
  }

  /** The next response, or null when the peer closed its side. */
  async nextResponse(timeoutMs: number): Promise<SwapResponse | null> {
    const f = await this.ch.receive({ timeoutMs })
    if (f === null) return null
    try {
      return SwapResponse.decode(f.subarray(), { limits: DECODE_LIMITS.response })
    } catch (err) {
      throw this.malformed('response', err)
    }
  }

  private malformed(what: string, err: unknown) {
    const e = streamError(
      StreamErrorCode.MALFORMED,
      `swap stream with ${this.remotePeer.toString()}`,
      `a swap ${what} that does not decode (${(err as Error).message})`,
    )
    this.ch.abort(e)
    return e
  }

  /** Half-close: we send nothing more. Never throws; a failure resets the stream. */
  close(): Promise<void> {
    return this.ch.close()
  }

  /** Resets the stream. */
  abort(err: Error): void {
    this.ch.abort(err)
  }
}

/**
 * Dials the peer at `addrs`, checks that the connection's peer is `expected`
 * (the peer the agreement names: else StreamError WRONG_PEER), and opens a
 * swap stream.
 */
export async function openSwapChannel(
  node: Libp2p,
  addrs: Multiaddr[],
  expected: PeerId,
  signal: AbortSignal,
): Promise<SwapChannel> {
  return new SwapChannel(
    await open(node, addrs, SWAP_PROTOCOL, { ...CHANNEL_LIMITS, signal, peer: expected }),
  )
}

/** Connects to the peer at `addrs` ahead of the streams, checking it is `expected` (else WRONG_PEER). */
export async function connectSwapPeer(
  node: Libp2p,
  addrs: Multiaddr[],
  expected: PeerId,
  signal: AbortSignal,
): Promise<void> {
  await connect(node, addrs, { signal, peer: expected })
}

/** Registers the swap protocol handler; `onChannel` owns the channel until it returns. */
export async function handleSwapStreams(
  node: Libp2p,
  onChannel: (ch: SwapChannel) => Promise<void>,
): Promise<void> {
  await handle(node, SWAP_PROTOCOL, (ch) => onChannel(new SwapChannel(ch)), {
    ...CHANNEL_LIMITS,
    maxInboundStreams: MAX_INBOUND_SWAP_STREAMS,
    maxOutboundStreams: MAX_INBOUND_SWAP_STREAMS,
  })
}

export async function unhandleSwapStreams(node: Libp2p): Promise<void> {
  await unhandle(node, SWAP_PROTOCOL)
}

/** Drops every connection to a misbehaving peer. */
export async function hangUpPeer(node: Libp2p, peer: PeerId): Promise<void> {
  await hangUp(node, peer)
}

/** Hash pages a manifest of `blockCount` blocks is sent in. */
export function hashPageCount(blockCount: number): number {
  return Math.ceil(blockCount / HASH_PAGE_HASHES)
}
