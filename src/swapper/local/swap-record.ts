/**
 * The record a completed local swap leaves in its work directory, so that a
 * rerun of the same command (the terminal died during the report, say) does
 * not silently swap the pair back.
 *
 * It names the two disks (real path, size, device and inode) and each one's
 * Merkle root after the swap (the other's original), at the block size the
 * swap indexed with. A new run of the same pair that finds the record hashes
 * both disks again (~0.2 s per GiB here): the same roots mean they are still
 * as the swap left them, and the run is refused unless asked to swap again;
 * different roots (either disk changed since) make the record stale, and the
 * run is a new swap. Without a record the check costs one failed open.
 */
import { readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { blockDeviceSize, deviceNumbers } from '../block-device.js'
import { openDisk } from '../disk.js'
import { SwapAlreadyCompletedError } from '../errors.js'
import type { SwapProgressEvent } from '../events.js'
import { checkSwapBlockSize, hashDisk } from '../index/block-index.js'
import { merkleRoot } from '../index/hash.js'
import type { Role } from '../index/manifest.js'

/** The record's file in the work directory: the one entry the cleanup after a completed swap leaves. */
export const SWAP_RECORD_FILE = 'swapped.json'

/** What tells a disk apart from another one at the same path (a file replaced by a copy, a device re-plugged). */
export interface DiskIdentity {
  /** Real path (symlinks resolved). */
  path: string
  kind: 'file' | 'block'
  /** Bytes. */
  size: number
  /** st_dev and st_ino for an image file; st_rdev for a block device. */
  dev: number
  ino: number
  rdev: number
}

export interface SwapRecord {
  version: 1
  swapId: string
  /** ISO 8601, when both sides had completed. */
  completedAt: string
  /** The block size of the roots below. */
  blockSize: number
  /** `root`: hex Merkle root the disk held when the swap completed (the other disk's original). */
  disks: Record<Role, DiskIdentity & { root: string }>
}

/** The identity of the disk at real path `path`. */
export async function diskIdentity(path: string): Promise<DiskIdentity> {
  const st = await stat(path)
  const block = st.isBlockDevice()
  const { major, minor } = deviceNumbers(st.rdev)
  const size = block ? ((await blockDeviceSize(major, minor)) ?? -1) : st.size
  return { path, kind: block ? 'block' : 'file', size, dev: st.dev, ino: st.ino, rdev: st.rdev }
}

function sameDisk(a: DiskIdentity, b: DiskIdentity): boolean {
  if (a.path !== b.path || a.kind !== b.kind || a.size !== b.size) return false
  return a.kind === 'block' ? a.rdev === b.rdev : a.dev === b.dev && a.ino === b.ino
}

/** Written after both sides completed and before the session is removed, so a crash in between leaves a resumable session. */
export async function writeSwapRecord(workDir: string, record: SwapRecord): Promise<void> {
  await writeFileAtomic(join(workDir, SWAP_RECORD_FILE), JSON.stringify(record, null, 2))
}

async function readSwapRecord(workDir: string): Promise<SwapRecord | null> {
  let text: string
  try {
    text = await readFile(join(workDir, SWAP_RECORD_FILE), 'utf8')
  } catch {
    return null
  }
  // a record we cannot read proves nothing: the run goes ahead as if there were none
  let r: SwapRecord
  try {
    r = JSON.parse(text) as SwapRecord
  } catch {
    return null
  }
  const root = /^[0-9a-f]{64}$/
  const usable =
    r?.version === 1 &&
    typeof r.swapId === 'string' &&
    typeof r.completedAt === 'string' &&
    root.test(String(r.disks?.a?.root)) &&
    root.test(String(r.disks?.b?.root))
  if (!usable) return null
  try {
    checkSwapBlockSize(r.blockSize)
  } catch {
    return null
  }
  return r
}

/** Merkle root (hex) of the disk at `path` in blocks of `blockSize`. */
async function rootOf(path: string, blockSize: number): Promise<string> {
  // the caller checked that nothing else uses the disk
  const disk = await openDisk(path, { checkInUse: false })
  try {
    return Buffer.from(merkleRoot(await hashDisk(disk, blockSize))).toString('hex')
  } finally {
    await disk.close()
  }
}

/**
 * Throws SwapAlreadyCompletedError when one of `workDirs` holds the record
 * of a swap of these two disks (in either order) and both still hold the
 * roots it left. A record of this pair that no longer matches (a disk
 * replaced or changed since) is removed: the run is a new swap.
 */
export async function refuseIfJustSwapped(
  workDirs: string[],
  aReal: string,
  bReal: string,
  onProgress?: (e: SwapProgressEvent) => void,
): Promise<void> {
  for (const dir of workDirs) {
    const record = await readSwapRecord(dir)
    if (record === null) continue
    const recorded = [record.disks.a, record.disks.b]
    const entryA = recorded.find((d) => d.path === aReal)
    const entryB = recorded.find((d) => d.path === bReal)
    // a record of another pair (a work directory shared by hand) is not ours to judge or remove
    if (entryA === undefined || entryB === undefined || entryA === entryB) continue
    let unchanged = sameDisk(entryA, await diskIdentity(aReal)) && sameDisk(entryB, await diskIdentity(bReal))
    for (const [role, path, entry] of [
      ['a', aReal, entryA],
      ['b', bReal, entryB],
    ] as const) {
      if (!unchanged) break
      onProgress?.({
        type: 'note',
        role,
        message: `${path} was swapped at ${record.completedAt}: hashing it to see whether it changed since (--again skips this)`,
      })
      unchanged = (await rootOf(path, record.blockSize)) === entry.root
    }
    if (unchanged) throw new SwapAlreadyCompletedError(aReal, bReal, record.swapId, record.completedAt)
    await rm(join(dir, SWAP_RECORD_FILE), { force: true })
  }
}
