/**
 * Every raw libp2p stream call of the disk swap, in one module, so the next
 * stream API change touches one file (libp2p 3: `send()` returning false means
 * wait for `onDrain()`; reading is `for await` over the stream).
 *
 * Messages are length-prefixed protobuf (SwapRequest / SwapResponse), each
 * bounded by MAX_SWAP_MESSAGE_BYTES before it is decoded.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ValidationError } from './errors.js'
import { SwapRequest, SwapResponse } from './proto/swap.js'
import {
  HASH_PAGE_HASHES,
  MAX_BATCH_BLOCKS,
  MAX_SWAP_MESSAGE_BYTES,
  SWAP_PROTOCOL,
} from './swap-constants.js'

/** Streams one agent accepts at once from its peer: the configured parallel streams plus a manifest stream. */
export const MAX_INBOUND_SWAP_STREAMS = 16

const DECODE_LIMITS = {
  request: { indices: MAX_BATCH_BLOCKS },
  response: { blocks: { indices: MAX_BATCH_BLOCKS } },
}

/** A timeout or a closed stream where a message was due. */
export class SwapStreamError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'SwapStreamError'
  }
}

/** One swap stream: typed send/receive with backpressure, deadlines and byte counters. */
export class SwapChannel {
  bytesSent = 0
  bytesReceived = 0
  private readonly frames: AsyncIterator<Uint8ArrayList>

  constructor(
    private readonly stream: Stream,
    readonly remotePeer: PeerId,
  ) {
    this.frames = lp.decode(stream, { maxDataLength: MAX_SWAP_MESSAGE_BYTES })[Symbol.asyncIterator]()
  }

  /** One length-prefixed frame; `bytes` are sent as they are (the prefix is a separate chunk, no copy). */
  private async sendFrame(bytes: Uint8Array): Promise<void> {
    const frame = lp.encode.single(bytes)
    this.bytesSent += frame.byteLength
    if (!this.stream.send(frame)) await this.stream.onDrain()
  }

  private async nextFrame(timeoutMs: number): Promise<Uint8Array | null> {
    const f = await this.nextFrameList(timeoutMs)
    return f === null ? null : f.subarray()
  }

  private async nextFrameList(timeoutMs: number): Promise<Uint8ArrayList | null> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new SwapStreamError('SWAP_TIMEOUT', `no message from peer for ${timeoutMs} ms`)
        this.stream.abort(err)
        reject(err)
      }, timeoutMs)
    })
    try {
      const r = await Promise.race([this.frames.next(), timeout])
      if (r.done === true) return null
      this.bytesReceived += r.value.byteLength
      return r.value
    } catch (err) {
      if (err instanceof SwapStreamError) throw err
      throw new SwapStreamError('SWAP_STREAM', `swap stream failed: ${(err as Error).message}`, {
        cause: err,
      })
    } finally {
      clearTimeout(timer)
    }
  }

  sendRequest(req: SwapRequest): Promise<void> {
    return this.sendFrame(SwapRequest.encode(req))
  }

  sendResponse(res: SwapResponse): Promise<void> {
    return this.sendFrame(SwapResponse.encode(res))
  }

  /**
   * A BLOCKS response: the SwapResponse (its `blocks.data` empty) and then the
   * batch bytes as a frame of their own, sent as they are: no protobuf copy of
   * 1 MiB per batch (see nextBlockData for the receiving side).
   */
  async sendBlocks(res: SwapResponse, data: Uint8Array): Promise<void> {
    await this.sendFrame(SwapResponse.encode(res))
    await this.sendFrame(data)
  }

  /**
   * The data frame that follows a BLOCKS response, as received: a list of
   * the decrypted chunks, not joined into one buffer (the receiver hashes and
   * stores blocks straight from the chunks), or null when the peer closed.
   */
  async nextBlockData(timeoutMs: number): Promise<Uint8ArrayList | null> {
    return this.nextFrameList(timeoutMs)
  }

  /** The next request, or null when the peer closed its side. */
  async nextRequest(timeoutMs: number): Promise<SwapRequest | null> {
    const f = await this.nextFrame(timeoutMs)
    if (f === null) return null
    try {
      return SwapRequest.decode(f, { limits: DECODE_LIMITS.request })
    } catch (err) {
      throw new SwapStreamError('SWAP_MALFORMED', `malformed swap request: ${(err as Error).message}`)
    }
  }

  /** The next response, or null when the peer closed its side. */
  async nextResponse(timeoutMs: number): Promise<SwapResponse | null> {
    const f = await this.nextFrame(timeoutMs)
    if (f === null) return null
    try {
      return SwapResponse.decode(f, { limits: DECODE_LIMITS.response })
    } catch (err) {
      throw new SwapStreamError('SWAP_MALFORMED', `malformed swap response: ${(err as Error).message}`)
    }
  }

  /** Half-close: we send nothing more. */
  async close(): Promise<void> {
    try {
      await this.stream.close()
    } catch {
      this.stream.abort(new SwapStreamError('SWAP_CLOSE', 'close failed'))
    }
  }

  abort(err: Error): void {
    this.stream.abort(err)
  }
}

/**
 * Dials the peer at `addrs`, checks that the connection's peer is `expected`
 * (the peer the agreement names), and opens a swap stream.
 */
export async function openSwapChannel(
  node: Libp2p,
  addrs: Multiaddr[],
  expected: PeerId,
  signal: AbortSignal,
): Promise<SwapChannel> {
  const conn: Connection = await node.dial(addrs, { signal })
  if (!conn.remotePeer.equals(expected)) {
    await conn.close()
    throw new SwapStreamError(
      'SWAP_WRONG_PEER',
      `dialled ${expected.toString()} but reached ${conn.remotePeer.toString()}`,
    )
  }
  const stream = await conn.newStream(SWAP_PROTOCOL, { signal })
  return new SwapChannel(stream, conn.remotePeer)
}

/** Registers the swap protocol handler; `onChannel` owns the channel until it returns. */
export async function handleSwapStreams(
  node: Libp2p,
  onChannel: (ch: SwapChannel) => Promise<void>,
): Promise<void> {
  await node.handle(
    SWAP_PROTOCOL,
    async (stream: Stream, connection: Connection) => {
      const ch = new SwapChannel(stream, connection.remotePeer)
      try {
        await onChannel(ch)
      } catch (err) {
        ch.abort(err as Error)
      }
    },
    { maxInboundStreams: MAX_INBOUND_SWAP_STREAMS, maxOutboundStreams: MAX_INBOUND_SWAP_STREAMS },
  )
}

export async function unhandleSwapStreams(node: Libp2p): Promise<void> {
  await node.unhandle(SWAP_PROTOCOL)
}

/** Drops every connection to a misbehaving peer. */
export async function hangUpPeer(node: Libp2p, peer: PeerId): Promise<void> {
  await node.hangUp(peer)
}

/** Hash pages a manifest of `blockCount` blocks is sent in. */
export function hashPageCount(blockCount: number): number {
  return Math.ceil(blockCount / HASH_PAGE_HASHES)
}

/** Raw stream throughput probes for bench:swap: the ceilings the swap's transfer is compared with. */
export const SWAP_BENCH_PROTOCOL = '/vboom/swap-bench/1.0.0'
/** Both ways at once: the dialer names a byte count (8 bytes, big-endian), then each side sends that many. */
export const SWAP_BENCH_BOTH_PROTOCOL = '/vboom/swap-bench-both/1.0.0'

/** The most a both-ways probe sends back: 64 GiB. */
const MAX_PROBE_BYTES = 64 * 2 ** 30

/** Probe chunk: 1 MiB, the swap's batch size. */
const PROBE_CHUNK_BYTES = 1024 * 1024

async function pump(stream: Stream, bytes: number): Promise<void> {
  const chunk = new Uint8Array(PROBE_CHUNK_BYTES).fill(7)
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    const n = Math.min(chunk.length, bytes - sent)
    if (!stream.send(n === chunk.length ? chunk : chunk.subarray(0, n))) await stream.onDrain()
  }
}

/** Serves both probes: one way, reads and discards everything, then replies with one byte; both ways, see SWAP_BENCH_BOTH_PROTOCOL. */
export async function handleStreamProbe(node: Libp2p): Promise<void> {
  await node.handle(SWAP_BENCH_PROTOCOL, async (stream: Stream) => {
    for await (const _ of stream) {
      // discard
    }
    stream.send(new Uint8Array([1]))
    await stream.close()
  })
  await node.handle(SWAP_BENCH_BOTH_PROTOCOL, async (stream: Stream) => {
    let sending: Promise<void> | null = null
    for await (const chunk of stream) {
      if (sending === null) {
        // bench-only protocol between our own processes: the first chunk carries the count
        if (chunk.byteLength < 8)
          throw new SwapStreamError('BENCH_BAD_HEADER', 'probe header shorter than 8 bytes')
        const head = chunk.subarray(0, 8)
        const bytes = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0))
        if (bytes > MAX_PROBE_BYTES)
          throw new SwapStreamError(
            'BENCH_TOO_LARGE',
            `probe asks for ${bytes} bytes, at most ${MAX_PROBE_BYTES}`,
          )
        sending = pump(stream, bytes)
      }
    }
    await sending
    await stream.close()
  })
}

/** Sends `bytes` over one stream in 1 MiB chunks with backpressure; resolves with MiB/s once the peer has read all. */
export async function probeStreamThroughput(
  node: Libp2p,
  addrs: Multiaddr[],
  bytes: number,
): Promise<number> {
  const stream = await node.dialProtocol(addrs, SWAP_BENCH_PROTOCOL)
  const t0 = performance.now()
  await pump(stream, bytes)
  await stream.close()
  for await (const _ of stream) break
  return bytes / 2 ** 20 / ((performance.now() - t0) / 1000)
}

/**
 * Sends `bytes` each way at once over one stream (as a swap moves both disks
 * at once); resolves with MiB/s of both directions together, once each side
 * has read all the other sent.
 */
export async function probeStreamBothWays(node: Libp2p, addrs: Multiaddr[], bytes: number): Promise<number> {
  const stream = await node.dialProtocol(addrs, SWAP_BENCH_BOTH_PROTOCOL)
  const head = new Uint8Array(8)
  new DataView(head.buffer).setBigUint64(0, BigInt(bytes))
  const t0 = performance.now()
  stream.send(head)
  const receiving = (async () => {
    let got = 0
    for await (const chunk of stream) got += chunk.byteLength
    return got
  })()
  await pump(stream, bytes)
  await stream.close()
  const got = await receiving
  if (got !== bytes) throw new Error(`both-ways probe received ${got} of ${bytes} bytes`)
  return (2 * bytes) / 2 ** 20 / ((performance.now() - t0) / 1000)
}
