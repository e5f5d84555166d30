/**
 * Linux block devices as sysfs describes them: device numbers, size and
 * partitions. Shared by the disk (its size) and the in-use scanner (its
 * partitions' mounts).
 */
import { readdir, readFile } from 'node:fs/promises'

/** Linux device numbers from st_rdev (glibc's gnu_dev_major/minor encoding). */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff)
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff)
  return { major, minor }
}

/** A small text file (sysfs, procfs), or null when it cannot be read. */
export async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return null
  }
}

/** The sysfs file giving a block device's size. */
export function sizeFileOf(major: number, minor: number): string {
  return `/sys/dev/block/${major}:${minor}/size`
}

/**
 * A block device's size in bytes from sysfs (`size` counts 512-byte sectors
 * whatever the logical block size), or null when sysfs does not give it.
 */
export async function blockDeviceSize(major: number, minor: number): Promise<number | null> {
  const text = await readText(sizeFileOf(major, minor))
  if (text === null) return null
  const sectors = Number(text.trim())
  return Number.isSafeInteger(sectors) && sectors >= 0 ? sectors * 512 : null
}

/** `maj:min` of the device and of each of its partitions (sysfs subdirectories with a `partition` file). */
export async function deviceAndPartitions(major: number, minor: number): Promise<Set<string>> {
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
