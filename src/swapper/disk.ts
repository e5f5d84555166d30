/**
 * One interface over disk image files and block devices.
 *
 * Opening a disk for a swap checks that nothing else uses it (see
 * `findDiskUse`), because a swap rewrites every block underneath whoever
 * holds it. Reads and writes are positional and complete (short reads past
 * the end are an error): a swap never changes a disk's size.
 */
import {
  constants as fsc,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs'
import { type FileHandle, open, readdir, readFile, realpath, stat } from 'node:fs/promises'
import { DiskInUseError, DiskOpenError, DiskSizeMismatchError } from './errors.js'

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
  /** Refuse a disk that is in use (see findDiskUse). Default true. */
  checkInUse?: boolean
}

/** Linux device numbers from st_rdev (glibc's gnu_dev_major/minor encoding). */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff)
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff)
  return { major, minor }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return null
  }
}

/** A block device's size from sysfs (`size` counts 512-byte sectors whatever the logical block size). */
async function blockDeviceSize(major: number, minor: number): Promise<number> {
  const text = await readText(`/sys/dev/block/${major}:${minor}/size`)
  if (text === null) throw new Error(`no /sys/dev/block/${major}:${minor}/size`)
  return Number(text.trim()) * 512
}

/** `maj:min` of the device and of each of its partitions (sysfs subdirectories with a `partition` file). */
async function deviceAndPartitions(major: number, minor: number): Promise<Set<string>> {
  const ids = new Set([`${major}:${minor}`])
  const dir = `/sys/dev/block/${major}:${minor}`
  let entries: string[] = []
  try {
    entries = await readdir(dir)
  } catch {
    return ids
  }
  for (const e of entries) {
    if ((await readText(`${dir}/${e}/partition`)) === null) continue
    const dev = await readText(`${dir}/${e}/dev`)
    if (dev !== null) ids.add(dev.trim())
  }
  return ids
}

/**
 * Why the disk at `path` is in use, or null if it is free. What is checked:
 * - block device: a mount of it or of one of its partitions in
 *   /proc/self/mountinfo (field 3, `maj:min`); holders in sysfs (device-mapper,
 *   md, ...); an entry in /proc/swaps;
 * - image file: attached as the backing file of a loop device
 *   (/sys/block/loop*\/loop/backing_file); an entry in /proc/swaps;
 * - any: another process holding it open for writing, found by scanning
 *   /proc/<pid>/fd/* for the same inode (file) or device (block device) and
 *   reading O_ACCMODE from the `flags` line of /proc/<pid>/fdinfo/<fd>. Our own
 *   process is skipped: the agent itself holds the disk open. Processes whose
 *   /proc entries we may not read (not root) are skipped silently.
 */
export async function findDiskUse(path: string): Promise<string | null> {
  const real = await realpath(path)
  const st = await stat(real)
  const isBlock = st.isBlockDevice()

  const swaps = await readText('/proc/swaps')
  if (swaps !== null) {
    for (const line of swaps.split('\n').slice(1)) {
      const name = line.split(/\s+/)[0]
      if (name === undefined || name === '') continue
      const swapName = name.replace(/\\040/g, ' ')
      try {
        const s = await stat(swapName)
        if ((isBlock && s.rdev === st.rdev) || (!isBlock && s.dev === st.dev && s.ino === st.ino)) {
          return `listed in /proc/swaps as ${swapName}`
        }
      } catch {}
    }
  }

  if (isBlock) {
    const { major, minor } = deviceNumbers(st.rdev)
    const ids = await deviceAndPartitions(major, minor)
    const mountinfo = (await readText('/proc/self/mountinfo')) ?? ''
    for (const line of mountinfo.split('\n')) {
      const f = line.split(' ')
      if (f[2] !== undefined && ids.has(f[2])) return `device ${f[2]} is mounted on ${f[4]}`
    }
    try {
      const holders = await readdir(`/sys/dev/block/${major}:${minor}/holders`)
      if (holders.length > 0) return `held by ${holders.join(', ')} (sysfs holders)`
    } catch {}
  } else {
    let loops: string[] = []
    try {
      loops = (await readdir('/sys/block')).filter((n) => n.startsWith('loop'))
    } catch {}
    for (const loop of loops) {
      const backing = await readText(`/sys/block/${loop}/loop/backing_file`)
      if (backing === null) continue
      try {
        const s = await stat(backing.trim())
        if (s.dev === st.dev && s.ino === st.ino) return `backing file of /dev/${loop}`
      } catch {}
    }
  }

  // every open file of every process: synchronous calls (~2 us each against
  // ~30 us through the thread pool; a few thousand of them on a busy host)
  let pids: string[] = []
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
  } catch {}
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        // readlink first: cheap, and skips sockets/pipes without a stat
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        if (!target.startsWith('/')) continue
        const s = statSync(`/proc/${pid}/fd/${fd}`)
        const same = isBlock ? s.isBlockDevice() && s.rdev === st.rdev : s.dev === st.dev && s.ino === st.ino
        if (!same) continue
        const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        const flags = info.match(/^flags:\s+([0-7]+)/m)?.[1]
        if (flags === undefined) continue
        const accmode = Number.parseInt(flags, 8) & 3
        if (accmode === fsc.O_WRONLY || accmode === fsc.O_RDWR) {
          return `open for writing by process ${pid} (fd ${fd})`
        }
      } catch {}
    }
  }
  return null
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
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, position + done)
      if (bytesRead === 0) throw new RangeError(`unexpected end of ${this.path} at ${position + done}`)
      done += bytesRead
    }
  }

  async write(buf: Uint8Array, position: number): Promise<void> {
    this.check('write', buf, position)
    let done = 0
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done)
      done += bytesWritten
    }
  }

  readSync(buf: Uint8Array, position: number): void {
    this.check('read', buf, position)
    let done = 0
    while (done < buf.length) {
      const n = readSync(this.fh.fd, buf, done, buf.length - done, position + done)
      if (n === 0) throw new RangeError(`unexpected end of ${this.path} at ${position + done}`)
      done += n
    }
  }

  writeSync(buf: Uint8Array, position: number): void {
    this.check('write', buf, position)
    let done = 0
    while (done < buf.length) done += writeSync(this.fh.fd, buf, done, buf.length - done, position + done)
  }

  private check(what: 'read' | 'write', buf: Uint8Array, position: number): void {
    if (position < 0 || position + buf.length > this.size) {
      throw new RangeError(
        `${what} of ${buf.length} bytes at ${position} is outside the disk (${this.size} bytes)`,
      )
    }
  }

  async flush(): Promise<void> {
    await this.fh.sync()
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
    size = await blockDeviceSize(major, minor)
  } else {
    throw new DiskOpenError(path, 'neither a regular file nor a block device')
  }
  if (opts.checkInUse !== false) {
    const use = await findDiskUse(path)
    if (use !== null) throw new DiskInUseError(path, use)
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
