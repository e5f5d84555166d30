/** Disks, sysfs trees and ELF files for the Linux platform's unit tests (not a test file itself). */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Test } from 'tap'
import { signImageDir } from '../../src/linux/boot-image/sign-dir.js'
import { SIGNED_IMAGE_FILES } from '../../src/linux/boot-image/signature.js'
import { RESERVE_BOOT_LABEL, RESERVE_STATE_LABEL, STATE_FILES } from '../../src/linux/constants.js'
import { withPartition } from '../../src/linux/disk/mbr.js'
import type { BootParams } from '../../src/node/lifecycle/index.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'

export const MiB = 2 ** 20
export const SECTOR = 512

/** A temp dir removed at the end of the test. */
export async function tempDir(t: Test, prefix = 'vboom-linux-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** 440 bytes standing for syslinux's mbr.bin (the platform only copies them). */
export const FAKE_MBR_CODE = Buffer.alloc(440, 0xb8)

async function writeAt(path: string, data: Uint8Array, position: number): Promise<void> {
  const fh = await open(path, 'r+')
  try {
    await fh.write(data, 0, data.length, position)
  } finally {
    await fh.close()
  }
}

export interface FakeDisk {
  path: string
  diskBytes: number
  /** The VM's first 4 KiB as written (its boot code, table, and the start of the MBR gap). */
  bootArea: Buffer
  /** Partition starts and sizes (sectors). */
  p1: { startLba: number; sectors: number }
  boot: { startLba: number; sectors: number }
  state: { startLba: number; sectors: number }
}

/**
 * An image file laid out like a VBoom disk without any filesystem tool: a
 * VM partition (1), the reserve's boot partition (3) with a FAT volume label
 * in its boot sector, and its state partition (4) with an ext4 superblock
 * that carries the label. `data` bytes of pseudo-random VM content follow the table.
 */
export async function fakeVboomDisk(
  dir: string,
  o: { mib?: number; vmCode?: Buffer } = {},
): Promise<FakeDisk> {
  const mib = o.mib ?? 8
  const path = join(dir, 'disk.raw')
  const diskBytes = mib * MiB
  await writeFile(path, Buffer.alloc(0))
  const fh = await open(path, 'r+')
  await fh.truncate(diskBytes)
  await fh.close()
  const sectors = diskBytes / SECTOR
  const state = { startLba: sectors - 2048, sectors: 2048 } // last 1 MiB
  const boot = { startLba: state.startLba - 2048, sectors: 2048 }
  const p1 = { startLba: 2048, sectors: boot.startLba - 2048 }
  let s0: Uint8Array = new Uint8Array(SECTOR)
  s0.set(o.vmCode ?? Buffer.alloc(440, 0x33), 0)
  s0.set([1, 2, 3, 4], 440)
  s0 = withPartition(s0, 1, { active: true, type: 0x83, ...p1 })
  s0 = withPartition(s0, 3, { active: false, type: 0x0e, ...boot })
  s0 = withPartition(s0, 4, { active: false, type: 0x83, ...state })
  const bootArea = Buffer.concat([Buffer.from(s0), randomBytes(4096 - SECTOR)])
  await writeAt(path, bootArea, 0)
  await writeAt(path, randomBytes(64 * 1024), p1.startLba * SECTOR)
  const vbr = Buffer.alloc(SECTOR)
  vbr.write(RESERVE_BOOT_LABEL.padEnd(11, ' '), 0x2b, 'latin1')
  await writeAt(path, vbr, boot.startLba * SECTOR)
  const sb = Buffer.alloc(1024)
  sb[0x38] = 0x53
  sb[0x39] = 0xef
  sb.write(RESERVE_STATE_LABEL, 0x78, 'latin1')
  await writeAt(path, sb, state.startLba * SECTOR + 1024)
  return { path, diskBytes, bootArea, p1, boot, state }
}

/** A state directory as the reserve's state filesystem has it (mbr.bin, kernel, initramfs, cmdline). */
export async function fakeStateDir(dir: string): Promise<string> {
  const state = join(dir, 'state')
  for (const f of [STATE_FILES.mbrCode, STATE_FILES.kernel, STATE_FILES.initramfs, STATE_FILES.cmdline])
    await mkdir(dirname(join(state, f)), { recursive: true })
  await writeFile(join(state, STATE_FILES.mbrCode), FAKE_MBR_CODE)
  await writeFile(join(state, STATE_FILES.kernel), 'kernel')
  await writeFile(join(state, STATE_FILES.initramfs), 'initramfs')
  await writeFile(join(state, STATE_FILES.cmdline), 'console=ttyS0 vboom.state=1:2\n')
  return state
}

/** A sysfs tree with a DMI identity (and nothing else unless written). */
export async function fakeSys(dir: string, o: { uuid?: string; serial?: string } = {}): Promise<string> {
  const sys = join(dir, 'sys')
  await mkdir(join(sys, 'class', 'dmi', 'id'), { recursive: true })
  await mkdir(join(sys, 'class', 'net'), { recursive: true })
  await mkdir(join(sys, 'block'), { recursive: true })
  if (o.uuid !== undefined) await writeFile(join(sys, 'class', 'dmi', 'id', 'product_uuid'), `${o.uuid}\n`)
  if (o.serial !== undefined)
    await writeFile(join(sys, 'class', 'dmi', 'id', 'product_serial'), `${o.serial}\n`)
  return sys
}

export async function readSector0(path: string): Promise<Buffer> {
  return (await readFile(path)).subarray(0, SECTOR)
}

/**
 * A minimal ELF64 relocatable file with one `.modinfo` section holding
 * `info` (key=value strings), as a kernel module carries them.
 */
export function fakeModule(info: string[]): Buffer {
  const modinfo = Buffer.from(info.map((s) => `${s}\0`).join(''), 'latin1')
  const shstrtab = Buffer.from('\0.modinfo\0.shstrtab\0', 'latin1')
  const ehdr = Buffer.alloc(64)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(ehdr, 0)
  ehdr.writeUInt16LE(1, 0x10) // ET_REL
  ehdr.writeUInt16LE(62, 0x12) // x86-64
  const modinfoOff = 64
  const shstrOff = modinfoOff + modinfo.length
  const shoff = shstrOff + shstrtab.length
  ehdr.writeBigUInt64LE(BigInt(shoff), 0x28)
  ehdr.writeUInt16LE(64, 0x34)
  ehdr.writeUInt16LE(64, 0x3a)
  ehdr.writeUInt16LE(3, 0x3c)
  ehdr.writeUInt16LE(2, 0x3e)
  const sh = Buffer.alloc(64 * 3)
  const section = (k: number, name: number, off: number, size: number): void => {
    sh.writeUInt32LE(name, k * 64)
    sh.writeBigUInt64LE(BigInt(off), k * 64 + 0x18)
    sh.writeBigUInt64LE(BigInt(size), k * 64 + 0x20)
  }
  section(1, 1, modinfoOff, modinfo.length)
  section(2, 10, shstrOff, shstrtab.length)
  return Buffer.concat([ehdr, modinfo, shstrtab, sh])
}

/** Boot parameters of a pending swap (side a), as an agent stores them when it leaves. */
export function pendingSwapParams(): BootParams {
  const a = generateSecretKey()
  return {
    version: 1,
    phase: 'stateless',
    swap: {
      swapId: new Uint8Array(randomBytes(32)),
      role: 'a',
      swapKeys: { a: publicKeyOf(a), b: publicKeyOf(generateSecretKey()) },
      agreement: new Uint8Array(0),
    },
    swapSecretKey: a,
    peerAddrs: ['/ip4/10.0.0.2/tcp/4300'],
    anchor: { publicKey: publicKeyOf(generateSecretKey()), addrs: ['/ip4/10.0.2.2/tcp/4100/p2p/12D3KooW'] },
    network: { listen: ['/ip4/0.0.0.0/tcp/4300'], announce: [] },
    tuning: {},
    leftAtMs: 1,
  }
}

/** A verification image in `dir` (made if missing), signed by `secretKey` for an hour; returns `dir`. */
export async function signedVerificationImage(dir: string, secretKey: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, SIGNED_IMAGE_FILES.kernel), 'kernel bytes')
  await writeFile(join(dir, SIGNED_IMAGE_FILES.initramfs), 'initramfs bytes')
  await writeFile(join(dir, SIGNED_IMAGE_FILES.cmdline), 'console=ttyS0 panic=30\n')
  await signImageDir(dir, { secretKey, purpose: 'verification', notAfter: Date.now() + 3_600_000 })
  return dir
}
