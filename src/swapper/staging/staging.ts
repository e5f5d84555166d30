/**
 * The staging file: every distinct content the plan will write onto the local
 * disk, one block-sized slot per plan slot (slot k at byte k * blockSize).
 *
 * Staging is filled before the commit point, from the local disk (local copies)
 * and from the peer (fetched), each block hash-checked against the peer's
 * signed manifest in memory just before it is written; then fsynced. Only then
 * may the side vote to commit. A staging file this run did not write and
 * fsync itself (a restart) is read back in full against the same hashes
 * before any of it is trusted (bad-slots.ts). Local copies are staged by
 * stage-local.ts, fetched blocks through pipeline.ts. Until this side's
 * final check has proved that its disk holds the peer's original image,
 * staging is what rebuilds that image, so it is removed only then
 * (roll-forward.ts).
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
import type { Uint8ArrayList } from 'uint8arraylist'
import { InsufficientStagingSpaceError, SwapStateError } from '../errors.js'
import { STAGING_RUN_BYTES } from '../tuning.js'
import { AlignedAllocator, DIRECT_ALIGN, O_DIRECT, roundUp } from './direct-io.js'

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
      `staging ${this.path} ends early at byte ${position}: something other than this swap truncated it; keep other programs out of the swap's state directory`,
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
