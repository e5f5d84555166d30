/**
 * The host supervisor: one process per testnet host, its "firmware and
 * hypervisor". It runs inside the host (cgroups, network namespace), owns
 * the host dir (layout.ts) and boots the host:
 *
 * - every boot reads the boot parameters first: phase 'stateless' starts the
 *   stateless swapper (stateless-main.ts, which runs the lifecycle's
 *   `runStatelessSwap`), never the disk's system: the boot-level invariant;
 * - otherwise it boots the VM on the disk: its tree made available (vm-fs.ts),
 *   its identity read from /vboom/vm.json, its agent started with the testnet
 *   Platform (this supervisor, over its socket) and its workload; boot
 *   parameters of a settled swap ('completed', 'aborted') are cleared once
 *   the VM's processes run.
 *
 * It answers the Platform of the VM's agent and of the stateless swapper, the
 * anchor's verification (`bootRemote`: the VM frozen while the anchor's image
 * runs) and status queries, over its socket (protocol.ts). Boots and reboots
 * run one at a time. A supervisor killed anywhere (the host's power cut) and
 * started again boots from the boot parameters again: a stateless swap
 * resumes from its journal, a VM whose copy was not written back gets it
 * written back first.
 */
import { createHash } from 'node:crypto'
import { appendFileSync, createReadStream } from 'node:fs'
import { chmod, mkdir, open, readFile, rm, unlink } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BootParams, decodeBootParams, swapIdHex } from '../../node/lifecycle/boot-params.js'
import { VBoomError } from '../../protocols/errors.js'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import type { Logger } from '../../runtime/log.js'
import type { RemoteSession } from '../../runtime/platform.js'
import type { IoGate } from '../../runtime/sandbox/io-gate.js'
import type { SwapPhase } from '../../swapper/events.js'
import type { HostInfo } from '../hosts/index.js'
import { SupervisorError, SupervisorErrorCode, VmDiskError, VmDiskErrorCode } from './errors.js'
import type { HostLayout } from './layout.js'
import {
  type BootLogEntry,
  encodeFrame,
  FrameReader,
  type HostFacts,
  type HostState,
  parseProgress,
  parseRequest,
  type Request,
  type SupervisorStatus,
  type SwapView,
  type VmView,
} from './protocol.js'
import { signalAll, startImage } from './remote-boot.js'
import { readVmIdentity } from './vm-disk.js'
import { CopiedVmFs, MountedVmFs, type VmFilesystem } from './vm-fs.js'
import {
  logFileOf,
  processTree,
  STOP_GRACE_MS,
  startVmProcess,
  stopVmProcess,
  type VmProcess,
} from './vm-processes.js'
import { workloadLaunch } from './workloads.js'

const here = fileURLToPath(import.meta.url)
const beside = (name: string): string => join(dirname(here), `${name}${extname(here)}`)
export const VM_AGENT_ENTRY = beside('vm-agent-main')
export const STATELESS_ENTRY = beside('stateless-main')

/** First pause before restarting a crashed agent or stateless swapper, ms; doubled up to RESTART_MAX_MS. */
const RESTART_FIRST_MS = 1_000
const RESTART_MAX_MS = 30_000
/** Boots kept in the status (the boot log on disk keeps all). */
const STATUS_BOOTS = 20
/** The tail of the workload's status file read for the status, bytes. */
const WORKLOAD_TAIL_BYTES = 16 * 1024

export interface SupervisorOptions {
  info: HostInfo
  layout: HostLayout
  log: Logger
  /** Hash the whole VM disk at every boot, before the boot touches it (tests; costs a read of the disk). */
  hashDisk?: boolean
  /**
   * Test fault: the host loses power (SIGKILL to its whole process group) at
   * the stateless swapper's n-th `phase:type` progress event (`phase:type:n`).
   */
  crashAt?: string
  /** How long VM processes get to stop on SIGTERM, ms. Default STOP_GRACE_MS. */
  stopGraceMs?: number
  /** The host's emulated disk limits (emulated mode): the verification image's disk I/O waits for them. */
  ioGate?: IoGate | null
}

interface RunningVm {
  root: string
  view: VmView
  agent: VmProcess | null
  agentRestarts: number
  workload: { kind: string; proc: VmProcess } | null
}

interface RemoteBoot {
  id: string
  session: RemoteSession
  frozen: number[]
  owner: Socket
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer)
  return h.digest('hex')
}

function parseCrashAt(spec: string | undefined): { key: string; n: number } | null {
  if (spec === undefined || spec === '') return null
  const m = /^([a-z]+):([a-z-]+):(\d+)$/.exec(spec)
  if (m === null)
    throw new SupervisorError(
      SupervisorErrorCode.PROTOCOL,
      `crashAt "${spec}" is not phase:type:n (e.g. apply:progress:2)`,
    )
  return { key: `${m[1]}:${m[2]}`, n: Number(m[3]) }
}

export class Supervisor {
  private server: Server | null = null
  private state: HostState = 'booting'
  private since = Date.now()
  private readonly fs: VmFilesystem
  private vm: RunningVm | null = null
  private stateless: VmProcess | null = null
  private statelessRestartMs = RESTART_FIRST_MS
  private remote: RemoteBoot | null = null
  private swap: SwapView | null = null
  private boots: BootLogEntry[] = []
  private bootCount = 0
  private error: string | null = null
  private chain: Promise<void> = Promise.resolve()
  private shuttingDown = false
  private readonly crashAt: { key: string; n: number } | null
  private crashSeen = 0
  /** Resolves once the supervisor has shut down (a `shutdown` request or `shutdown()`). */
  readonly done: Promise<void>
  private resolveDone!: () => void

  constructor(private readonly o: SupervisorOptions) {
    const { info, layout } = o
    this.fs =
      info.mode === 'root'
        ? new MountedVmFs(info.vmDisk, layout.vmRoot)
        : new CopiedVmFs(info.vmDisk, layout.vmRoot, layout.vmState)
    this.crashAt = parseCrashAt(o.crashAt)
    this.done = new Promise((r) => {
      this.resolveDone = r
    })
  }

  get facts(): HostFacts {
    const { info, layout } = this.o
    return {
      kind: 'testnet',
      host: info.name,
      location: info.name,
      mode: info.mode,
      diskPath: info.vmDisk,
      diskDir: info.scratchDir,
      swapStateDir: layout.swapState,
    }
  }

  /** Listens on the host's socket, then boots (in the background: `status` tells how it goes). */
  async start(): Promise<void> {
    const { layout } = this.o
    await mkdir(layout.dir, { recursive: true, mode: 0o700 })
    await mkdir(layout.logs, { recursive: true })
    await this.readBootLog()
    // a socket file left here is a dead supervisor's: one supervisor per host dir
    await unlink(layout.socket).catch(() => undefined)
    const server = createServer((sock) => this.serve(sock))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(layout.socket, () => resolve())
    })
    await chmod(layout.socket, 0o600)
    this.server = server
    this.o.log.info({ socket: layout.socket, mode: this.fs.access }, 'supervisor listening')
    this.serial(async () => {
      await this.fs.recover()
      await this.boot()
    })
  }

  /** One boot-level action at a time; a failure is the host's error, shown in its status. */
  private serial(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err) => {
      this.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      this.setState('failed')
      this.o.log.error({ err }, 'host failed')
    })
  }

  private setState(s: HostState): void {
    this.state = s
    this.since = Date.now()
  }

  private async readBootLog(): Promise<void> {
    try {
      const lines = (await readFile(this.o.layout.bootLog, 'utf8')).split('\n').filter((l) => l !== '')
      this.bootCount = lines.length
      this.boots = lines.slice(-STATUS_BOOTS).map((l) => JSON.parse(l) as BootLogEntry)
    } catch {
      this.boots = []
    }
  }

  private logBoot(
    kind: BootLogEntry['kind'],
    vm: string | null,
    swapId: string | null,
    hash: string | null,
  ): void {
    const e: BootLogEntry = { n: ++this.bootCount, atMs: Date.now(), kind, vm, swapId, diskSha256: hash }
    appendFileSync(this.o.layout.bootLog, `${JSON.stringify(e)}\n`)
    this.boots.push(e)
    if (this.boots.length > STATUS_BOOTS) this.boots.shift()
  }

  private async readParams(): Promise<BootParams | null> {
    let text: string
    try {
      text = await readFile(this.o.layout.bootParams, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    return decodeBootParams(text)
  }

  private async boot(): Promise<void> {
    if (this.shuttingDown) return
    this.setState('booting')
    this.error = null
    // the boot-level invariant: the parameters decide, and unreadable ones boot nothing
    const params = await this.readParams()
    const hash = this.o.hashDisk === true ? await sha256File(this.o.info.vmDisk) : null
    if (params?.phase === 'stateless') {
      this.swap = {
        swapId: swapIdHex(params),
        role: params.swap.role,
        phase: 'stateless',
        journal: null,
        progress: {},
        lastNote: null,
      }
      this.logBoot('stateless', null, swapIdHex(params), hash)
      this.startStateless()
      this.setState('stateless')
      return
    }
    let root: string
    let view: VmView
    try {
      root = await this.fs.open()
      const id = await readVmIdentity(root)
      view = { ...id, root }
    } catch (err) {
      if (!(err instanceof VmDiskError && err.code === VmDiskErrorCode.NO_VM)) throw err
      await this.fs.close()
      this.logBoot('empty', null, null, hash)
      this.error = err.message
      this.setState('empty')
      return
    }
    this.logBoot('vm', view.name, params === null ? null : swapIdHex(params), hash)
    const vm: RunningVm = { root, view, agent: null, agentRestarts: 0, workload: null }
    this.vm = vm
    this.startAgent(vm)
    await this.startWorkload(vm)
    if (params !== null) {
      // a settled swap's parameters: the VM is up, they are done with
      if (this.swap !== null) this.swap.phase = params.phase
      await rm(this.o.layout.bootParams, { force: true })
    }
    this.setState('vm')
  }

  private startAgent(vm: RunningVm): void {
    const { layout } = this.o
    const p = startVmProcess(
      'agent',
      VM_AGENT_ENTRY,
      [vm.root, layout.socket],
      logFileOf(layout.logs, 'agent'),
    )
    vm.agent = p
    let restartMs = RESTART_FIRST_MS
    const startedAt = Date.now()
    void p.exited.then((code) => {
      if (p.stopping || this.vm !== vm || this.shuttingDown) return
      // as a service manager restarts a crashed service; a long run resets the pause
      if (Date.now() - startedAt > RESTART_MAX_MS) restartMs = RESTART_FIRST_MS
      this.o.log.warn({ code, restartInMs: restartMs }, "the VM's agent exited; restarting it")
      setTimeout(() => {
        if (this.vm !== vm || this.shuttingDown || vm.agent !== p) return
        vm.agentRestarts++
        this.startAgent(vm)
      }, restartMs).unref()
      restartMs = Math.min(RESTART_MAX_MS, restartMs * 2)
    })
  }

  private async startWorkload(vm: RunningVm): Promise<void> {
    const { layout } = this.o
    let launch: Awaited<ReturnType<typeof workloadLaunch>>
    try {
      launch = await workloadLaunch(vm.root, layout.workloadStatus)
    } catch (err) {
      this.error = `workload: ${(err as Error).message}`
      return
    }
    if (launch === null) return
    const proc = startVmProcess('workload', launch.entry, launch.args, logFileOf(layout.logs, 'workload'))
    vm.workload = { kind: launch.kind, proc }
  }

  private startStateless(): void {
    const { layout } = this.o
    const p = startVmProcess(
      'stateless',
      STATELESS_ENTRY,
      [layout.socket],
      logFileOf(layout.logs, 'stateless'),
    )
    this.stateless = p
    void p.exited.then((code) => {
      if (p.stopping || this.stateless !== p || this.shuttingDown) return
      // a crash of the stateless system: the host boots again, from its parameters
      const wait = this.statelessRestartMs
      this.statelessRestartMs = Math.min(RESTART_MAX_MS, wait * 2)
      this.o.log.warn({ code, rebootInMs: wait }, 'the stateless swapper exited; booting again')
      this.stateless = null
      setTimeout(() => this.serial(() => this.boot()), wait).unref()
    })
  }

  /** The VM leaves its running system: its processes stopped, its tree put back on the disk. */
  private async stopVm(): Promise<void> {
    const vm = this.vm
    if (vm === null) return
    await this.closeRemote()
    const grace = this.o.stopGraceMs ?? STOP_GRACE_MS
    await Promise.all([
      vm.workload === null ? undefined : stopVmProcess(vm.workload.proc, grace),
      vm.agent === null ? undefined : stopVmProcess(vm.agent, grace),
    ])
    this.vm = null
    await this.fs.close()
  }

  private async stopStateless(): Promise<void> {
    const p = this.stateless
    this.stateless = null
    if (p !== null) await stopVmProcess(p, this.o.stopGraceMs ?? STOP_GRACE_MS)
  }

  /** Stops the host: its processes, the disk put back, the socket closed. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return this.done
    this.shuttingDown = true
    const stop = this.chain.then(async () => {
      this.setState('stopping')
      await this.stopStateless()
      await this.stopVm()
    })
    try {
      await stop
    } finally {
      const server = this.server
      this.server = null
      if (server !== null) await new Promise<void>((r) => server.close(() => r()))
      await unlink(this.o.layout.socket).catch(() => undefined)
      this.resolveDone()
    }
  }

  // --- the socket ---

  private serve(sock: Socket): void {
    const reader = new FrameReader()
    sock.setEncoding('utf8')
    sock.on('data', (chunk: string) => {
      let frames: unknown[]
      try {
        frames = reader.push(chunk)
      } catch (err) {
        sock.end(
          encodeFrame({
            id: 0,
            ok: false,
            error: { code: (err as VBoomError).code, message: (err as Error).message },
          }),
        )
        return
      }
      for (const frame of frames) void this.answer(frame, sock)
    })
    sock.on('error', () => undefined)
    // a verification whose anchor went away must not leave the VM frozen
    sock.on('close', () => {
      if (this.remote?.owner === sock) void this.closeRemote()
    })
  }

  private async answer(frame: unknown, sock: Socket): Promise<void> {
    const id = typeof (frame as { id?: unknown })?.id === 'number' ? (frame as { id: number }).id : 0
    let reply: string
    try {
      const result = await this.handle(parseRequest(frame), sock)
      reply = encodeFrame({ id, ok: true, result: result ?? null })
    } catch (err) {
      const code = err instanceof VBoomError ? err.code : SupervisorErrorCode.INTERNAL
      if (!(err instanceof VBoomError)) this.o.log.error({ err }, 'request failed')
      reply = encodeFrame({ id, ok: false, error: { code, message: (err as Error).message } })
    }
    if (id !== 0 && !sock.destroyed) sock.write(reply)
  }

  private async handle(req: Request, sock: Socket): Promise<unknown> {
    switch (req.op) {
      case 'hello':
        return this.facts
      case 'status':
        return this.status()
      case 'store-boot-params':
        // checked as the next boot will read them
        decodeBootParams(req.params)
        await writeFileAtomic(this.o.layout.bootParams, req.params, 0o600)
        return null
      case 'load-boot-params':
        try {
          return { params: await readFile(this.o.layout.bootParams, 'utf8') }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { params: null }
          throw err
        }
      case 'reboot-stateless': {
        const p = await this.readParams()
        if (p?.phase !== 'stateless')
          throw new SupervisorError(
            SupervisorErrorCode.WRONG_STATE,
            'no stateless boot parameters are stored: store them first, then reboot',
          )
        if (this.state !== 'vm' && this.state !== 'remote')
          throw new SupervisorError(
            SupervisorErrorCode.WRONG_STATE,
            `the host is ${this.state}, not running a VM`,
          )
        this.serial(async () => {
          await this.stopVm()
          await this.boot()
        })
        return null
      }
      case 'reboot-normal': {
        const p = await this.readParams()
        if (p?.phase === 'stateless')
          throw new SupervisorError(
            SupervisorErrorCode.WRONG_STATE,
            "the boot parameters still say 'stateless': store the swap's outcome first, then reboot",
          )
        if (this.state !== 'stateless')
          throw new SupervisorError(
            SupervisorErrorCode.WRONG_STATE,
            `the host is ${this.state}, not stateless`,
          )
        this.statelessRestartMs = RESTART_FIRST_MS
        this.serial(async () => {
          await this.stopStateless()
          await this.boot()
        })
        return null
      }
      case 'swap-progress':
        this.progress(req.event)
        return null
      case 'boot-remote':
        return this.bootRemote(req.entry, sock)
      case 'remote-request': {
        const r = this.sessionOf(req.session)
        return { reply: await r.session.request(req.message) }
      }
      case 'remote-close':
        this.sessionOf(req.session)
        await this.closeRemote()
        return null
      case 'shutdown':
        setImmediate(() => void this.shutdown())
        return null
    }
  }

  private progress(event: unknown): void {
    const e = parseProgress(event)
    if (e === null || this.swap === null) return
    if (e.type === 'note') this.swap.lastNote = e.message.slice(0, 512)
    else {
      const phase = e.phase as SwapPhase
      const p = this.swap.progress[phase] ?? { done: 0, total: 0, ended: false }
      if (e.type === 'phase-start') p.total = e.total
      else if (e.type === 'progress') {
        p.done = e.done
        p.total = e.total
      } else p.ended = true
      this.swap.progress[phase] = p
      if (
        this.crashAt !== null &&
        `${e.phase}:${e.type}` === this.crashAt.key &&
        ++this.crashSeen >= this.crashAt.n
      )
        this.powerCut(`${this.crashAt.key}:${this.crashAt.n}`)
    }
  }

  /** The test fault: every process of the host dies at once, as in a power cut. */
  private powerCut(at: string): void {
    appendFileSync(
      join(this.o.layout.logs, 'supervisor-crash.log'),
      `${new Date().toISOString()} power cut at ${at}\n`,
    )
    try {
      // the supervisor leads its host's process group (it was started detached)
      process.kill(-process.pid, 'SIGKILL')
    } catch {
      for (const p of [this.stateless, this.vm?.agent, this.vm?.workload?.proc])
        if (p?.child.pid !== undefined) process.kill(p.child.pid, 'SIGKILL')
      process.kill(process.pid, 'SIGKILL')
    }
  }

  private async bootRemote(entry: string, owner: Socket): Promise<{ session: string }> {
    if (this.remote !== null)
      throw new SupervisorError(
        SupervisorErrorCode.BUSY,
        `${this.o.info.name} is already running the verification image`,
      )
    if (this.state !== 'vm' || this.vm === null)
      throw new SupervisorError(
        SupervisorErrorCode.BUSY,
        `${this.o.info.name} is ${this.state}: only a host running its VM can boot the verification image`,
      )
    const vm = this.vm
    const frozen = [
      ...(vm.agent === null ? [] : await processTree(vm.agent)),
      ...(vm.workload === null ? [] : await processTree(vm.workload.proc)),
    ]
    // the VM's code stops: nothing of the owner's runs while the anchor measures
    signalAll(frozen, 'SIGSTOP')
    let session: RemoteSession
    try {
      session = await startImage({ entry }, { diskDir: this.o.info.scratchDir, ioGate: this.o.ioGate })
    } catch (err) {
      signalAll(frozen, 'SIGCONT')
      throw err
    }
    const id = createHash('sha256').update(`${Date.now()}:${Math.random()}`).digest('hex').slice(0, 16)
    this.remote = { id, session, frozen, owner }
    this.setState('remote')
    return { session: id }
  }

  private sessionOf(id: string): RemoteBoot {
    if (this.remote === null || this.remote.id !== id)
      throw new SupervisorError(
        SupervisorErrorCode.NO_SESSION,
        `no verification session ${id} on ${this.o.info.name}`,
      )
    return this.remote
  }

  private async closeRemote(): Promise<void> {
    const r = this.remote
    if (r === null) return
    this.remote = null
    await r.session.close()
    signalAll(r.frozen, 'SIGCONT')
    if (this.state === 'remote') this.setState('vm')
  }

  async status(): Promise<SupervisorStatus> {
    const { info } = this.o
    const vm = this.vm
    if (this.swap !== null && this.swap.phase === 'stateless') this.swap.journal = await this.journalPhase()
    return {
      host: info.name,
      location: info.name,
      mode: info.mode,
      diskAccess: this.fs.access,
      state: this.state,
      since: this.since,
      vm: vm === null ? null : vm.view,
      agent: vm === null ? null : { pid: vm.agent?.child.pid ?? null, restarts: vm.agentRestarts },
      workload:
        vm?.workload == null
          ? null
          : {
              kind: vm.workload.kind,
              pid: vm.workload.proc.child.exitCode === null ? (vm.workload.proc.child.pid ?? null) : null,
              status: await this.workloadStatus(),
            },
      swap: this.swap === null ? null : structuredClone(this.swap),
      boots: [...this.boots],
      error: this.error,
    }
  }

  private async journalPhase(): Promise<string | null> {
    try {
      const j = JSON.parse(await readFile(join(this.o.layout.swapState, 'journal.json'), 'utf8')) as {
        phase?: unknown
      }
      return typeof j.phase === 'string' ? j.phase : null
    } catch {
      return null
    }
  }

  /** The workload's last status line, parsed; null when it wrote none. */
  private async workloadStatus(): Promise<unknown> {
    let text: string
    try {
      const fh = await open(this.o.layout.workloadStatus, 'r')
      try {
        const size = (await fh.stat()).size
        const buf = Buffer.alloc(Math.min(size, WORKLOAD_TAIL_BYTES))
        await fh.read(buf, 0, buf.length, size - buf.length)
        text = buf.toString('utf8')
      } finally {
        await fh.close()
      }
    } catch {
      return null
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '')
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        return JSON.parse(lines[i]!)
      } catch {
        // a line being written, or cut by the tail: the one before
      }
    }
    return null
  }
}
