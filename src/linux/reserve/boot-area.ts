/**
 * The boot area and the boot-level invariant.
 *
 * Invariant: from the moment a machine leaves its running system until its
 * swap has completed, every boot (reset, power cut, panic) lands in the
 * stateless image, and no boot ever lands in a half-written disk, even
 * though the disk's own boot area (MBR, bootloader, /boot) is among the
 * blocks being swapped.
 *
 * How it is kept:
 * 1. leaving (`redirectBoot`, on the running system, before the kexec):
 *    the first BOOT_AREA_BYTES of the disk are saved to the reserve's state
 *    filesystem (fsynced), then sector 0 is rewritten to boot the reserve's
 *    boot partition (syslinux's mbr.bin, only that partition active; disk
 *    signature and partition entries kept), and fsynced. From that write on,
 *    the firmware loads the stateless image on every boot.
 * 2. swapping: the swap sees the disk through `ReservedSwapDisk`
 *    (swap-disk.ts): [0, BOOT_AREA_BYTES) is the saved copy, the rest is the
 *    device up to the reserve. So the swap indexes and serves the true
 *    original boot area, and its apply phase writes the partner's boot
 *    area into the copy, never onto sector 0. Sector 0 on the device stays
 *    the redirect through the whole swap, whatever state the rest is in.
 * 3. finishing (`commitBoot`, on the stateless side, once the swap has
 *    completed and been checked, or was aborted): the copy (the partner's
 *    boot area, or our own after an abort) is written to the device, all of
 *    it but the first logical block first, fsynced, then the first logical
 *    block (sector 0) alone, fsynced. A 512-byte (or one 4 KiB logical block)
 *    write is atomic on the devices VMs get (a torn sector is not a state the
 *    device reports). Until that one write the disk boots the stateless
 *    image; from it on, the disk boots its new VM, which is complete.
 * Before writing the partner's boot area, the partition table in it must
 * describe this disk's reserve exactly: a table that did not would boot a VM
 * that cannot find the location's reserve (refused, RESERVE_FOREIGN_LAYOUT).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { STATE_FILES } from '../constants.js'
import { readRange, writeDurably } from '../disk/devices.js'
import { redirectedMbr, SECTOR_BYTES } from '../disk/mbr.js'
import { ReserveCode, ReserveError } from '../errors.js'
import { type ReserveLayout, reserveFromTable, sameReserve } from './layout.js'

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

/** The saved boot area, or null when none was saved. */
export async function readSavedBootArea(stateDir: string, layout: ReserveLayout): Promise<Uint8Array | null> {
  let copy: Uint8Array
  try {
    copy = await readFile(join(stateDir, STATE_FILES.bootArea))
  } catch {
    return null
  }
  if (copy.length !== layout.bootAreaBytes)
    throw new ReserveError(
      ReserveCode.BOOT_AREA_LOST,
      `the saved boot area in ${stateDir} is ${copy.length} bytes, not ${layout.bootAreaBytes}: it was damaged. Do not reboot into the disk; restore the boot area from a backup of the VM`,
    )
  return copy
}

/** Whether `current` (the device's boot area) is the redirect of `saved`; false when `saved` is no boot area at all. */
function isRedirectOf(
  current: Uint8Array,
  saved: Uint8Array,
  mbrCode: Uint8Array,
  layout: ReserveLayout,
): boolean {
  let redirect: Uint8Array
  try {
    redirect = redirectedMbr(saved, mbrCode, layout.boot.index)
  } catch {
    return false // a stale or damaged copy: not what the device was redirected from
  }
  return (
    equal(current.subarray(0, SECTOR_BYTES), redirect) &&
    equal(current.subarray(SECTOR_BYTES, saved.length), saved.subarray(SECTOR_BYTES))
  )
}

export interface RedirectResult {
  /** sha256 of the disk's true boot area (the saved copy). */
  bootAreaSha256: string
  /** Sector 0 was already the redirect of the saved copy (a leave that is resumed). */
  alreadyRedirected: boolean
}

/**
 * Step 1: saves the boot area and points sector 0 at the reserve's boot
 * partition. Idempotent: a second call after a crash between the two writes
 * finds sector 0 already redirected and keeps the saved copy (the device no
 * longer holds the original then).
 */
export async function redirectBoot(o: {
  devicePath: string
  stateDir: string
  layout: ReserveLayout
  /** The MBR boot program (syslinux's mbr.bin). */
  mbrCode: Uint8Array
}): Promise<RedirectResult> {
  const { layout } = o
  const current = await readRange(o.devicePath, 0, layout.bootAreaBytes)
  const saved = await readSavedBootArea(o.stateDir, layout)
  if (saved !== null && isRedirectOf(current, saved, o.mbrCode, layout))
    return { bootAreaSha256: sha256Hex(saved), alreadyRedirected: true }
  // a copy left by an earlier swap is stale: the device holds the true boot area now
  const redirect = redirectedMbr(current, o.mbrCode, layout.boot.index)
  await writeFileAtomic(join(o.stateDir, STATE_FILES.bootArea), current, 0o600)
  await writeDurably(o.devicePath, redirect, 0)
  return { bootAreaSha256: sha256Hex(current), alreadyRedirected: false }
}

export interface CommitResult {
  bootAreaSha256: string
  /** The device already held the saved boot area (a finish that is resumed). */
  alreadyCommitted: boolean
}

/**
 * Step 3: writes the saved boot area back to the device, its first logical
 * block last and alone. `logicalBlockBytes`: the device's atomic write unit
 * (512, or 4096 on a 4Kn disk).
 */
export async function commitBoot(o: {
  devicePath: string
  stateDir: string
  layout: ReserveLayout
  logicalBlockBytes: number
}): Promise<CommitResult> {
  const { layout } = o
  const copy = await readSavedBootArea(o.stateDir, layout)
  if (copy === null)
    throw new ReserveError(
      ReserveCode.BOOT_AREA_LOST,
      `no saved boot area in ${join(o.stateDir, STATE_FILES.bootArea)}: the disk's boot area is unknown, so it keeps booting the stateless image. Restore the VM from a backup`,
    )
  const next = reserveFromTable(copy.subarray(0, SECTOR_BYTES), layout.diskBytes)
  if (next === null || !sameReserve(next, layout))
    throw new ReserveError(
      ReserveCode.FOREIGN_LAYOUT,
      "the boot area to be written describes no reserve, or another one, than this disk's: the VM it belongs to was built with another VBoom disk layout and could not find this location's reserve. The disk keeps booting the stateless image; ask the partner to use the same layout",
    )
  const current = await readRange(o.devicePath, 0, layout.bootAreaBytes)
  if (equal(current, copy)) return { bootAreaSha256: sha256Hex(copy), alreadyCommitted: true }
  const first = Math.min(Math.max(SECTOR_BYTES, o.logicalBlockBytes), layout.bootAreaBytes)
  if (first < layout.bootAreaBytes) await writeDurably(o.devicePath, copy.subarray(first), first)
  // the one write that changes what the firmware boots
  await writeDurably(o.devicePath, copy.subarray(0, first), 0)
  return { bootAreaSha256: sha256Hex(copy), alreadyCommitted: false }
}

/** Whether sector 0 of the device currently boots the reserve (a redirect of the saved copy). */
export async function isRedirected(o: {
  devicePath: string
  stateDir: string
  layout: ReserveLayout
  mbrCode: Uint8Array
}): Promise<boolean> {
  const saved = await readSavedBootArea(o.stateDir, o.layout)
  if (saved === null) return false
  const current = await readRange(o.devicePath, 0, o.layout.bootAreaBytes)
  return isRedirectOf(current, saved, o.mbrCode, o.layout)
}
