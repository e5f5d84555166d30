/**
 * The MBR (sector 0 of a BIOS-booted disk): 440 bytes of boot code, a
 * 4-byte disk signature, 2 reserved bytes, four 16-byte partition entries
 * from byte 446, and the 0x55 0xAA signature at byte 510. The BIOS loads
 * this one sector and runs its code; that code (syslinux's mbr.bin here)
 * loads the boot sector of the partition flagged active (0x80). This is the
 * only sector the firmware reads on its own, which is why the boot-level
 * crash safety turns on it (reserve/boot-area.ts).
 */
import { ReserveCode, ReserveError } from '../errors.js'

export const SECTOR_BYTES = 512
/** Boot code ends where the disk signature starts (UEFI spec 5.2.1, "Legacy MBR"). */
export const MBR_CODE_BYTES = 440
const SIGNATURE_OFFSET = 440
const TABLE_OFFSET = 446
const ENTRY_BYTES = 16
const ENTRIES = 4
const ACTIVE = 0x80
/** The partition type of a GPT's protective MBR entry. */
export const GPT_PROTECTIVE_TYPE = 0xee
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85])

export interface MbrPartition {
  /** 1-4: the kernel names it <disk><index> (vda1...). */
  index: number
  active: boolean
  type: number
  startLba: number
  sectors: number
}

export interface Mbr {
  diskSignature: number
  partitions: MbrPartition[]
}

/**
 * The partition table of sector 0. Throws BOOT_SCHEME_UNSUPPORTED when the
 * sector has no MBR signature, when it is a GPT's protective MBR (the
 * redirect below is written for MBR disks; GPT disks need the design's GPT
 * variant), or when it uses extended partitions.
 */
export function parseMbr(sector: Uint8Array): Mbr {
  if (sector.length < SECTOR_BYTES)
    throw new ReserveError(ReserveCode.BOOT_SCHEME_UNSUPPORTED, `sector 0 is ${sector.length} bytes, not 512`)
  const v = new DataView(sector.buffer, sector.byteOffset, SECTOR_BYTES)
  if (sector[510] !== 0x55 || sector[511] !== 0xaa)
    throw new ReserveError(
      ReserveCode.BOOT_SCHEME_UNSUPPORTED,
      'sector 0 has no MBR signature (0x55AA): the disk has no MBR partition table. VBoom boots its stateless image through an MBR; give the VM a disk partitioned with an MBR',
    )
  const partitions: MbrPartition[] = []
  for (let k = 0; k < ENTRIES; k++) {
    const at = TABLE_OFFSET + k * ENTRY_BYTES
    const type = v.getUint8(at + 4)
    if (type === 0) continue
    if (type === GPT_PROTECTIVE_TYPE)
      throw new ReserveError(
        ReserveCode.BOOT_SCHEME_UNSUPPORTED,
        'the disk is partitioned with GPT (its sector 0 is a protective MBR); this version of VBoom redirects the boot of MBR disks only. Use an MBR-partitioned boot disk',
      )
    if (EXTENDED_TYPES.has(type))
      throw new ReserveError(
        ReserveCode.BOOT_SCHEME_UNSUPPORTED,
        `partition ${k + 1} is an extended partition; VBoom needs primary partitions only. Repartition without logical partitions`,
      )
    partitions.push({
      index: k + 1,
      active: v.getUint8(at) === ACTIVE,
      type,
      startLba: v.getUint32(at + 8, true),
      sectors: v.getUint32(at + 12, true),
    })
  }
  return { diskSignature: v.getUint32(SIGNATURE_OFFSET, true), partitions }
}

/** One partition entry: CHS fields set to the "use LBA" marker (0xFE 0xFF 0xFF), as modern tools write them. */
function entryBytes(p: { active: boolean; type: number; startLba: number; sectors: number }): Uint8Array {
  const e = new Uint8Array(ENTRY_BYTES)
  const v = new DataView(e.buffer)
  v.setUint8(0, p.active ? ACTIVE : 0)
  e.set([0xfe, 0xff, 0xff], 1)
  v.setUint8(4, p.type)
  e.set([0xfe, 0xff, 0xff], 5)
  v.setUint32(8, p.startLba, true)
  v.setUint32(12, p.sectors, true)
  return e
}

/** Writes partition entry `index` (1-4) into a copy of `sector`. */
export function withPartition(
  sector: Uint8Array,
  index: number,
  p: { active: boolean; type: number; startLba: number; sectors: number },
): Uint8Array {
  const out = Uint8Array.from(sector.subarray(0, SECTOR_BYTES))
  out.set(entryBytes(p), TABLE_OFFSET + (index - 1) * ENTRY_BYTES)
  out[510] = 0x55
  out[511] = 0xaa
  return out
}

/**
 * Sector 0 that boots partition `bootIndex`: `code` (an MBR boot program
 * that chain-loads the active partition, syslinux's mbr.bin) in place of the
 * disk's own, the disk signature and every partition entry kept, and only
 * `bootIndex` flagged active. Everything that describes the disk stays as
 * it was: the kernel and the VM's tools see the same partitions.
 */
export function redirectedMbr(sector: Uint8Array, code: Uint8Array, bootIndex: number): Uint8Array {
  const mbr = parseMbr(sector)
  if (!mbr.partitions.some((p) => p.index === bootIndex))
    throw new ReserveError(ReserveCode.LAYOUT, `partition ${bootIndex} is not in the partition table`)
  if (code.length < MBR_CODE_BYTES)
    throw new ReserveError(
      ReserveCode.LAYOUT,
      `the MBR boot program is ${code.length} bytes, expected at least ${MBR_CODE_BYTES} (syslinux's mbr.bin)`,
    )
  const out = Uint8Array.from(sector.subarray(0, SECTOR_BYTES))
  out.set(code.subarray(0, MBR_CODE_BYTES), 0)
  for (let k = 0; k < ENTRIES; k++) {
    const at = TABLE_OFFSET + k * ENTRY_BYTES
    if (out[at + 4] === 0) continue
    out[at] = k + 1 === bootIndex ? ACTIVE : 0
  }
  return out
}
