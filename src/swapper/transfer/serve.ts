/**
 * The serving side of a swap: answers the peer's requests for our signed
 * manifest and for blocks of our disk. Serves only the peer the agreement
 * names, only for this swap, and only before our commit point (after it our
 * disk changes under the manifest).
 */
import { BlockBatch, type SignedManifest, SwapRequest, SwapResponse } from '../../protocols/proto/swap.js'
import type { SwapChannel } from '../../protocols/swap-channel.js'
import { HASH_PAGE_HASHES, MAX_BATCH_BYTES } from '../../protocols/swap-constants.js'
import type { Disk } from '../disk.js'
import type { BlockIndex } from '../index/block-index.js'
import { equalBytes } from '../index/hash.js'
import { encodeHashPage } from '../index/hash-pages.js'
import { BatchCompressor } from './codec.js'

/**
 * Deliberate misbehaviour for tests of the receiving side: a real serving
 * path that lies, so the receiver's checks are exercised end to end.
 */
export interface ServeFaults {
  /** Flip a byte of block `index` in this response (`attempt` counts how often it was requested). */
  corruptBlock?: (index: number, attempt: number) => boolean
}

export interface ServeContext {
  swapId: Uint8Array
  signed: SignedManifest
  index: BlockIndex
  disk: Disk
  compress: boolean
  /** False once this side passed its commit point. */
  serving: () => boolean
  /** Longest silence tolerated from the peer on an open stream. */
  idleTimeoutMs: number
  faults?: ServeFaults
  /** Times each block was served, across all streams (drives `faults.corruptBlock`). */
  attempts: Map<number, number>
  stats: { bytesRead: number; bytesSent: number; blocksServed: number }
  /** Called each time our whole manifest has been sent (the agent waits for it before it plans: see agent.ts). */
  onManifestSent?: () => void
}

function errorResponse(requestId: number, error: string): SwapResponse {
  return { kind: SwapResponse.Kind.ERROR, requestId, error }
}

/**
 * Requests whose blocks are read ahead while earlier responses are still being
 * sent: disk reads overlap the network. Bounds memory to this many batches
 * (1 MiB each) per stream whatever the peer sends.
 */
export const SERVE_READ_AHEAD = 4

/** Runs of blocks shorter than this are read synchronously (the rest through the thread pool, off the event loop). */
export const SERVE_SYNC_READ_BYTES = 64 * 1024

export async function serveChannel(ch: SwapChannel, ctx: ServeContext): Promise<void> {
  const compressor = new BatchCompressor(ctx.compress)
  const sentBefore = ch.bytesSent
  // responses go out in request order: each send waits for the one before
  const queue: Promise<boolean>[] = []
  let last: Promise<boolean> = Promise.resolve(true)
  let stop = false
  const respond = (req: SwapRequest, data: Promise<OutgoingBatch | string> | null): Promise<boolean> => {
    const before = last
    return (async () => {
      if (!(await before)) return false
      if (data === null) {
        await sendManifest(ch, ctx, req.requestId)
        ctx.onManifestSent?.()
        return true
      }
      const batch = await data
      if (typeof batch === 'string') {
        await ch.sendResponse(errorResponse(req.requestId, batch))
        return false
      }
      await ch.sendBlocks(
        {
          kind: SwapResponse.Kind.BLOCKS,
          requestId: req.requestId,
          blocks: { ...batch.header, data: new Uint8Array(0) },
          error: '',
        },
        batch.data,
      )
      return true
    })()
  }
  try {
    while (!stop) {
      const req = await ch.nextRequest(ctx.idleTimeoutMs)
      if (req === null) break
      let refusal: string | null = null
      // rule: only this swap
      if (!equalBytes(req.swapId, ctx.swapId)) refusal = 'unknown swap'
      // rule: our disk is only what the manifest says until our commit point
      else if (!ctx.serving()) refusal = 'not serving: committed'
      if (refusal !== null) {
        await last
        await ch.sendResponse(errorResponse(req.requestId, refusal))
        break
      }
      const data = req.kind === SwapRequest.Kind.MANIFEST ? null : readBatch(ctx, req.indices, compressor)
      data?.catch(() => undefined)
      last = respond(req, data)
      // a failure surfaces through `await last`; mark each as handled so none is an unhandled rejection
      last.catch(() => undefined)
      queue.push(last)
      if (queue.length >= SERVE_READ_AHEAD) stop = !(await queue.shift()!)
    }
    await last
  } finally {
    ctx.stats.bytesSent += ch.bytesSent - sentBefore
    await ch.close()
  }
}

async function sendManifest(ch: SwapChannel, ctx: ServeContext, requestId: number): Promise<void> {
  await ch.sendResponse({ kind: SwapResponse.Kind.MANIFEST, requestId, manifest: ctx.signed, error: '' })
  for (let first = 0; first < ctx.index.blockCount; first += HASH_PAGE_HASHES) {
    await ch.sendResponse({
      kind: SwapResponse.Kind.HASH_PAGE,
      requestId,
      page: encodeHashPage(ctx.index, first),
      error: '',
    })
  }
}

/** Reads the requested blocks (runs of consecutive blocks in one read), or returns why the request is refused. */
/** A batch to send: its header (BlockBatch without data) and the bytes that follow it. */
interface OutgoingBatch {
  header: Omit<BlockBatch, 'data'>
  data: Uint8Array
}

async function readBatch(
  ctx: ServeContext,
  indices: number[],
  compressor: BatchCompressor,
): Promise<OutgoingBatch | string> {
  const attempts = ctx.attempts
  const idx = ctx.index
  if (indices.length === 0) return 'empty request'
  let total = 0
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= idx.blockCount) return 'block out of range'
    total += idx.blockLength(i)
  }
  if (total > Math.max(MAX_BATCH_BYTES, idx.blockSize)) return 'batch too large'
  // every byte is overwritten by the reads below (or the read throws): no zero fill
  const raw = Buffer.allocUnsafe(total)
  let off = 0
  for (let k = 0; k < indices.length; ) {
    let n = 1
    while (k + n < indices.length && indices[k + n] === indices[k]! + n) n++
    const first = indices[k]!
    const last = first + n - 1
    const len = last * idx.blockSize + idx.blockLength(last) - first * idx.blockSize
    // short runs (scattered blocks) synchronously: a pread from the page cache
    // costs ~2 us against ~30 us through the thread pool (see Disk.readSync)
    if (len < SERVE_SYNC_READ_BYTES) ctx.disk.readSync(raw.subarray(off, off + len), first * idx.blockSize)
    else await ctx.disk.read(raw.subarray(off, off + len), first * idx.blockSize)
    off += len
    k += n
  }
  ctx.stats.bytesRead += total
  ctx.stats.blocksServed += indices.length
  if (ctx.faults?.corruptBlock !== undefined) {
    let pos = 0
    for (const i of indices) {
      const a = (attempts.get(i) ?? 0) + 1
      attempts.set(i, a)
      if (ctx.faults.corruptBlock(i, a)) raw[pos] = raw[pos]! ^ 0xff
      pos += idx.blockLength(i)
    }
  }
  const c = compressor.maybeCompress(raw)
  return c === null
    ? { header: { indices, codec: BlockBatch.Compression.RAW, rawLength: total }, data: raw }
    : { header: { indices, codec: BlockBatch.Compression.ZSTD, rawLength: total }, data: c }
}
