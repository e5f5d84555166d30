/**
 * The file API workloads on a host use, the same in both modes: reads and
 * writes that reach the host's disk each time, so the host's limits bind
 * them. In root mode the kernel (blkio on the host's loop device) throttles
 * them, which it does only for I/O that reaches the device: hence direct I/O
 * (O_DIRECT, through an aligned bounce buffer), or O_DSYNC writes where the
 * filesystem refuses O_DIRECT. In emulated mode a DiskGate grants each I/O
 * first. Offsets and lengths are multiples of IO_ALIGN, like a disk's sectors.
 */
import { constants, type Stats } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AlignedAllocator, O_DIRECT } from '../../swapper/staging/direct-io.js'
import { IO_ALIGN } from './constants.js'
import type { DiskGate } from './disk-gate.js'
import { HostEmulationError } from './errors.js'

/** Largest piece moved per system call, bytes: 1 MiB, one I/O of the loop device (MAX_IO_BYTES). */
const PIECE_BYTES = 2 ** 20

export interface HostFileOptions {
  /** Open for writing too. Default false. */
  writable?: boolean
  /** Create the file with this size (bytes, a multiple of IO_ALIGN) if it does not exist. */
  createBytes?: number
}

function checkAligned(position: number, length: number): void {
  if (position % IO_ALIGN !== 0 || length % IO_ALIGN !== 0)
    throw new HostEmulationError(
      'UNALIGNED_IO',
      `host file I/O at ${position} of ${length} bytes: offsets and lengths must be multiples of ${IO_ALIGN} (whole sectors)`,
    )
}

export class HostFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    /** Finds aligned memory for direct I/O; null when the file is opened O_DSYNC instead. */
    private readonly allocator: AlignedAllocator | null,
    private readonly gate: DiskGate | null,
  ) {}

  /** Opens `path`; `gate` is the host's disk gate in emulated mode, null in root mode (the kernel throttles). */
  static async open(path: string, opts: HostFileOptions, gate: DiskGate | null): Promise<HostFile> {
    if (opts.createBytes !== undefined) checkAligned(0, opts.createBytes)
    const allocator = AlignedAllocator.open(dirname(path))
    let flags =
      opts.writable === true || opts.createBytes !== undefined ? constants.O_RDWR : constants.O_RDONLY
    flags |= allocator === null ? constants.O_DSYNC : O_DIRECT
    let fh: FileHandle
    try {
      fh = await open(path, flags)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || opts.createBytes === undefined) {
        allocator?.close()
        throw err
      }
      fh = await open(path, flags | constants.O_CREAT, 0o600)
      await fh.truncate(opts.createBytes)
    }
    return new HostFile(path, fh, allocator, gate)
  }

  /** Aligned bounce buffers not in use: one per I/O in flight (callers may run several at once). */
  private readonly spare: Uint8Array[] = []

  private takeBounce(): Uint8Array | null {
    if (this.allocator === null) return null
    return this.spare.pop() ?? this.allocator.alloc(PIECE_BYTES)
  }

  /** Whether I/O bypasses the page cache (O_DIRECT); otherwise writes are O_DSYNC and reads may hit the cache. */
  get direct(): boolean {
    return this.allocator !== null
  }

  async stat(): Promise<Stats> {
    return this.fh.stat()
  }

  /** Writes all of `data` at `position`. */
  async write(data: Uint8Array, position: number): Promise<void> {
    checkAligned(position, data.length)
    for (let off = 0; off < data.length; off += PIECE_BYTES) {
      const piece = data.subarray(off, off + PIECE_BYTES)
      await this.gate?.grant('write', piece.length)
      const bounce = this.takeBounce()
      let src: Uint8Array = piece
      if (bounce !== null) {
        bounce.set(piece)
        src = bounce.subarray(0, piece.length)
      }
      try {
        let done = 0
        while (done < src.length) {
          const { bytesWritten } = await this.fh.write(src, done, src.length - done, position + off + done)
          done += bytesWritten
        }
      } finally {
        if (bounce !== null) this.spare.push(bounce)
      }
    }
  }

  /** Reads into `into` from `position`; returns the bytes read (fewer only at the end of the file). */
  async read(into: Uint8Array, position: number): Promise<number> {
    checkAligned(position, into.length)
    let total = 0
    for (let off = 0; off < into.length; off += PIECE_BYTES) {
      const want = Math.min(PIECE_BYTES, into.length - off)
      await this.gate?.grant('read', want)
      const bounce = this.takeBounce()
      const dst = bounce === null ? into.subarray(off, off + want) : bounce.subarray(0, want)
      let bytesRead: number
      try {
        ;({ bytesRead } = await this.fh.read(dst, 0, want, position + off))
        if (bounce !== null) into.set(dst.subarray(0, bytesRead), off)
      } finally {
        if (bounce !== null) this.spare.push(bounce)
      }
      total += bytesRead
      if (bytesRead < want) break
    }
    return total
  }

  async close(): Promise<void> {
    this.allocator?.close()
    await this.fh.close()
  }
}
