/**
 * The fetching side of a swap: the peer's manifest, then the blocks the plan
 * needs, over one or more streams.
 *
 * Each stream keeps up to `window` batch requests in flight (the peer answers
 * in order), so the link never idles on a round trip; at most window x 1 MiB
 * per stream is ever buffered, and a batch is written to staging before the
 * next response is read, so a slow disk pushes back through yamux to the
 * sender. Verified blocks go to a sink (the staging pipeline,
 * staging/pipeline.ts). Every block is hashed and compared with the peer's signed manifest
 * before it is kept: a bad one is requested again and counts against the
 * peer; past `maxBadBlocks` the peer is dropped (BadPeerError).
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { BlockBatch, type SignedManifest, SwapRequest, SwapResponse } from '../../protocols/proto/swap.js'
import { StreamErrorCode, streamError } from '../../protocols/stream/errors.js'
import type { SwapChannel } from '../../protocols/swap-channel.js'
import { MAX_BATCH_BYTES } from '../../protocols/swap-constants.js'
import { BadPeerError, SwapProtocolError } from '../errors.js'
import type { BlockIndex } from '../index/block-index.js'
import { HASH_BYTES, hashBlock, hashWholeBlocks } from '../index/hash.js'
import { decodeHashPage } from '../index/hash-pages.js'
import {
  indexFromManifest,
  type ManifestExpectations,
  type VerifiedHeader,
  verifyManifestHeader,
} from '../index/manifest.js'
import { SINK_AHEAD } from '../tuning.js'
import { BatchDecompressor } from './codec.js'

export interface FetchedManifest {
  signed: SignedManifest
  header: VerifiedHeader
  hashes: Uint8Array
  index: BlockIndex
}

function refuse(res: SwapResponse | null, expected: string): never {
  if (res === null)
    throw streamError(
      StreamErrorCode.CLOSED,
      `swap stream from the peer`,
      `it ended where ${expected} was due`,
    )
  if (res.kind === SwapResponse.Kind.ERROR) {
    // peer-supplied text: bounded, never logged at info
    throw new SwapProtocolError('SWAP_PEER_ERROR', `peer refused: ${res.error.slice(0, 128)}`)
  }
  throw new SwapProtocolError('SWAP_UNEXPECTED', `peer sent ${res.kind} where ${expected} was due`)
}

export async function fetchManifest(
  ch: SwapChannel,
  swapId: Uint8Array,
  expect: ManifestExpectations,
  timeoutMs: number,
): Promise<FetchedManifest> {
  await ch.sendRequest({
    kind: SwapRequest.Kind.MANIFEST,
    swapId: Uint8Array.from(swapId),
    requestId: 0,
    indices: [],
  })
  const first = await ch.nextResponse(timeoutMs)
  if (first?.kind !== SwapResponse.Kind.MANIFEST || first.manifest === undefined) refuse(first, 'a manifest')
  const signed = first.manifest
  const header = verifyManifestHeader(signed, expect)
  const hashes = new Uint8Array(header.blockCount * HASH_BYTES)
  let have = 0
  while (have < header.blockCount) {
    const res = await ch.nextResponse(timeoutMs)
    if (res?.kind !== SwapResponse.Kind.HASH_PAGE || res.page === undefined) refuse(res, 'a hash page')
    have = decodeHashPage(res.page, hashes, have, header)
  }
  return { signed, header, hashes, index: indexFromManifest(header, hashes) }
}

/** One block to fetch: the peer's block number (also the target block whose hash it must have) and its slot. */
export interface FetchJob {
  block: number
  slot: number
}

export interface FetchOptions {
  swapId: Uint8Array
  window: number
  maxBadBlocks: number
  timeoutMs: number
}

export interface FetchStats {
  bytesReceived: number
  bytesSent: number
  blocksFetched: number
  badBlocks: number
}

/** Where verified blocks go: the staging pipeline (staging/pipeline.ts). */
export interface BlockSink {
  /** Stores the verified blocks of one batch, in job order; `data` holds them back to back (as received: chunks). */
  write(jobs: FetchJob[], data: Uint8ArrayList): Promise<void>
  /**
   * A buffer of at least `bytes` for gathering a batch received in several
   * chunks into one run, hashed in one call; `write` takes data lying in it
   * without another copy (staging's aligned buffers).
   */
  buffer(bytes: number): Uint8Array
  /** True once the block of `slot` is stored: a fetch retried after a lost connection asks only for the rest. */
  holds(slot: number): boolean
}

export async function fetchBlocks(
  channels: SwapChannel[],
  jobs: FetchJob[],
  target: BlockIndex,
  sink: BlockSink,
  opts: FetchOptions,
  stats: FetchStats,
): Promise<void> {
  const perBatch = Math.max(1, Math.floor(MAX_BATCH_BYTES / target.blockSize))
  const queue: FetchJob[][] = []
  for (let k = 0; k < jobs.length; k += perBatch) queue.push(jobs.slice(k, k + perBatch))
  let nextId = 1
  let failed: unknown = null

  const worker = async (ch: SwapChannel): Promise<void> => {
    const decompressor = new BatchDecompressor()
    // gather buffers: one per batch whose staging write may still run, and one for the batch being checked
    const spare: Uint8Array[] = []
    const gatherBuffer = (): Uint8Array => spare.pop() ?? sink.buffer(perBatch * target.blockSize)
    const inflight: { id: number; jobs: FetchJob[] }[] = []
    const writes: Promise<void>[] = []
    const sentBefore = ch.bytesSent
    const receivedBefore = ch.bytesReceived
    try {
      for (;;) {
        if (failed !== null) {
          await Promise.allSettled(writes)
          return
        }
        while (inflight.length < opts.window && queue.length > 0) {
          const batch = queue.shift()!
          const id = nextId++
          inflight.push({ id, jobs: batch })
          await ch.sendRequest({
            kind: SwapRequest.Kind.BLOCKS,
            swapId: Uint8Array.from(opts.swapId),
            requestId: id,
            indices: batch.map((j) => j.block),
          })
        }
        if (inflight.length === 0) {
          while (writes.length > 0) await writes.shift()
          if (queue.length === 0) return
          continue
        }
        const res = await ch.nextResponse(opts.timeoutMs)
        const want = inflight.shift()!
        if (res?.kind !== SwapResponse.Kind.BLOCKS || res.blocks === undefined) refuse(res, 'a block batch')
        if (res.requestId !== want.id) {
          throw new SwapProtocolError(
            'SWAP_OUT_OF_ORDER',
            `response ${res.requestId} where ${want.id} was due`,
          )
        }
        const received = await ch.nextBlockData(opts.timeoutMs)
        if (received === null) refuse(null, 'the bytes of a block batch')
        const into = gatherBuffer()
        const { good, data, bad, gathered } = checkBatch(
          res.blocks,
          received,
          want.jobs,
          target,
          decompressor,
          into,
        )
        if (!gathered || good.length === 0) spare.push(into)
        if (bad.length > 0) {
          stats.badBlocks += bad.length
          // refetch first, before anything new
          queue.unshift(bad)
          if (stats.badBlocks > opts.maxBadBlocks) throw new BadPeerError(stats.badBlocks, opts.maxBadBlocks)
        }
        if (good.length > 0) {
          // the write to staging overlaps the next receive; at most SINK_AHEAD batches wait for the disk
          const w = sink.write(good, data)
          w.catch(() => undefined)
          // the gather buffer is free again once its bytes are in staging
          if (gathered) void w.finally(() => spare.push(into)).catch(() => undefined)
          writes.push(w)
          stats.blocksFetched += good.length
          if (writes.length >= SINK_AHEAD) await writes.shift()
        }
      }
    } catch (err) {
      failed ??= err
      ch.abort(err as Error)
      // nothing left writing into staging once the fetch has failed (an abort removes it)
      await Promise.allSettled(writes)
      throw err
    } finally {
      stats.bytesSent += ch.bytesSent - sentBefore
      stats.bytesReceived += ch.bytesReceived - receivedBefore
      // a sibling stream failed: abort ours too, so the peer's handler does not wait for us
      if (failed === null) await ch.close()
      else ch.abort(new SwapProtocolError('SWAP_FETCH_FAILED', 'fetch abandoned after another stream failed'))
    }
  }

  const results = await Promise.allSettled(channels.map((ch) => worker(ch)))
  if (failed !== null) throw failed
  for (const r of results) if (r.status === 'rejected') throw r.reason
  if (queue.length > 0)
    throw new SwapProtocolError('SWAP_INCOMPLETE', `${queue.length} batches left unfetched`)
}

/**
 * Splits a batch into blocks and checks each against the target hash, the
 * whole batch hashed in one batched call. Bytes that came in several chunks
 * are gathered into `into` first (fresh memory when it is missing or too
 * small): received chunks are noise frames of up to 65519 bytes, and hashed
 * where they lay, each made a call of 15 blocks and a block straddling two
 * chunks a call of its own (2.4 GB/s against ~6 GB/s here). A batch that
 * does not even have the right shape (other blocks, wrong length, bad zstd)
 * makes every block in it bad. `gathered`: `data` lies in `into`, which must
 * then outlive it.
 */
export function checkBatch(
  batch: BlockBatch,
  received: Uint8ArrayList,
  jobs: FetchJob[],
  target: BlockIndex,
  decompressor: BatchDecompressor,
  into?: Uint8Array,
): { good: FetchJob[]; data: Uint8ArrayList; bad: FetchJob[]; gathered: boolean } {
  const expectedLength = jobs.reduce((n, j) => n + target.blockLength(j.block), 0)
  let raw: Uint8ArrayList | null = null
  if (
    batch.indices.length === jobs.length &&
    batch.indices.every((b, k) => b === jobs[k]!.block) &&
    batch.rawLength === expectedLength &&
    // rule (2.0.0): the bytes come in their own frame, never inside the message
    batch.data.length === 0
  ) {
    try {
      raw =
        batch.codec === BlockBatch.Compression.ZSTD
          ? new Uint8ArrayList(decompressor.decompress(received.subarray(), expectedLength))
          : received
    } catch {
      raw = null
    }
    if (raw !== null && raw.byteLength !== expectedLength) raw = null
  }
  if (raw === null) return { good: [], data: new Uint8ArrayList(), bad: jobs, gathered: false }
  // one run of bytes, so the whole batch is hashed in one batched call: the
  // single chunk as received, else the chunks gathered into `into` (or fresh
  // memory when it is missing or too small)
  let gathered = false
  if (chunkCount(raw) > 1) {
    gathered = into !== undefined && into.length >= expectedLength
    const run = gathered ? into!.subarray(0, expectedLength) : new Uint8Array(expectedLength)
    let at = 0
    for (const c of raw) {
      run.set(c, at)
      at += c.byteLength
    }
    raw = new Uint8ArrayList(run)
  }
  const bytes = raw.subarray() // one chunk now: a view, not a copy
  // runs of whole blocks in one call; a short block (the disk's last) alone
  const got = new Uint8Array(jobs.length * HASH_BYTES)
  const bs = target.blockSize
  for (let k = 0, pos = 0; k < jobs.length; ) {
    let n = 0
    while (k + n < jobs.length && target.blockLength(jobs[k + n]!.block) === bs) n++
    if (n > 0) {
      hashWholeBlocks(
        bytes.subarray(pos, pos + n * bs),
        bs,
        got.subarray(k * HASH_BYTES, (k + n) * HASH_BYTES),
      )
      pos += n * bs
      k += n
      continue
    }
    const len = target.blockLength(jobs[k]!.block)
    got.set(hashBlock(bytes.subarray(pos, pos + len)), k * HASH_BYTES)
    pos += len
    k++
  }
  const good: FetchJob[] = []
  const bad: FetchJob[] = []
  const ok = new Uint8Array(jobs.length)
  const th = Buffer.from(target.hashes.buffer, target.hashes.byteOffset, target.hashes.byteLength)
  const gh = Buffer.from(got.buffer, got.byteOffset, got.byteLength)
  for (let k = 0; k < jobs.length; k++) {
    const j = jobs[k]!
    const at = j.block * HASH_BYTES
    if (gh.compare(th, at, at + HASH_BYTES, k * HASH_BYTES, (k + 1) * HASH_BYTES) === 0) {
      ok[k] = 1
      good.push(j)
    } else {
      bad.push(j)
    }
  }
  // the usual case, all good: hand on the received chunks as they are (no copy)
  if (bad.length === 0) return { good, data: raw, bad, gathered }
  const out = new Uint8ArrayList()
  for (let k = 0, pos = 0; k < jobs.length; k++) {
    const len = target.blockLength(jobs[k]!.block)
    if (ok[k] === 1) out.append(raw.sublist(pos, pos + len))
    pos += len
  }
  return { good, data: out, bad, gathered }
}

/** How many chunks a list holds (Uint8ArrayList keeps them private). */
export function chunkCount(list: Uint8ArrayList): number {
  let n = 0
  for (const _ of list) n++
  return n
}
