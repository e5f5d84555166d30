/**
 * A host's supervisor as the testnet (and its tests) run it: started inside
 * the host with `host.spawnNode`, watched through its status, killed like a
 * host losing power, started again, stopped.
 */
import type { ChildProcess } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { mkdir, unlink } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LogLevel } from '../../runtime/log.js'
import type { Host } from '../hosts/index.js'
import { listLoops, runSync } from '../hosts/sys.js'
import { SupervisorClient } from './client.js'
import { SupervisorError, SupervisorErrorCode } from './errors.js'
import { type HostLayout, hostLayout } from './layout.js'
import type { SupervisorStatus } from './protocol.js'

const here = fileURLToPath(import.meta.url)
const SUPERVISOR_ENTRY = join(dirname(here), `supervisor-main${extname(here)}`)

/** How long a supervisor may take to listen, ms: tsx compiles its modules on a loaded machine. */
const START_TIMEOUT_MS = 90_000
/** How long a graceful stop may take (the VM's processes stop, its tree is written back), ms. */
const STOP_TIMEOUT_MS = 60_000
/** Status polls while waiting for a state, ms. */
const POLL_MS = 200

export interface SupervisorStartOptions {
  /** Hash the VM disk at every boot (boots.jsonl; the tests compare disks with it). */
  hashDisk?: boolean
  /** Test fault: a power cut at the stateless swapper's n-th `phase:type` event (`phase:type:n`). */
  crashAt?: string
  logLevel?: LogLevel
}

function mountedAt(target: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === target)
  } catch {
    return false
  }
}

/** Whether any process of group `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

export class SupervisorProcess {
  readonly layout: HostLayout
  private child: ChildProcess | null = null
  private exit: Promise<void> = Promise.resolve()

  private constructor(
    readonly host: Host,
    private opts: SupervisorStartOptions,
  ) {
    this.layout = hostLayout(host.info)
  }

  /** Starts the host's supervisor; resolves once it listens (it boots the host in the background). */
  static async start(host: Host, opts: SupervisorStartOptions = {}): Promise<SupervisorProcess> {
    const p = new SupervisorProcess(host, opts)
    await p.launch()
    return p
  }

  get pid(): number | null {
    return this.child?.pid ?? null
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null
  }

  private async launch(): Promise<void> {
    await mkdir(this.layout.logs, { recursive: true })
    const args = [
      ...(this.opts.hashDisk === true ? ['--hash-disk'] : []),
      ...(this.opts.crashAt === undefined ? [] : ['--crash-at', this.opts.crashAt]),
      ...(this.opts.logLevel === undefined ? [] : ['--log-level', this.opts.logLevel]),
    ]
    const logFd = openSync(join(this.layout.logs, 'supervisor.log'), 'a', 0o600)
    const child = this.host.spawnNode(SUPERVISOR_ENTRY, args, { stdio: ['ignore', 'pipe', logFd] })
    this.child = child
    this.exit = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const fail = (why: string): void => {
        clearTimeout(timer)
        reject(
          new SupervisorError(
            SupervisorErrorCode.START_FAILED,
            `the supervisor of ${this.host.info.name} did not start: ${why}; read ${join(this.layout.logs, 'supervisor.log')}`,
          ),
        )
      }
      const timer = setTimeout(() => fail(`no "ready" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS)
      const onExit = (code: number | null, sig: NodeJS.Signals | null): void =>
        fail(`it exited (${code ?? sig})`)
      child.once('exit', onExit)
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (!out.includes('\n')) return
        clearTimeout(timer)
        child.off('exit', onExit)
        resolve()
      })
    })
    child.stdout!.destroy()
  }

  /** The host's status, over a fresh connection. */
  async status(): Promise<SupervisorStatus> {
    const c = await SupervisorClient.connect(this.layout.socket, 'observer')
    try {
      return await c.status()
    } finally {
      c.close()
    }
  }

  /** Polls the status until `pred` holds; throws SupervisorError TIMEOUT with the last status after `timeoutMs`. */
  async waitFor(
    pred: (s: SupervisorStatus) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<SupervisorStatus> {
    const deadline = Date.now() + timeoutMs
    let last: SupervisorStatus | null = null
    let lastErr: unknown = null
    for (;;) {
      try {
        last = await this.status()
        if (pred(last)) return last
      } catch (err) {
        lastErr = err
      }
      if (Date.now() > deadline)
        throw new SupervisorError(
          SupervisorErrorCode.TIMEOUT,
          `${this.host.info.name}: not ${what} after ${timeoutMs} ms; last status ${JSON.stringify(last)}${lastErr === null ? '' : `, last error ${(lastErr as Error).message}`}`,
        )
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }

  /** Resolves once the supervisor process is gone (killed, crashed by a fault, or stopped). */
  exited(): Promise<void> {
    return this.exit
  }

  /** The host loses power: SIGKILL to every process of it (the supervisor's process group). */
  async kill(): Promise<void> {
    const pid = this.pid
    if (pid === null) return
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
    await this.exit
    await this.groupGone(pid)
  }

  /** Waits until no process of the host's group is left (what a crash fault kills, it kills at once). */
  async groupGone(pgid = this.pid): Promise<void> {
    if (pgid === null) return
    for (let i = 0; i < 500 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 20))
  }

  /** Starts the supervisor again (after a kill): it boots from the host's boot parameters. */
  async restart(opts: SupervisorStartOptions = this.opts): Promise<void> {
    if (this.alive)
      throw new SupervisorError(
        SupervisorErrorCode.WRONG_STATE,
        `the supervisor of ${this.host.info.name} still runs`,
      )
    if (this.pid !== null) await this.groupGone(this.pid)
    this.opts = opts
    await this.launch()
  }

  /**
   * Stops the host: a running supervisor stops its VM and puts the disk back;
   * what a killed one left (root mode: the VM's mount and loop device) is
   * released here. Harmless to call twice.
   */
  async stop(): Promise<void> {
    const child = this.child
    if (child !== null && this.alive) {
      child.kill('SIGTERM')
      const late = setTimeout(() => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL')
          } catch {
            // gone
          }
        }
      }, STOP_TIMEOUT_MS)
      await this.exit
      clearTimeout(late)
    }
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // nothing of the host left
      }
      await this.groupGone(child.pid)
    }
    this.releaseLeftovers()
    if (!this.layout.socket.startsWith(this.layout.dir))
      await unlink(this.layout.socket).catch(() => undefined)
  }

  /** Root mode: a VM mount and loop device a killed supervisor left (the fabric removes only what it made). */
  private releaseLeftovers(): void {
    if (this.host.info.mode !== 'root') return
    if (mountedAt(this.layout.vmRoot) && !runSync('umount', [this.layout.vmRoot]).ok)
      runSync('umount', ['-l', this.layout.vmRoot])
    for (const loop of listLoops())
      if (loop.backFile === this.host.info.vmDisk) runSync('losetup', ['-d', loop.name])
  }
}
