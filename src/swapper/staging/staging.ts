/**
 * The staging file: every distinct content the plan will write onto the local
 * disk, one block-sized slot per plan slot (slot k at byte k * blockSize).
 *
 * Staging is filled before the commit point, from the local disk (local copies)
 * and from the peer (fetched), each block hash-checked against the peer's
 * signed manifest in memory just before it is written; then fsynced. Only then
 * may the side vote to commit. A staging file this run did not write and
 * fsync itself (a restart) is read back in full against the same hashes
 * before any of it is trusted (findBadSlots). Until the
 * swap completes on both sides, staging is also what rebuilds this side's
 * peer's original image, so it is removed only then.
 *
 * Staging bypasses the page cache (O_DIRECT, direct-io.ts) where the
 * filesystem allows it: it is written once and read once, and on bench:swap's
 * random pair the page-cache copy and the final fsync of buffered staging cost
 * more than the whole network transfer's CPU margin (388 against 233 MiB/s).
 * Callers that hand in buffers from `buffer()` skip a copy; anything else goes
 * through aligned bounce buffers.
 */
import { constants, readSync } from 'node:fs'
import { type FileHandle, open, stat, statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setImmediate as turn } from 'node:timers/promises'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Disk } from '../disk.js'
import { InsufficientStagingSpaceError, SwapStateError } from '../errors.js'
import type { BlockIndex } from '../index/block-index.js'
import { equalBytes, HASH_BYTES, hashBlock, hashBlocks, hashWholeBlocks } from '../index/hash.js'
import type { Plan } from '../plan/plan.js'
import { AlignedAllocator, DIRECT_ALIGN, O_DIRECT, roundUp } from './direct-io.js'

/** Staging I/O in runs of up to 1 MiB: large enough for sequential throughput, bounded memory. */
export const STAGING_RUN_BYTES = 1024 * 1024

/**
 * Refuses to start when staging would not fit: free space (for unprivileged
 * users: f_bavail) of the filesystem holding `path`, minus `reserveBytes`,
 * must cover what the staging file still needs (its size minus what an
 * earlier run already allocated).
 */
export async function checkStagingSpace(
  path: string,
  neededBytes: number,
  reserveBytes: number,
): Promise<void> {
  let allocated = 0
  try {
    allocated = (await stat(path)).blocks * 512
  } catch {}
  const fs = await statfs(dirname(path))
  const available = Math.max(0, fs.bavail * fs.bsize - reserveBytes)
  const needed = Math.max(0, neededBytes - allocated)
  if (needed > available) throw new InsufficientStagingSpaceError(dirname(path), needed, available)
}

export interface StagingOptions {
  /** Bypass the page cache (O_DIRECT) where the filesystem allows it. Default true. */
  direct?: boolean
}

export class Staging {
  /** Bounce buffers for writes of data not in an aligned buffer (received chunks); reused. */
  private readonly bounce: Uint8Array[] = []
  /** Base offset of each aligned allocation, by its ArrayBuffer. */
  private readonly aligned = new WeakMap<ArrayBufferLike, number>()

  private constructor(
    readonly path: string,
    readonly blockSize: number,
    readonly slotCount: number,
    private readonly fh: FileHandle,
    /** False when the file existed: its slots must be verified before they are trusted. */
    readonly fresh: boolean,
    /** Set when staging I/O bypasses the page cache (O_DIRECT): see direct-io.ts. */
    private readonly allocator: AlignedAllocator | null,
  ) {}

  /** True when staging I/O bypasses the page cache. */
  get direct(): boolean {
    return this.allocator !== null
  }

  static async open(
    path: string,
    slotCount: number,
    blockSize: number,
    opts: StagingOptions = {},
  ): Promise<Staging> {
    // direct I/O moves whole slots: only for slots that are whole device blocks
    const allocator =
      (opts.direct ?? true) && blockSize % DIRECT_ALIGN === 0 ? AlignedAllocator.open(dirname(path)) : null
    const extra = allocator === null ? 0 : O_DIRECT
    let fresh = false
    let fh: FileHandle
    try {
      try {
        fh = await open(path, constants.O_RDWR | extra)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        fh = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | extra, 0o600)
        fresh = true
      }
    } catch (err) {
      allocator?.close()
      throw err
    }
    const size = slotCount * blockSize
    if ((await fh.stat()).size !== size) await fh.truncate(size)
    return new Staging(path, blockSize, slotCount, fh, fresh, allocator)
  }

  /**
   * A buffer of at least `bytes`, rounded up to whole slots, that staging
   * reads into and writes from without a copy (aligned when direct).
   */
  buffer(bytes: number): Uint8Array {
    const size = roundUp(Math.max(1, bytes), this.blockSize)
    if (this.allocator === null) return new Uint8Array(size)
    const view = this.allocator.alloc(size)
    this.aligned.set(view.buffer, view.byteOffset)
    return view
  }

  /**
   * `data` as a view the kernel takes for
   * direct I/O (aligned address, length rounded up to whole slots within the
   * same allocation), or null when it has to go through a bounce buffer.
   */
  private directView(data: Uint8Array): Uint8Array | null {
    const base = this.aligned.get(data.buffer)
    if (base === undefined || (data.byteOffset - base) % DIRECT_ALIGN !== 0) return null
    const len = roundUp(data.byteLength, this.blockSize)
    if (data.byteOffset + len > data.buffer.byteLength) return null
    return new Uint8Array(data.buffer, data.byteOffset, len)
  }

  /** Writes `data` from slot `slot` on; a list of chunks (received blocks) goes out in one writev (or via bounce buffers when direct). */
  async write(slot: number, data: Uint8Array | Uint8ArrayList): Promise<void> {
    const position = slot * this.blockSize
    if (this.allocator === null) {
      if (data instanceof Uint8Array) return this.writeAt(position, data)
      const { bytesWritten } = await this.fh.writev([...data], position)
      // a short writev is rare; finish from where it stopped
      if (bytesWritten < data.byteLength)
        await this.writeAt(position + bytesWritten, data.subarray(bytesWritten))
      return
    }
    const view = data instanceof Uint8Array ? this.directView(data) : null
    if (view !== null) return this.writeAt(position, view)
    // copy into aligned bounce buffers, whole slots per piece (the last may end short: rounded up)
    const bounce = this.takeBounce()
    try {
      for (const [done, n, piece] of this.pieces(data.byteLength, bounce)) {
        if (data instanceof Uint8Array) piece.set(data.subarray(done, done + n))
        else {
          let at = 0
          for (const c of data.sublist(done, done + n)) {
            piece.set(c, at)
            at += c.byteLength
          }
        }
        await this.writeAt(position + done, piece)
      }
    } finally {
      this.bounce.push(bounce)
    }
  }

  /**
   * Splits `length` bytes into pieces of `bounce`: [offset, bytes, the part of
   * `bounce` to move] (whole slots; the last piece rounded up to a slot).
   */
  private *pieces(length: number, bounce: Uint8Array): Generator<[number, number, Uint8Array]> {
    for (let done = 0; done < length; done += bounce.length) {
      const n = Math.min(bounce.length, length - done)
      yield [done, n, bounce.subarray(0, roundUp(n, this.blockSize))]
    }
  }

  private async writeAt(position: number, data: Uint8Array): Promise<void> {
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done)
      done += bytesWritten
    }
  }

  /**
   * Reads whole slots from `slot` on; synchronous (scattered slot reads in
   * apply; see Disk.readSync). Fastest into a buffer from `buffer()`.
   */
  readSync(slot: number, buf: Uint8Array): void {
    const position = slot * this.blockSize
    const view = this.allocator === null ? buf : this.directView(buf)
    if (view !== null) {
      this.readAtSync(position, view)
      return
    }
    const bounce = this.takeBounce()
    try {
      for (const [done, n, piece] of this.pieces(buf.length, bounce)) {
        this.readAtSync(position + done, piece)
        buf.set(piece.subarray(0, n), done)
      }
    } finally {
      this.bounce.push(bounce)
    }
  }

  /** An aligned buffer of whole slots (at least 1 MiB) from the pool; give it back with `bounce.push`. */
  private takeBounce(): Uint8Array {
    return this.bounce.pop() ?? this.buffer(Math.max(STAGING_RUN_BYTES, this.blockSize))
  }

  /** Reads whole slots from `slot` on, without blocking the event loop (apply reads ahead with it). */
  async read(slot: number, buf: Uint8Array): Promise<void> {
    const position = slot * this.blockSize
    const view = this.allocator === null ? buf : this.directView(buf)
    if (view !== null) return this.readAt(position, view)
    const bounce = this.takeBounce()
    try {
      for (const [done, n, piece] of this.pieces(buf.length, bounce)) {
        await this.readAt(position + done, piece)
        buf.set(piece.subarray(0, n), done)
      }
    } finally {
      this.bounce.push(bounce)
    }
  }

  private async readAt(position: number, buf: Uint8Array): Promise<void> {
    let done = 0
    while (done < buf.length) {
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, position + done)
      if (bytesRead === 0) this.short(position + done)
      done += bytesRead
    }
  }

  private short(position: number): never {
    throw new SwapStateError(
      'STAGING_SHORT',
      `staging ${this.path} ends early at byte ${position}: something other than this swap truncated it`,
    )
  }

  private readAtSync(position: number, buf: Uint8Array): void {
    let done = 0
    while (done < buf.length) {
      const n = readSync(this.fh.fd, buf, done, buf.length - done, position + done)
      if (n === 0) this.short(position + done)
      done += n
    }
  }

  async sync(): Promise<void> {
    await this.fh.sync()
  }

  async close(): Promise<void> {
    this.allocator?.close()
    await this.fh.close()
  }
}

/**
 * Reads every slot back and checks it against the target hash it must carry.
 * Returns the slots that do not.
 */
export async function findBadSlots(
  staging: Staging,
  plan: Plan,
  target: BlockIndex,
  onBytes?: (bytes: number) => void,
): Promise<number[]> {
  const bad: number[] = []
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / plan.blockSize))
  const buf = staging.buffer(perRun * plan.blockSize)
  const hashes = new Uint8Array(perRun * HASH_BYTES)
  for (let first = 0; first < plan.slots.length; first += perRun) {
    const n = Math.min(perRun, plan.slots.length - first)
    staging.readSync(first, buf.subarray(0, n * plan.blockSize))
    // every slot as a whole block in one call; a slot holding the disk's short last block again alone
    hashWholeBlocks(buf.subarray(0, n * plan.blockSize), plan.blockSize, hashes.subarray(0, n * HASH_BYTES))
    for (let k = first; k < first + n; k++) {
      const t = plan.slots[k]!.target
      const len = target.blockLength(t)
      const off = (k - first) * plan.blockSize
      const h =
        len === plan.blockSize
          ? hashes.subarray((k - first) * HASH_BYTES, (k - first + 1) * HASH_BYTES)
          : hashBlock(buf.subarray(off, off + len))
      if (!equalBytes(h, target.hashAt(t))) bad.push(k)
    }
    onBytes?.(n * plan.blockSize)
    await turn() // synchronous reads: let the event loop run between runs
  }
  return bad
}

export interface StageLocalResult {
  bytesRead: number
  bytesWritten: number
}

/**
 * Copies the local-source slots among `slots` (ascending) from the local disk
 * into staging, each checked against the target hash. This reads sources
 * before the commit point, so no later write can have overwritten them.
 * Groups of consecutive slots (up to STAGING_RUN_BYTES) are assembled in
 * memory, one synchronous read per run of consecutive sources (moved files
 * make many short runs: see Disk.readSync), and written to staging at once.
 */
/** Staging writes of local copies in flight (1 MiB each) while the next group is read and hashed. */
export const STAGE_WRITES_AHEAD = 2

export async function stageLocal(
  staging: Staging,
  plan: Plan,
  target: BlockIndex,
  disk: Disk,
  slots: number[],
  onBlock?: (bytes: number) => void,
): Promise<StageLocalResult> {
  const r: StageLocalResult = { bytesRead: 0, bytesWritten: 0 }
  const bs = plan.blockSize
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / bs))
  const local = slots.filter((k) => plan.slots[k]!.from === 'local')
  // a ring of buffers: staging writes of earlier groups run while the next is read and hashed
  const bufs = Array.from({ length: STAGE_WRITES_AHEAD + 1 }, () => staging.buffer(perRun * bs))
  const writes: Promise<void>[] = []
  const hashes = new Uint8Array(perRun * HASH_BYTES)
  for (let k = 0, g = 0; k < local.length; g++) {
    const buf = bufs[g % bufs.length]!
    // a group of consecutive slots
    let n = 1
    while (k + n < local.length && n < perRun && local[k + n] === local[k]! + n) n++
    let len = 0
    for (let j = 0; j < n; ) {
      // a run of consecutive sources inside the group: one read
      const first = plan.slots[local[k + j]!]!
      let m = 1
      let runLen = target.blockLength(first.target)
      while (j + m < n && plan.slots[local[k + j + m]!]!.source === first.source + m) {
        runLen += target.blockLength(plan.slots[local[k + j + m]!]!.target)
        m++
      }
      disk.readSync(buf.subarray(len, len + runLen), first.source * bs)
      len += runLen
      j += m
    }
    // the group's blocks, hashed in one call (only the disk's last block can be short: it ends a group)
    hashBlocks(buf.subarray(0, len), bs, hashes.subarray(0, n * HASH_BYTES))
    for (let q = 0; q < n; q++) {
      const s = plan.slots[local[k + q]!]!
      if (!equalBytes(hashes.subarray(q * HASH_BYTES, (q + 1) * HASH_BYTES), target.hashAt(s.target))) {
        throw new SwapStateError(
          'LOCAL_SOURCE_CHANGED',
          `local block ${s.source} no longer matches this swap's index: something wrote to the disk during the swap; the swap aborts with both disks as they were; stop the writer and start a new swap`,
        )
      }
    }
    r.bytesRead += len
    const w = staging.write(local[k]!, buf.subarray(0, len))
    w.catch(() => undefined) // awaited below; a failure surfaces there
    writes.push(w)
    r.bytesWritten += len
    onBlock?.(len)
    k += n
    // the buffer of the oldest write is reused next: wait for it
    if (writes.length > STAGE_WRITES_AHEAD) await writes.shift()
  }
  for (const w of writes) await w
  return r
}
