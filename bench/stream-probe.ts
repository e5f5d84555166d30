/**
 * Raw stream throughput probes for bench:swap: the ceilings the swap's
 * transfer is compared with. Bench-only protocols between our own processes,
 * so they use raw libp2p streams (no framing, no limits beyond a sanity cap):
 * a ceiling must not include the cost of the layer it is compared with.
 */
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { VBoomError } from '../src/protocols/errors.js'
import { waitForDrain } from '../src/protocols/stream/index.js'

/** One way: the dialer sends, the listener discards and answers one byte. */
export const SWAP_BENCH_PROTOCOL = '/vboom/swap-bench/1.0.0'
/** Both ways at once: the dialer names a byte count (8 bytes, big-endian), then each side sends that many. */
export const SWAP_BENCH_BOTH_PROTOCOL = '/vboom/swap-bench-both/1.0.0'

/** The most a both-ways probe sends back: 64 GiB. */
const MAX_PROBE_BYTES = 64 * 2 ** 30

/** Probe chunk: 1 MiB, the swap's batch size. */
const PROBE_CHUNK_BYTES = 1024 * 1024

/** A probe went wrong (bench only). */
export class StreamProbeError extends VBoomError {
  constructor(code: string, message: string) {
    super(code, message)
    this.name = 'StreamProbeError'
  }
}

async function pump(stream: Stream, bytes: number): Promise<void> {
  const chunk = new Uint8Array(PROBE_CHUNK_BYTES).fill(7)
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    const n = Math.min(chunk.length, bytes - sent)
    await waitForDrain(stream, 'stream probe')
    stream.send(n === chunk.length ? chunk : chunk.subarray(0, n))
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
          throw new StreamProbeError('BENCH_BAD_HEADER', 'probe header shorter than 8 bytes')
        const head = chunk.subarray(0, 8)
        const bytes = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0))
        if (bytes > MAX_PROBE_BYTES)
          throw new StreamProbeError(
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
  if (got !== bytes)
    throw new StreamProbeError('BENCH_SHORT', `both-ways probe received ${got} of ${bytes} bytes`)
  return (2 * bytes) / 2 ** 20 / ((performance.now() - t0) / 1000)
}
