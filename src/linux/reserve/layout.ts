/**
 * The VBoom disk layout: a VM's disk ends with a reserve that belongs to the
 * location, not to the VM, and that the swap never touches.
 *
 *   [0, swapBytes)                       the VM: partition table, bootloader, its partitions
 *   [swapBytes, +boot)                   reserve boot partition (FAT, syslinux): stateless kernel + initramfs
 *   [.., diskBytes)                      reserve state partition (ext4): boot record, the true boot
 *                                        area, the swap's journal and staging, logs
 *
 * Both reserve partitions are entries of the VM's own partition table, so
 * every VM of a layout has them at the same place: after a swap, the
 * partner's partition table describes this disk's reserve exactly (checked
 * before the new boot area is written, boot-area.ts). The reserve is found
 * by geometry (the last two partitions, ending at the disk's end, back to
 * back) and by content (the FAT label and the ext4 label), never by label
 * alone: the swapped region holds the partner's partitions, which could
 * carry any label.
 */
import { BOOT_AREA_BYTES, RESERVE_BOOT_LABEL, RESERVE_STATE_LABEL } from '../constants.js'
import { readRange } from '../disk/devices.js'
import { type MbrPartition, parseMbr, SECTOR_BYTES } from '../disk/mbr.js'
import { ReserveCode, ReserveError } from '../errors.js'

export interface ReserveLayout {
  diskBytes: number
  /** The swapped region is [0, swapBytes): everything before the reserve. */
  swapBytes: number
  /** The first bytes of the disk the swap sees through the reserve's copy. */
  bootAreaBytes: number
  boot: MbrPartition
  state: MbrPartition
}

const FAT16_LABEL_OFFSET = 0x2b
const FAT32_LABEL_OFFSET = 0x47
const EXT4_SUPERBLOCK = 1024
const EXT4_MAGIC_OFFSET = 0x38
const EXT4_LABEL_OFFSET = 0x78

const ascii = (b: Uint8Array): string => new TextDecoder('latin1').decode(b).replace(/[\0 ]+$/, '')

/** The FAT volume label in a partition's boot sector (FAT12/16 or FAT32 position). */
export function fatLabel(bootSector: Uint8Array): string {
  const fat16 = ascii(bootSector.subarray(FAT16_LABEL_OFFSET, FAT16_LABEL_OFFSET + 11))
  if (fat16 === RESERVE_BOOT_LABEL) return fat16
  return ascii(bootSector.subarray(FAT32_LABEL_OFFSET, FAT32_LABEL_OFFSET + 11))
}

/** The ext4 label from the first 2 KiB of a partition, or null when it holds no ext2/3/4 superblock. */
export function ext4Label(head: Uint8Array): string | null {
  const sb = head.subarray(EXT4_SUPERBLOCK, EXT4_SUPERBLOCK + 1024)
  if (sb.length < 1024 || sb[EXT4_MAGIC_OFFSET] !== 0x53 || sb[EXT4_MAGIC_OFFSET + 1] !== 0xef) return null
  return ascii(sb.subarray(EXT4_LABEL_OFFSET, EXT4_LABEL_OFFSET + 16))
}

/**
 * The reserve as the partition table in `sector0` describes it on a disk of
 * `diskBytes`, or null when the table has no reserve (geometry only; `findReserve`
 * also checks the partitions' content).
 */
export function reserveFromTable(sector0: Uint8Array, diskBytes: number): ReserveLayout | null {
  const { partitions } = parseMbr(sector0)
  if (partitions.length < 2) return null
  const sorted = [...partitions].sort((a, b) => a.startLba - b.startLba)
  const state = sorted[sorted.length - 1]!
  const boot = sorted[sorted.length - 2]!
  const diskSectors = Math.floor(diskBytes / SECTOR_BYTES)
  // rule: the state partition ends at the disk's last sector, the boot partition right before it
  if (state.startLba + state.sectors !== diskSectors) return null
  if (boot.startLba + boot.sectors !== state.startLba) return null
  // rule: nothing of the VM reaches into the reserve
  for (const p of sorted.slice(0, -2)) if (p.startLba + p.sectors > boot.startLba) return null
  return { diskBytes, swapBytes: boot.startLba * SECTOR_BYTES, bootAreaBytes: BOOT_AREA_BYTES, boot, state }
}

/** Whether two tables describe the same reserve (same partitions at the same places). */
export function sameReserve(a: ReserveLayout, b: ReserveLayout): boolean {
  const eq = (x: MbrPartition, y: MbrPartition): boolean =>
    x.index === y.index && x.startLba === y.startLba && x.sectors === y.sectors && x.type === y.type
  return (
    a.diskBytes === b.diskBytes && a.swapBytes === b.swapBytes && eq(a.boot, b.boot) && eq(a.state, b.state)
  )
}

/**
 * The reserve of the disk at `path` (block device or image file) whose first
 * 512 bytes are `sector0` (passed in: while a swap runs, the true table is
 * the saved copy's). Throws RESERVE_MISSING when the table has none, and
 * RESERVE_LAYOUT when the partitions are there but do not hold the reserve's
 * filesystems.
 */
export async function findReserve(
  path: string,
  diskBytes: number,
  sector0: Uint8Array,
): Promise<ReserveLayout> {
  const layout = reserveFromTable(sector0, diskBytes)
  if (layout === null)
    throw new ReserveError(
      ReserveCode.MISSING,
      `${path} has no VBoom reserve at its end (two partitions ending at the last sector, boot then state); create one with vboom reserve create (the disk needs free space after its last partition)`,
    )
  const vbr = await readRange(path, layout.boot.startLba * SECTOR_BYTES, SECTOR_BYTES)
  if (fatLabel(vbr) !== RESERVE_BOOT_LABEL)
    throw new ReserveError(
      ReserveCode.LAYOUT,
      `partition ${layout.boot.index} of ${path} is where the reserve's boot partition belongs but is not labelled ${RESERVE_BOOT_LABEL}; recreate the reserve with vboom reserve create`,
    )
  const head = await readRange(path, layout.state.startLba * SECTOR_BYTES, 2048)
  if (ext4Label(head) !== RESERVE_STATE_LABEL)
    throw new ReserveError(
      ReserveCode.LAYOUT,
      `partition ${layout.state.index} of ${path} is where the reserve's state partition belongs but is not an ext4 filesystem labelled ${RESERVE_STATE_LABEL}; recreate the reserve with vboom reserve create`,
    )
  return layout
}
