/**
 * The disk as the swap must see it on a VBoom disk (boot-area.ts, step 2):
 * its size is the swapped region [0, swapBytes) (the reserve is outside
 * it), and its first `bootAreaBytes` are the reserve's saved copy of the
 * boot area rather than the device's sector 0 (which boots the stateless
 * image while the swap runs). Reads and writes that cross the boundary are
 * split. It has no `fd`: the swap's mapped hashing reads through an fd and
 * would see the device's redirect instead of the true boot area, so it falls
 * back to `read` here.
 *
 * The device is opened without the swapper's in-use check, which refuses a
 * disk with any mounted partition: the reserve's state partition is mounted
 * while the swap runs. This view makes its own check: nothing of the swapped
 * region may be mounted or held.
 */
import { constants as fsc, readSync, writeSync } from 'node:fs'
import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { deviceNumbers } from '../../swapper/block-device.js'
import { type Disk, type DiskKind, openDisk } from '../../swapper/disk.js'
import { DiskInUseError, DiskIoCode, DiskIoError, SwapInternalError } from '../../swapper/errors.js'
import { STATE_FILES } from '../constants.js'
import { SECTOR_BYTES } from '../disk/mbr.js'
import { ReserveCode, ReserveError } from '../errors.js'
import type { ReserveLayout } from './layout.js'

export class ReservedSwapDisk implements Disk {
  readonly size: number
  readonly kind: DiskKind

  private constructor(
    private readonly device: Disk,
    private readonly copy: FileHandle,
    private readonly copyPath: string,
    private readonly areaBytes: number,
    swapBytes: number,
  ) {
    this.size = swapBytes
    this.kind = device.kind
  }

  get path(): string {
    return this.device.path
  }

  /**
   * Opens the swapped region of `devicePath` with the boot area from
   * `<stateDir>/boot/boot-area.bin` (which must exist: `redirectBoot` wrote it).
   */
  static async open(o: {
    devicePath: string
    stateDir: string
    layout: ReserveLayout
    writable?: boolean
  }): Promise<ReservedSwapDisk> {
    const { layout } = o
    const device = await openDisk(o.devicePath, { writable: o.writable === true, checkInUse: false })
    try {
      if (device.size !== layout.diskBytes)
        throw new ReserveError(
          ReserveCode.LAYOUT,
          `${o.devicePath} is ${device.size} bytes but its reserve layout was made for ${layout.diskBytes}; nothing was written. The disk was resized: restore its size`,
        )
      if (device.kind === 'block') await assertSwapRegionFree(o.devicePath, layout)
      const copyPath = join(o.stateDir, STATE_FILES.bootArea)
      const copy = await open(copyPath, o.writable === true ? fsc.O_RDWR : fsc.O_RDONLY)
      const st = await copy.stat()
      if (st.size !== layout.bootAreaBytes) {
        await copy.close()
        throw new ReserveError(
          ReserveCode.BOOT_AREA_LOST,
          `the saved boot area ${copyPath} is ${st.size} bytes, not ${layout.bootAreaBytes}; the disk keeps booting the stateless image. Restore the VM's boot area from a backup`,
        )
      }
      return new ReservedSwapDisk(device, copy, copyPath, layout.bootAreaBytes, layout.swapBytes)
    } catch (err) {
      await device.close()
      throw err
    }
  }

  private check(what: 'read' | 'write', buf: Uint8Array, position: number): void {
    if (position < 0 || position + buf.length > this.size) {
      throw new SwapInternalError(
        'DISK_OUT_OF_RANGE',
        `${what} of ${buf.length} bytes at byte ${position} of ${this.path} is outside the swapped region (${this.size} bytes)`,
        'it was refused before any byte moved; the reserve is untouched',
      )
    }
  }

  /** The part of [position, position+length) inside the boot area, as a length (0 when none). */
  private inArea(position: number, length: number): number {
    return Math.max(0, Math.min(length, this.areaBytes - position))
  }

  private copyError(what: string, err: unknown): DiskIoError {
    return new DiskIoError(
      what === 'read' ? DiskIoCode.READ : DiskIoCode.WRITE,
      this.copyPath,
      `${what} of the saved boot area ${this.copyPath} failed: ${(err as Error).message}; check the reserve's filesystem, then run the swap again (it resumes from its journal)`,
      { cause: err },
    )
  }

  async read(buf: Uint8Array, position: number): Promise<void> {
    this.check('read', buf, position)
    const head = this.inArea(position, buf.length)
    if (head > 0) {
      let done = 0
      try {
        while (done < head) {
          const { bytesRead } = await this.copy.read(buf, done, head - done, position + done)
          if (bytesRead === 0) throw new Error('the copy ended early')
          done += bytesRead
        }
      } catch (err) {
        throw this.copyError('read', err)
      }
    }
    if (head < buf.length) await this.device.read(buf.subarray(head), position + head)
  }

  async write(buf: Uint8Array, position: number): Promise<void> {
    this.check('write', buf, position)
    const head = this.inArea(position, buf.length)
    if (head > 0) {
      let done = 0
      try {
        while (done < head) {
          const { bytesWritten } = await this.copy.write(buf, done, head - done, position + done)
          done += bytesWritten
        }
      } catch (err) {
        throw this.copyError('write', err)
      }
    }
    if (head < buf.length) await this.device.write(buf.subarray(head), position + head)
  }

  readSync(buf: Uint8Array, position: number): void {
    this.check('read', buf, position)
    const head = this.inArea(position, buf.length)
    if (head > 0) {
      let done = 0
      try {
        while (done < head) {
          const n = readSync(this.copy.fd, buf, done, head - done, position + done)
          if (n === 0) throw new Error('the copy ended early')
          done += n
        }
      } catch (err) {
        throw this.copyError('read', err)
      }
    }
    if (head < buf.length) this.device.readSync(buf.subarray(head), position + head)
  }

  writeSync(buf: Uint8Array, position: number): void {
    this.check('write', buf, position)
    const head = this.inArea(position, buf.length)
    if (head > 0) {
      let done = 0
      try {
        while (done < head) done += writeSync(this.copy.fd, buf, done, head - done, position + done)
      } catch (err) {
        throw this.copyError('write', err)
      }
    }
    if (head < buf.length) this.device.writeSync(buf.subarray(head), position + head)
  }

  async flush(): Promise<void> {
    await this.device.flush()
    try {
      await this.copy.sync()
    } catch (err) {
      throw this.copyError('write', err)
    }
  }

  async close(): Promise<void> {
    await this.copy.close().catch(() => undefined)
    await this.device.close()
  }
}

/** Mounts (by maj:min, /proc/self/mountinfo field 3) of partitions inside the swapped region refuse the swap. */
async function assertSwapRegionFree(devicePath: string, layout: ReserveLayout): Promise<void> {
  const st = await stat(devicePath)
  const { major, minor } = deviceNumbers(st.rdev)
  const dir = `/sys/dev/block/${major}:${minor}`
  const inside = new Map<string, string>()
  inside.set(`${major}:${minor}`, devicePath)
  for (const e of await readdir(dir).catch(() => [] as string[])) {
    const start = Number((await readFile(join(dir, e, 'start'), 'utf8').catch(() => '')).trim())
    if (
      !Number.isSafeInteger(start) ||
      (await readFile(join(dir, e, 'partition'), 'utf8').catch(() => null)) === null
    )
      continue
    if (start * SECTOR_BYTES >= layout.swapBytes) continue // a reserve partition: may be mounted
    const dev = (await readFile(join(dir, e, 'dev'), 'utf8')).trim()
    inside.set(dev, `/dev/${e}`)
  }
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ')
    const name = f[2] === undefined ? undefined : inside.get(f[2])
    if (name !== undefined)
      throw new DiskInUseError(devicePath, 'mounted', `${name} is mounted on ${f[4]}`, `unmount ${f[4]}`)
  }
}
