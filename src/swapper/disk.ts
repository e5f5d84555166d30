/**
 * One interface over disk image files and block devices.
 *
 * Opening a disk for a swap checks that nothing else uses it (disk-use.ts),
 * because a swap rewrites every block underneath whoever holds it. Reads and writes are positional and complete (short reads past
 * the end are an error): a swap never changes a disk's size.
 */
import { constants as fsc, fstatSync, readSync, writeSync } from 'node:fs'
import { type FileHandle, open, stat } from 'node:fs/promises'
import { blockDeviceSize, deviceNumbers, sizeFileOf } from './block-device.js'
import { findDiskUse } from './disk-use.js'
import {
  DiskInUseError,
  DiskIoCode,
  DiskIoError,
  DiskOpenError,
  DiskSizeMismatchError,
  DiskSizeUnknownError,
  SwapInternalError,
} from './errors.js'

export type DiskKind = 'file' | 'block'

export interface Disk {
  readonly path: string
  readonly kind: DiskKind
  /** Size in bytes; fixed for the disk's lifetime. */
  readonly size: number
  /** The open descriptor, where there is one: hashing maps the disk's pages through it (hash.ts, hashMapped). */
  readonly fd?: number
  /** Fills `buf` from byte `position`; throws if the disk ends first. */
  read(buf: Uint8Array, position: number): Promise<void>
  /** Writes all of `buf` at byte `position`; never grows the disk. */
  write(buf: Uint8Array, position: number): Promise<void>
  /**
   * Synchronous forms, for many small scattered block copies: a pread/pwrite
   * of 4 KiB from the page cache costs a few microseconds, a round trip
   * through the libuv thread pool ~10x that. They block the event loop, so
   * callers do a bounded batch at a time.
   */
  readSync(buf: Uint8Array, position: number): void
  writeSync(buf: Uint8Array, position: number): void
  /** fsync: everything written so far is durable when this resolves. */
  flush(): Promise<void>
  close(): Promise<void>
}

export interface OpenDiskOptions {
  /** Open read-write (the swap's apply phase). Default false. */
  writable?: boolean
  /** Refuse a disk that is in use (disk-use.ts). Default true. */
  checkInUse?: boolean
}

/** What the user does after a failed read or write; the rest of the sentence is the same for all. */
const RERUN =
  'then run the swap again with the same arguments (past its commit point it resumes from its journal)'

function remedyFor(err: unknown, path: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EIO':
      return `the device failed it: check it (dmesg, smartctl), ${RERUN}`
    case 'ENOSPC':
    case 'EDQUOT':
      return `the filesystem holding ${path} is full (a sparse image file grows as the swap writes it): free space there, ${RERUN}`
    case 'EROFS':
      return `its filesystem is read-only now: remount it read-write, ${RERUN}`
    default:
      return RERUN
  }
}

/**
 * `what` (naming `path`) failed: the OS's reason, what that means (`note`)
 * and what to do, which depends on the errno.
 */
export function diskIoError(
  code: DiskIoCode,
  path: string,
  what: string,
  err: unknown,
  note = '',
): DiskIoError {
  return new DiskIoError(
    code,
    path,
    `${what} failed: ${(err as Error).message}; ${note}${remedyFor(err, path)}`,
    { cause: err },
  )
}

/** The disk ended inside its size: something shrank it while it was open. */
function shortRead(path: string, fd: number, size: number, at: number): DiskIoError {
  let now = `ended before byte ${at}`
  try {
    now = `is ${fstatSync(fd).size} bytes`
  } catch {}
  return new DiskIoError(
    DiskIoCode.SHORT_READ,
    path,
    `${path} ${now} but was ${size} bytes when the swap opened it: something truncated or resized it, and nothing may while it swaps. Give it back its size of ${size} bytes, ${RERUN}`,
  )
}

class FileDisk implements Disk {
  constructor(
    readonly path: string,
    readonly kind: DiskKind,
    readonly size: number,
    private readonly fh: FileHandle,
  ) {}

  get fd(): number {
    return this.fh.fd
  }

  async read(buf: Uint8Array, position: number): Promise<void> {
    this.check('read', buf, position)
    let done = 0
    while (done < buf.length) {
      let bytesRead: number
      try {
        ;({ bytesRead } = await this.fh.read(buf, done, buf.length - done, position + done))
      } catch (err) {
        throw diskIoError(
          DiskIoCode.READ,
          this.path,
          `reading ${buf.length} bytes at byte ${position} of ${this.path}`,
          err,
        )
      }
      if (bytesRead === 0) throw shortRead(this.path, this.fh.fd, this.size, position + done)
      done += bytesRead
    }
  }

  async write(buf: Uint8Array, position: number): Promise<void> {
    this.check('write', buf, position)
    let done = 0
    try {
      while (done < buf.length) {
        const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done)
        done += bytesWritten
      }
    } catch (err) {
      throw diskIoError(
        DiskIoCode.WRITE,
        this.path,
        `writing ${buf.length} bytes at byte ${position} of ${this.path}`,
        err,
      )
    }
  }

  readSync(buf: Uint8Array, position: number): void {
    this.check('read', buf, position)
    let done = 0
    while (done < buf.length) {
      let n: number
      try {
        n = readSync(this.fh.fd, buf, done, buf.length - done, position + done)
      } catch (err) {
        throw diskIoError(
          DiskIoCode.READ,
          this.path,
          `reading ${buf.length} bytes at byte ${position} of ${this.path}`,
          err,
        )
      }
      if (n === 0) throw shortRead(this.path, this.fh.fd, this.size, position + done)
      done += n
    }
  }

  writeSync(buf: Uint8Array, position: number): void {
    this.check('write', buf, position)
    let done = 0
    try {
      while (done < buf.length) done += writeSync(this.fh.fd, buf, done, buf.length - done, position + done)
    } catch (err) {
      throw diskIoError(
        DiskIoCode.WRITE,
        this.path,
        `writing ${buf.length} bytes at byte ${position} of ${this.path}`,
        err,
      )
    }
  }

  /** Callers only ask for blocks inside the disk: an access outside it is a bug, refused before any byte moves. */
  private check(what: 'read' | 'write', buf: Uint8Array, position: number): void {
    if (position < 0 || position + buf.length > this.size) {
      throw new SwapInternalError(
        'DISK_OUT_OF_RANGE',
        `${what} of ${buf.length} bytes at byte ${position} of ${this.path} is outside the disk (${this.size} bytes)`,
        'it was refused before any byte moved, and the disk keeps its size',
      )
    }
  }

  async flush(): Promise<void> {
    try {
      await this.fh.sync()
    } catch (err) {
      const note = 'what was written since the last fsync may not be on the device; '
      throw diskIoError(DiskIoCode.FLUSH, this.path, `fsync of ${this.path}`, err, note)
    }
  }

  async close(): Promise<void> {
    await this.fh.close()
  }
}

/** Opens an image file or a block device as a Disk, refusing one in use unless told not to check. */
export async function openDisk(path: string, opts: OpenDiskOptions = {}): Promise<Disk> {
  let st: Awaited<ReturnType<typeof stat>>
  try {
    st = await stat(path)
  } catch (err) {
    throw new DiskOpenError(path, (err as Error).message, { cause: err })
  }
  let kind: DiskKind
  let size: number
  if (st.isFile()) {
    kind = 'file'
    size = st.size
  } else if (st.isBlockDevice()) {
    kind = 'block'
    const { major, minor } = deviceNumbers(st.rdev)
    const bytes = await blockDeviceSize(major, minor)
    if (bytes === null) throw new DiskSizeUnknownError(path, sizeFileOf(major, minor))
    size = bytes
  } else {
    throw new DiskOpenError(path, 'neither a regular file nor a block device')
  }
  if (opts.checkInUse !== false) {
    const use = await findDiskUse(path)
    if (use !== null) throw new DiskInUseError(path, use.kind, use.detail, use.remedy)
  }
  let fh: FileHandle
  try {
    fh = await open(path, opts.writable === true ? fsc.O_RDWR : fsc.O_RDONLY)
  } catch (err) {
    throw new DiskOpenError(path, (err as Error).message, { cause: err })
  }
  return new FileDisk(path, kind, size, fh)
}

/** Throws DiskSizeMismatchError unless both disks have the same size. */
export function assertSameSize(a: { size: number; path?: string }, b: { size: number; path?: string }): void {
  if (a.size !== b.size) {
    const detail = a.path !== undefined && b.path !== undefined ? `${a.path} vs ${b.path}` : ''
    throw new DiskSizeMismatchError(a.size, b.size, detail)
  }
}
