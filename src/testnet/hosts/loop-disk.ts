/**
 * Root mode: a host's physical disk. An image file attached as a loop device
 * with direct I/O (`losetup --direct-io=on`: without it the loop device writes
 * through the page cache of its backing file and escapes any throttle),
 * holding an ext4 filesystem mounted in the host's directory. The VM's disk is
 * a fixed-size image file on that filesystem, as on a cloud host; scratch
 * files of benchmarks sit beside it. Every byte the VM or a benchmark writes
 * reaches the loop device, whose own major:minor the host's blkio group
 * throttles.
 */
import { statSync } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { FS_OVERHEAD_BYTES, FS_OVERHEAD_FRACTION } from './constants.js'
import type { RunState } from './run-state.js'
import { run } from './sys.js'

export interface LoopDisk {
  /** The loop device, e.g. /dev/loop3. */
  device: string
  /** Its `major:minor`, as blkio throttles name devices. */
  majorMinor: string
  /** Where its filesystem is mounted. */
  mountPoint: string
}

/** Bytes of the image holding `dataBytes` of files on ext4. */
export const imageBytesFor = (dataBytes: number): number =>
  Math.ceil((dataBytes * (1 + FS_OVERHEAD_FRACTION) + FS_OVERHEAD_BYTES) / 2 ** 20) * 2 ** 20

/** A sparse file of `bytes` (the VM image and the loop's backing file have fixed sizes from the start). */
export async function createSparseFile(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'wx', 0o600)
  try {
    await fh.truncate(bytes)
  } finally {
    await fh.close()
  }
}

export async function createLoopDisk(
  state: RunState,
  image: string,
  mountPoint: string,
  bytes: number,
): Promise<LoopDisk> {
  await createSparseFile(image, bytes)
  state.add({ kind: 'loop', image })
  const device = (
    await run('losetup', ['--direct-io=on', '--find', '--show', image], 'attaching the host disk image')
  ).trim()
  // Inode tables and journal written now, not by a background thread later that would eat the host's throttle.
  await run(
    'mkfs.ext4',
    ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', '-m', '0', device],
    'making the host filesystem',
  )
  await mkdir(mountPoint, { recursive: true })
  state.add({ kind: 'mount', target: mountPoint })
  await run('mount', ['-o', 'noatime', device, mountPoint], 'mounting the host filesystem')
  const rdev = statSync(device).rdev
  const major = Math.floor(rdev / 256) & 0xfff
  const minor = (rdev & 0xff) | (Math.floor(rdev / 4096) & ~0xff)
  return { device, majorMinor: `${major}:${minor}`, mountPoint: join(mountPoint) }
}
