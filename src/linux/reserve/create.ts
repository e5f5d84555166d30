/**
 * Creates the reserve (layout.ts) in free space at the end of an MBR disk,
 * on a block device or an image file, without mounting anything:
 * mkfs.fat --offset and syslinux --offset make the boot partition in place,
 * mcopy (mtools, `image@@offset`) fills it, mkfs.ext4 -E offset= -d makes
 * the state partition from a directory, and two entries are added to the
 * partition table last (until then the disk is as it was: the new
 * filesystems lie in space no partition describes).
 *
 * The boot partition boots the stateless image through syslinux when the
 * disk's sector 0 is redirected to it (boot-area.ts); the state partition
 * also holds a copy of the same kernel and initramfs for the kexec path.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  CMDLINE_KEYS,
  DEFAULT_RESERVE_BOOT_BYTES,
  MIN_RESERVE_STATE_BYTES,
  RESERVE_BOOT_LABEL,
  RESERVE_BOOT_TYPE,
  RESERVE_STATE_LABEL,
  RESERVE_STATE_TYPE,
  STATE_FILES,
} from '../constants.js'
import { diskBytesOf, readRange, writeDurably } from '../disk/devices.js'
import { MBR_CODE_BYTES, parseMbr, SECTOR_BYTES, withPartition } from '../disk/mbr.js'
import { ReserveCode, ReserveError } from '../errors.js'
import { type ReserveLayout, reserveFromTable } from './layout.js'

const run = promisify(execFile)

/** Partitions start on 1 MiB boundaries (2048 sectors), as every partitioning tool aligns them. */
const ALIGN_SECTORS = 2048
/** Where Debian's syslinux-common puts the MBR boot program. */
export const DEFAULT_MBR_CODE = '/usr/lib/syslinux/mbr/mbr.bin'

export interface ReserveImage {
  kernel: string
  initramfs: string
  /** Kernel arguments of the stateless image (console, panic...); the reserve adds vboom.state. */
  cmdline: string
}

export interface CreateReserveOptions {
  /** Block device or image file with an MBR and free space at its end. */
  disk: string
  image: ReserveImage
  bootBytes?: number
  stateBytes?: number
  /** syslinux's mbr.bin (copied into the reserve; written to sector 0 on every redirect). */
  mbrCode?: string
}

/** The arguments the stateless kernel is started with: the image's own, and where the state partition is. */
export function stateCmdline(base: string, layout: ReserveLayout): string {
  return `${base.trim()} ${CMDLINE_KEYS.state}=${layout.state.startLba}:${layout.state.sectors}`.trim()
}

export function syslinuxConfig(cmdline: string): string {
  return [
    'SERIAL 0 115200',
    'PROMPT 0',
    'TIMEOUT 0',
    'DEFAULT vboom',
    'LABEL vboom',
    '  LINUX /vmlinuz',
    '  INITRD /initrd.img',
    `  APPEND ${cmdline} ${CMDLINE_KEYS.via}=reserve`,
    '',
  ].join('\n')
}

async function tool(name: string, args: string[], pkg: string): Promise<string> {
  try {
    return (await run(name, args, { maxBuffer: 16 * 2 ** 20 })).stdout
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT')
      throw new ReserveError(
        ReserveCode.TOOL_MISSING,
        `${name} is not installed; install ${pkg} (apt-get install ${pkg}) and run again. The disk was not changed`,
      )
    throw new ReserveError(
      ReserveCode.IO,
      `${name} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}; the partition table was not changed, so the disk is as it was`,
      { cause: err },
    )
  }
}

/** Where the two reserve partitions go on a disk of `diskSectors` (the state partition ends at the last sector). */
export function planReserve(
  sector0: Uint8Array,
  diskBytes: number,
  bootBytes: number,
  stateBytes: number,
): {
  boot: { index: number; startLba: number; sectors: number }
  state: { index: number; startLba: number; sectors: number }
} {
  const { partitions } = parseMbr(sector0)
  const diskSectors = Math.floor(diskBytes / SECTOR_BYTES)
  const stateStart = Math.floor((diskSectors - stateBytes / SECTOR_BYTES) / ALIGN_SECTORS) * ALIGN_SECTORS
  const bootStart = Math.floor((stateStart - bootBytes / SECTOR_BYTES) / ALIGN_SECTORS) * ALIGN_SECTORS
  const used = partitions.reduce((m, p) => Math.max(m, p.startLba + p.sectors), 1)
  if (bootStart < used)
    throw new ReserveError(
      ReserveCode.NO_SPACE,
      `the reserve needs ${((bootBytes + stateBytes) / 2 ** 20).toFixed(0)} MiB after the last partition, which ends at MiB ${(used / 2048).toFixed(0)} of ${(diskSectors / 2048).toFixed(0)}; grow the disk (the provider's resize) by that much, or shrink the last partition, then run again`,
    )
  const free = [1, 2, 3, 4].filter((i) => !partitions.some((p) => p.index === i))
  if (free.length < 2)
    throw new ReserveError(
      ReserveCode.NO_SPACE,
      'the partition table has fewer than two free entries (an MBR holds four); the reserve needs two. Merge partitions, then run again',
    )
  return {
    boot: { index: free[0]!, startLba: bootStart, sectors: stateStart - bootStart },
    state: { index: free[1]!, startLba: stateStart, sectors: diskSectors - stateStart },
  }
}

/** Creates the reserve and returns its layout. The disk must not already have one. */
export async function createReserve(o: CreateReserveOptions): Promise<ReserveLayout> {
  const bootBytes = o.bootBytes ?? DEFAULT_RESERVE_BOOT_BYTES
  const stateBytes = o.stateBytes ?? MIN_RESERVE_STATE_BYTES
  if (stateBytes < MIN_RESERVE_STATE_BYTES)
    throw new ReserveError(
      ReserveCode.NO_SPACE,
      `a state partition of ${stateBytes / 2 ** 20} MiB is below the minimum of ${MIN_RESERVE_STATE_BYTES / 2 ** 20} MiB (the image's copy and the swap's margin); pass a larger size`,
    )
  const diskBytes = await diskBytesOf(o.disk)
  const sector0 = await readRange(o.disk, 0, SECTOR_BYTES)
  if (reserveFromTable(sector0, diskBytes) !== null)
    throw new ReserveError(ReserveCode.LAYOUT, `${o.disk} already has a VBoom reserve; nothing was changed`)
  const plan = planReserve(sector0, diskBytes, bootBytes, stateBytes)
  const mbrCode = await readFile(o.mbrCode ?? DEFAULT_MBR_CODE).catch(() => {
    throw new ReserveError(
      ReserveCode.TOOL_MISSING,
      `syslinux's MBR boot program (${o.mbrCode ?? DEFAULT_MBR_CODE}) is missing; apt-get install syslinux-common, then run again. The disk was not changed`,
    )
  })
  if (mbrCode.length < MBR_CODE_BYTES)
    throw new ReserveError(ReserveCode.LAYOUT, `${o.mbrCode ?? DEFAULT_MBR_CODE} is not an MBR boot program`)

  const sectorBytes = (lba: number): number => lba * SECTOR_BYTES
  const layoutAfter: ReserveLayout = {
    diskBytes,
    swapBytes: sectorBytes(plan.boot.startLba),
    bootAreaBytes: 0,
    boot: { ...plan.boot, active: false, type: RESERVE_BOOT_TYPE },
    state: { ...plan.state, active: false, type: RESERVE_STATE_TYPE },
  }
  const cmdline = stateCmdline(o.image.cmdline, layoutAfter)
  const work = await mkdtemp(join(tmpdir(), 'vboom-reserve-'))
  try {
    // boot partition: FAT16 with syslinux, the stateless kernel and initramfs
    const bootOffset = sectorBytes(plan.boot.startLba)
    const bootKiB = (plan.boot.sectors * SECTOR_BYTES) / 1024
    await tool(
      'mkfs.fat',
      ['-F', '16', '-n', RESERVE_BOOT_LABEL, '--offset', String(plan.boot.startLba), o.disk, String(bootKiB)],
      'dosfstools',
    )
    await tool('syslinux', ['--offset', String(bootOffset), '--install', o.disk], 'syslinux')
    const cfg = join(work, 'syslinux.cfg')
    await writeFile(cfg, syslinuxConfig(cmdline))
    const fat = `${o.disk}@@${bootOffset}`
    await tool('mcopy', ['-o', '-i', fat, o.image.kernel, '::/vmlinuz'], 'mtools')
    await tool('mcopy', ['-o', '-i', fat, o.image.initramfs, '::/initrd.img'], 'mtools')
    await tool('mcopy', ['-o', '-i', fat, cfg, '::/syslinux.cfg'], 'mtools')

    // state partition: ext4 from a directory
    const tree = join(work, 'state')
    for (const d of ['boot', STATE_FILES.swap, STATE_FILES.log, STATE_FILES.scratch])
      await mkdir(join(tree, d), { recursive: true })
    await copyFile(o.image.kernel, join(tree, STATE_FILES.kernel))
    await copyFile(o.image.initramfs, join(tree, STATE_FILES.initramfs))
    await writeFile(join(tree, STATE_FILES.cmdline), `${cmdline}\n`)
    await writeFile(join(tree, STATE_FILES.mbrCode), mbrCode.subarray(0, MBR_CODE_BYTES))
    const stateKiB = (plan.state.sectors * SECTOR_BYTES) / 1024
    await tool(
      'mkfs.ext4',
      [
        '-q',
        '-F',
        '-L',
        RESERVE_STATE_LABEL,
        '-d',
        tree,
        '-E',
        `offset=${sectorBytes(plan.state.startLba)}`,
        o.disk,
        `${stateKiB}k`,
      ],
      'e2fsprogs',
    )

    // the partition table last: from here on the reserve exists
    let table = withPartition(sector0, plan.boot.index, layoutAfter.boot)
    table = withPartition(table, plan.state.index, layoutAfter.state)
    await writeDurably(o.disk, table, 0)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  const layout = reserveFromTable(await readRange(o.disk, 0, SECTOR_BYTES), diskBytes)
  if (layout === null)
    throw new ReserveError(
      ReserveCode.LAYOUT,
      `the reserve written to ${o.disk} does not read back; check the disk`,
    )
  return layout
}
