/**
 * How a host reaches the files of the VM on its disk while the VM runs.
 *
 * Root mode (`mounted`): the image attached as a loop device with direct I/O
 * (`losetup --direct-io=on`, so its writes reach the image, and the host's
 * disk, when made) and mounted at the host dir's `vm/`; put back by
 * unmounting and detaching. A killed supervisor leaves the mount: the kernel
 * still holds it whole, and the next supervisor unmounts it first (`recover`).
 *
 * Emulated mode (`copied`, no root, so no mount): the tree is copied out with
 * `debugfs -R "rdump / ..."` at boot and written back with `mkfs.ext4 -d`
 * into an image of the same size when the VM leaves its running system. The
 * write-back is atomic (a new image renamed over the old one), and `vm.state`
 * says whether the copy holds changes not yet on the disk: after a crash the
 * next supervisor writes such a copy back before anything reads the disk, so
 * the disk never loses what the VM did before it left. The image's blocks
 * change with each write-back (mkfs lays the tree out afresh); the files do not.
 */
import { readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { listLoops } from '../hosts/sys.js'
import { VmDiskError, VmDiskErrorCode } from './errors.js'
import { imageBytes, runTool, writeTreeToImage } from './vm-disk.js'

export interface VmFilesystem {
  readonly access: 'mounted' | 'copied'
  /** Where the VM's tree is while it runs. */
  readonly root: string
  /** Makes what a killed supervisor left consistent: a mount released, a copy written back. */
  recover(): Promise<void>
  /** Makes the VM's tree available at `root`; throws VmDiskError NO_VM when the disk holds no filesystem. */
  open(): Promise<string>
  /** The VM left its running system: its tree back on the disk, nothing holding the image. */
  close(): Promise<void>
}

function mounted(target: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === target)
  } catch {
    return false
  }
}

/** Unmount retries while a process that held a file is still being reaped, ms. */
const UMOUNT_RETRY_MS = 100
const UMOUNT_TRIES = 50

export class MountedVmFs implements VmFilesystem {
  readonly access = 'mounted'

  constructor(
    private readonly image: string,
    readonly root: string,
  ) {}

  async recover(): Promise<void> {
    await this.release()
  }

  async open(): Promise<string> {
    await this.release()
    await mkdir(this.root, { recursive: true })
    const dev = (
      await runTool('losetup', ['--direct-io=on', '--find', '--show', this.image], "attaching the VM's disk")
    ).trim()
    try {
      await runTool('mount', ['-o', 'noatime', dev, this.root], "mounting the VM's disk")
    } catch (err) {
      await runTool('losetup', ['-d', dev], "detaching the VM's disk").catch(() => undefined)
      throw new VmDiskError(
        VmDiskErrorCode.NO_VM,
        `the VM's disk ${this.image} holds no mountable filesystem: ${(err as Error).message}`,
        { cause: err },
      )
    }
    return this.root
  }

  async close(): Promise<void> {
    await this.release()
  }

  /** Unmounts the tree (if mounted) and detaches every loop device backed by the image. */
  private async release(): Promise<void> {
    for (let i = 0; mounted(this.root); i++) {
      try {
        await runTool('umount', [this.root], "unmounting the VM's disk")
      } catch (err) {
        if (i >= UMOUNT_TRIES)
          throw new VmDiskError(
            VmDiskErrorCode.MOUNT_FAILED,
            `cannot unmount ${this.root}: ${(err as Error).message}; a process still holds a file of the VM`,
            { cause: err },
          )
        await new Promise((r) => setTimeout(r, UMOUNT_RETRY_MS))
      }
    }
    for (const loop of listLoops())
      if (loop.backFile === this.image)
        await runTool('losetup', ['-d', loop.name], "detaching the VM's disk").catch((err) => {
          throw new VmDiskError(
            VmDiskErrorCode.MOUNT_FAILED,
            `cannot detach ${loop.name}: ${(err as Error).message}`,
          )
        })
  }
}

type CopyState = 'dirty' | 'clean'

export class CopiedVmFs implements VmFilesystem {
  readonly access = 'copied'

  constructor(
    private readonly image: string,
    readonly root: string,
    /** Records whether the copy at `root` holds changes not yet written back. */
    private readonly stateFile: string,
  ) {}

  private async state(): Promise<CopyState> {
    try {
      return (await readFile(this.stateFile, 'utf8')).trim() === 'dirty' ? 'dirty' : 'clean'
    } catch {
      return 'clean'
    }
  }

  private async setState(s: CopyState): Promise<void> {
    await writeFileAtomic(this.stateFile, `${s}\n`)
  }

  async recover(): Promise<void> {
    if ((await this.state()) === 'dirty') await this.writeBack()
    await rm(this.root, { recursive: true, force: true })
  }

  async open(): Promise<string> {
    await this.recover()
    const tmp = `${this.root}.copying`
    await rm(tmp, { recursive: true, force: true })
    await mkdir(tmp, { recursive: true })
    // debugfs reports ownership it cannot set without root, and exits 0 even on a blank disk: check the tree
    await runTool('debugfs', ['-R', `rdump / ${tmp}`, this.image], "copying the VM's tree out of its disk")
    const entries = await readdir(tmp)
    if (entries.length === 0) {
      await rm(tmp, { recursive: true, force: true })
      throw new VmDiskError(VmDiskErrorCode.NO_VM, `the VM's disk ${this.image} holds no ext4 filesystem`)
    }
    await rename(tmp, this.root)
    await this.setState('dirty')
    return this.root
  }

  async close(): Promise<void> {
    if ((await this.state()) === 'dirty') await this.writeBack()
    await rm(this.root, { recursive: true, force: true })
  }

  private async writeBack(): Promise<void> {
    await writeTreeToImage(this.root, this.image, await imageBytes(this.image))
    await this.setState('clean')
  }
}
