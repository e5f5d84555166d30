/**
 * Whole disks and their partitions as sysfs shows them (/sys/block), and
 * positional reads and writes on a disk (block device or image file).
 * `sysRoot` lets tests point the lookups at a fake tree.
 */
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ReserveCode, ReserveError } from '../errors.js'

export interface PartitionInfo {
  /** Kernel name, e.g. vda4. */
  name: string
  /** Partition number (1-4 on MBR disks). */
  index: number
  /** First sector (512-byte units, as sysfs counts them). */
  start: number
  /** Sectors (512-byte units). */
  sectors: number
}

export interface DiskInfo {
  /** Kernel name, e.g. vda, nvme0n1. */
  name: string
  /** /dev/<name>. */
  path: string
  bytes: number
  /** The device's logical block size: the unit of an atomic write (512 or 4096). */
  logicalBlockBytes: number
  partitions: PartitionInfo[]
}

/** Devices that are never a VM's boot disk: loop, RAM and optical devices, and stacked ones. */
const NOT_A_DISK = /^(loop|ram|zram|sr|dm-|md|nbd)/

async function text(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch {
    return null
  }
}

async function num(path: string): Promise<number | null> {
  const t = await text(path)
  if (t === null) return null
  const n = Number(t)
  return Number.isSafeInteger(n) ? n : null
}

/** One disk from /sys/block/<name>, or null when sysfs does not describe it. */
export async function diskInfo(name: string, sysRoot = '/sys'): Promise<DiskInfo | null> {
  const dir = join(sysRoot, 'block', name)
  const sectors = await num(join(dir, 'size'))
  if (sectors === null) return null
  const logical = (await num(join(dir, 'queue', 'logical_block_size'))) ?? 512
  const partitions: PartitionInfo[] = []
  let entries: string[] = []
  try {
    entries = await readdir(dir)
  } catch {}
  for (const e of entries) {
    const index = await num(join(dir, e, 'partition'))
    if (index === null) continue
    const start = await num(join(dir, e, 'start'))
    const size = await num(join(dir, e, 'size'))
    if (start === null || size === null) continue
    partitions.push({ name: e, index, start, sectors: size })
  }
  partitions.sort((a, b) => a.start - b.start)
  return { name, path: `/dev/${name}`, bytes: sectors * 512, logicalBlockBytes: logical, partitions }
}

/** Every whole disk of the machine. */
export async function listDisks(sysRoot = '/sys'): Promise<DiskInfo[]> {
  let names: string[] = []
  try {
    names = await readdir(join(sysRoot, 'block'))
  } catch {}
  const out: DiskInfo[] = []
  for (const n of names.sort()) {
    if (NOT_A_DISK.test(n)) continue
    const d = await diskInfo(n, sysRoot)
    if (d !== null && d.bytes > 0) out.push(d)
  }
  return out
}

/** The disk and partition starting at `start` with `sectors` sectors, if one exists. */
export async function findPartition(
  start: number,
  sectors: number,
  sysRoot = '/sys',
): Promise<{ disk: DiskInfo; partition: PartitionInfo } | null> {
  for (const disk of await listDisks(sysRoot)) {
    const partition = disk.partitions.find((p) => p.start === start && p.sectors === sectors)
    if (partition !== undefined) return { disk, partition }
  }
  return null
}

/** `length` bytes of `path` from byte `position`; throws RESERVE_IO when the read fails or ends early. */
export async function readRange(path: string, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length)
  let fh: Awaited<ReturnType<typeof open>> | undefined
  try {
    fh = await open(path, 'r')
    let done = 0
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, position + done)
      if (bytesRead === 0) throw new Error(`the disk ends at byte ${position + done}`)
      done += bytesRead
    }
    return buf
  } catch (err) {
    throw new ReserveError(
      ReserveCode.IO,
      `reading ${length} bytes at byte ${position} of ${path} failed: ${(err as Error).message}; check the device (dmesg)`,
      { cause: err },
    )
  } finally {
    await fh?.close()
  }
}

/** Writes all of `data` at byte `position` of the disk and fsyncs it before returning. */
export async function writeDurably(path: string, data: Uint8Array, position: number): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined
  try {
    fh = await open(path, 'r+')
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, position + done)
      done += bytesWritten
    }
    await fh.sync()
  } catch (err) {
    throw new ReserveError(
      ReserveCode.IO,
      `writing ${data.length} bytes at byte ${position} of ${path} failed: ${(err as Error).message}; check the device (dmesg). The disk still boots what it booted before this write`,
      { cause: err },
    )
  } finally {
    await fh?.close()
  }
}

/** Size of a disk in bytes: a block device's from sysfs, an image file's from stat. */
export async function diskBytesOf(path: string, sysRoot = '/sys'): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const st = await fh.stat()
    if (st.isFile()) return st.size
    // a block device: its size is where a read at the end stops
    const name = path.replace(/^\/dev\//, '')
    const d = await diskInfo(name, sysRoot)
    if (d !== null) return d.bytes
    throw new ReserveError(
      ReserveCode.IO,
      `cannot tell the size of ${path} (no /sys/block/${name}/size); pass a whole disk such as /dev/vda`,
    )
  } finally {
    await fh.close()
  }
}
