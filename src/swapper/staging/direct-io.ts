/**
 * O_DIRECT for files written once and read once (staging): the bytes go
 * between our buffers and the device without passing through the page cache.
 * Measured on this project's VM (docs/benchmarks.md, bench:swap): buffered
 * staging writes cost ~0.75 s of CPU per 512 MiB in the kernel's page-cache
 * copy plus ~0.45 s of fsync at the end of staging, where direct writes
 * cost neither; and a stateless agent runs from RAM, so a GiB of staging in
 * its page cache would compete with its own root filesystem.
 *
 * Linux rules for O_DIRECT: file offset, length and buffer address must be
 * multiples of the device's logical block size (512 or 4096). Offsets and
 * lengths are ours to choose (whole staging slots, so block sizes of at least
 * DIRECT_ALIGN). Node cannot allocate aligned memory or show an address, so
 * an aligned view is found by probing: over-allocate by DIRECT_ALIGN, then try
 * a direct write of DIRECT_ALIGN bytes from each 16-byte step (malloc's
 * alignment) into an unlinked probe file until the kernel accepts one.
 * Backing stores of ArrayBuffers never move, so the view stays aligned.
 *
 * Where O_DIRECT is refused (tmpfs before Linux 6.6, some FUSE and network
 * filesystems) callers fall back to buffered I/O.
 */
import { closeSync, constants, openSync, unlinkSync, writeSync } from 'node:fs'
import { DirectIoError } from '../errors.js'

/** Alignment of offsets and lengths we use; covers 512-byte and 4 KiB logical blocks. */
export const DIRECT_ALIGN = 4096

/** Step between probed buffer offsets: malloc returns 16-byte aligned memory. */
const PROBE_STEP = 16

/** O_DIRECT, or 0 where the platform has none (then nothing here is used). */
export const O_DIRECT: number = constants.O_DIRECT ?? 0

function isCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException)?.code ?? '')
}

/**
 * Finds aligned views for O_DIRECT on one filesystem. Holds an unlinked probe
 * file in `dir` (nothing is left behind, even after a crash) until closed.
 */
export class AlignedAllocator {
  private constructor(
    private readonly probeFd: number,
    private readonly dir: string,
  ) {}

  /**
   * An allocator for direct I/O on the filesystem holding `dir`, or null when
   * that filesystem refuses O_DIRECT (callers then use buffered I/O).
   */
  static open(dir: string): AlignedAllocator | null {
    if (O_DIRECT === 0) return null
    const path = `${dir}/.vboom-direct-probe-${process.pid}`
    let fd: number
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | O_DIRECT, 0o600)
    } catch (err) {
      if (isCode(err, 'EINVAL', 'EOPNOTSUPP', 'ENOTSUP')) return null
      throw err
    }
    unlinkSync(path)
    const a = new AlignedAllocator(fd, dir)
    // one probe now: a filesystem that opens O_DIRECT but refuses every write is treated as having none
    if (a.tryAlloc(DIRECT_ALIGN) === null) {
      a.close()
      return null
    }
    return a
  }

  /** `bytes` (a multiple of DIRECT_ALIGN) of memory whose address the kernel accepts for direct I/O. */
  alloc(bytes: number): Uint8Array {
    const view = this.tryAlloc(bytes)
    if (view === null) throw new DirectIoError(this.dir)
    return view
  }

  private tryAlloc(bytes: number): Uint8Array | null {
    const raw = Buffer.allocUnsafeSlow(bytes + DIRECT_ALIGN)
    for (let off = 0; off < DIRECT_ALIGN; off += PROBE_STEP) {
      try {
        writeSync(this.probeFd, raw, off, DIRECT_ALIGN, 0)
        return new Uint8Array(raw.buffer, raw.byteOffset + off, bytes)
      } catch (err) {
        if (!isCode(err, 'EINVAL')) throw err
      }
    }
    return null
  }

  close(): void {
    closeSync(this.probeFd)
  }
}

/** Rounds `bytes` up to a multiple of `unit`. */
export function roundUp(bytes: number, unit: number): number {
  return Math.ceil(bytes / unit) * unit
}
