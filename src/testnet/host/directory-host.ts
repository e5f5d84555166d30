/**
 * A directory host: the smallest emulated host, without a fabric or a
 * supervisor: a directory (its disk), the processes started on it, and, when
 * asked, a disk-speed limit. Tests of verification use it where a whole
 * testnet host (src/testnet/hosts/ with its supervisor) is more than they need.
 *
 * What is real and what is emulated:
 * - the disk limit is real: a cgroup v1 blkio throttle (`blkio.throttle.
 *   {read,write}_bps_device`) on the block device under the host's directory,
 *   applied to every process of the host. It binds direct, O_DSYNC and
 *   uncached I/O, which is what the disk benchmarks do (a 50 MiB/s cap was
 *   measured at 49-54 MiB/s). It needs root and cgroup v1 blkio; without them a
 *   limit is refused (DISK_LIMIT_UNAVAILABLE) rather than faked.
 * - a reboot is emulated as the host supervisor does it (remote-boot.ts):
 *   `bootRemote` freezes the VM's processes and runs the image's entry as a
 *   process of the same host (same cgroup, same disk); closing the session
 *   kills the image and lets the VM run on.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VBoomError } from '../../protocols/errors.js'
import type { BootTarget, RemoteSession, VerificationImage } from '../../runtime/platform.js'
import { execArgvFor, signalAll, startImage } from './remote-boot.js'

const BLKIO = '/sys/fs/cgroup/blkio'

/** DISK_LIMIT_UNAVAILABLE (no root or no blkio), ALREADY_BOOTED (a verification runs). */
export class DirectoryHostError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'DirectoryHostError'
  }
}

export interface DiskLimit {
  /** bytes/s */
  readBps?: number
  /** bytes/s */
  writeBps?: number
}

export interface DirectoryHostInit {
  location: string
  /** The host's disk: a directory on a real block device. */
  dir: string
  disk?: DiskLimit
}

/** Why a disk limit cannot be enforced here, or null if it can. */
export function diskLimitUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'disk limits need root (cgroup v1 blkio)'
  if (!existsSync(join(BLKIO, 'blkio.throttle.write_bps_device')))
    return 'no cgroup v1 blkio controller at /sys/fs/cgroup/blkio'
  return null
}

/** major:minor of the whole disk holding `dir` (blkio throttles whole disks). */
async function diskOf(dir: string): Promise<string> {
  const dev = statSync(dir).dev
  const major = Math.floor(dev / 256) & 0xfff
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff)
  if (major === 0)
    throw new DirectoryHostError(
      'DISK_LIMIT_UNAVAILABLE',
      `${dir} is not on a block device; put the host's dir on a disk, or run without a disk limit`,
    )
  const sys = `/sys/dev/block/${major}:${minor}`
  if (existsSync(join(sys, 'partition'))) return (await readFile(join(sys, '..', 'dev'), 'utf8')).trim()
  return `${major}:${minor}`
}

export class DirectoryHost implements BootTarget {
  readonly kind = 'testnet'
  private readonly vms = new Set<ChildProcess>()
  private booted = false

  private constructor(
    readonly location: string,
    readonly diskDir: string,
    /** The host's blkio cgroup, when it has a disk limit. */
    private readonly cgroup: string | null,
  ) {}

  static async create(init: DirectoryHostInit): Promise<DirectoryHost> {
    await mkdir(init.dir, { recursive: true })
    const limit = init.disk
    if (limit === undefined || (limit.readBps === undefined && limit.writeBps === undefined))
      return new DirectoryHost(init.location, init.dir, null)
    const why = diskLimitUnavailable()
    if (why !== null) throw new DirectoryHostError('DISK_LIMIT_UNAVAILABLE', why)
    const dev = await diskOf(init.dir)
    const cgroup = join(BLKIO, `vboom-${randomBytes(6).toString('hex')}`)
    await mkdir(cgroup)
    try {
      if (limit.writeBps !== undefined)
        await writeFile(
          join(cgroup, 'blkio.throttle.write_bps_device'),
          `${dev} ${Math.round(limit.writeBps)}`,
        )
      if (limit.readBps !== undefined)
        await writeFile(join(cgroup, 'blkio.throttle.read_bps_device'), `${dev} ${Math.round(limit.readBps)}`)
    } catch (err) {
      await rmdir(cgroup).catch(() => {})
      throw new DirectoryHostError(
        'DISK_LIMIT_UNAVAILABLE',
        `cannot set the blkio limit: ${(err as Error).message}; run without a disk limit`,
        { cause: err },
      )
    }
    return new DirectoryHost(init.location, init.dir, cgroup)
  }

  /** Whether this host's disk limit is enforced by the kernel (cgroup blkio). */
  get diskLimited(): boolean {
    return this.cgroup !== null
  }

  private async place(child: ChildProcess): Promise<void> {
    if (this.cgroup === null || child.pid === undefined) return
    await writeFile(join(this.cgroup, 'cgroup.procs'), String(child.pid))
  }

  /**
   * Starts a process of the VM on this host (its agent, say): inside the
   * host's cgroup, with the host's disk dir in VBOOM_HOST_DISK and an IPC
   * channel. Resolves once it is placed.
   */
  async spawnVm(entry: string, args: string[] = [], env: Record<string, string> = {}): Promise<ChildProcess> {
    const child = fork(entry, args, {
      execArgv: execArgvFor(entry),
      env: { ...process.env, ...env, VBOOM_HOST_DISK: this.diskDir },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      serialization: 'advanced',
    })
    await this.place(child)
    this.vms.add(child)
    child.once('exit', () => this.vms.delete(child))
    return child
  }

  private vmPids(): number[] {
    return [...this.vms].flatMap((vm) => (vm.pid === undefined ? [] : [vm.pid]))
  }

  async bootRemote(image: VerificationImage): Promise<RemoteSession> {
    if (this.booted)
      throw new DirectoryHostError(
        'ALREADY_BOOTED',
        `${this.location} is already running the verification image; wait for that verification to end`,
      )
    this.booted = true
    // The VM's code stops: nothing of the owner's runs while the anchor measures.
    signalAll(this.vmPids(), 'SIGSTOP')
    const thaw = (): void => {
      signalAll(this.vmPids(), 'SIGCONT')
      this.booted = false
    }
    try {
      return await startImage(image, { diskDir: this.diskDir, place: (c) => this.place(c), onClosed: thaw })
    } catch (err) {
      thaw()
      throw err
    }
  }

  /** Stops the VM's processes and removes the cgroup. */
  async close(): Promise<void> {
    const gone = [...this.vms].map(
      (vm) => new Promise<void>((r) => (vm.exitCode !== null ? r() : vm.once('exit', () => r()))),
    )
    for (const vm of this.vms) {
      vm.kill('SIGCONT')
      vm.kill('SIGKILL')
    }
    await Promise.all(gone)
    if (this.cgroup !== null) {
      // A cgroup can be removed once its processes are gone; the kernel may lag a moment.
      for (let i = 0; i < 50; i++) {
        try {
          await rmdir(this.cgroup)
          break
        } catch {
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    }
  }
}
