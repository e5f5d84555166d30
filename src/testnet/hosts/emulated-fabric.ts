/**
 * Emulated mode: the same hosts without root, in the runner's process. A
 * host's disk limits are token buckets behind a grant server (disk-gate.ts)
 * that HostFile asks before each I/O; its CPU share is a quota its processes
 * are held to from outside (cpu-quota.ts); its network rate and delay are the relay in front
 * of its services (relay.ts), which finds the dialing host from the kernel's
 * socket table (socket-owner.ts). Everything listens on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { TBF_BURST_SECONDS, TBF_MIN_BURST_BYTES } from './constants.js'
import { CpuQuota } from './cpu-quota.js'
import { DiskBuckets, type GateServer, serveDiskGate } from './disk-gate.js'
import type { ResolvedInit } from './fabric-options.js'
import type { Host, HostFabric, HostInfo, HostSpawnOptions } from './host.js'
import { createSparseFile } from './loop-disk.js'
import { type HostLimits, resolveLimits } from './profile.js'
import { DelayRelay, type RelayHost, type RelayRoute } from './relay.js'
import { closeRun } from './run-close.js'
import { type RunState, runStem } from './run-state.js'
import { holdsSocket, pidsInGroups, socketInode } from './socket-owner.js'
import { nodeCommand, type RunLife, spawnRecorded } from './spawn.js'
import { TokenBucket } from './token-bucket.js'

const LOOPBACK = '127.0.0.1'

class EmulatedHost implements Host {
  constructor(
    readonly info: HostInfo,
    readonly limits: HostLimits,
    private readonly state: RunState,
    private readonly life: RunLife,
    readonly cpu: CpuQuota,
  ) {}

  spawn(command: string, args: readonly string[], opts: HostSpawnOptions = {}): ChildProcess {
    const child = spawnRecorded(this.life, this.state, command, args, opts, this.info)
    // detached: the child leads its own process group
    if (child.pid !== undefined) this.cpu.add(child.pid)
    return child
  }

  spawnNode(entry: string, args: readonly string[], opts?: HostSpawnOptions): ChildProcess {
    const [cmd, argv] = nodeCommand(entry, args)
    return this.spawn(cmd, argv, opts)
  }
}

/** A free TCP port on the loopback (the service must know its port before the relay is told). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => resolve())
  })
  const addr = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof addr !== 'object' || addr === null) throw new Error('no address for a listening socket')
  return addr.port
}

/** A rate in bits/s as a bucket of bytes, with tbf's burst (the root mode's shaping). */
function netBucket(bitsPerSecond: number): TokenBucket | undefined {
  if (bitsPerSecond === Infinity) return undefined
  const bytes = bitsPerSecond / 8
  return new TokenBucket(bytes, Math.max(TBF_BURST_SECONDS, TBF_MIN_BURST_BYTES / bytes))
}

export const emulatedFabric = (o: ResolvedInit, reason: string, state: RunState): Promise<HostFabric> =>
  EmulatedFabric.create(o, reason, state)

class EmulatedFabric implements HostFabric {
  readonly mode = 'emulated' as const
  readonly outsideAddress = LOOPBACK
  private readonly life: RunLife = { closed: false }
  private relay: DelayRelay | null = null
  private readonly servers: GateServer[] = []

  private constructor(
    readonly reason: string,
    private readonly state: RunState,
    readonly hosts: EmulatedHost[],
  ) {}

  get runId(): string {
    return this.state.runId
  }

  static async create(o: ResolvedInit, reason: string, state: RunState): Promise<EmulatedFabric> {
    const fabric = new EmulatedFabric(reason, state, [])
    try {
      await fabric.build(o)
    } catch (err) {
      await fabric.stopInProcess()
      throw err
    }
    return fabric
  }

  private async build(o: ResolvedInit): Promise<void> {
    const stem = runStem(this.state.runId)
    const runDir = join(o.baseDir, stem)
    this.state.add({ kind: 'dir', path: runDir })
    await mkdir(runDir, { recursive: true, mode: 0o700 })
    const limits = o.hosts.map((h) => resolveLimits(h.profile))
    const servicePorts: number[][] = []
    for (const _ of o.hosts)
      servicePorts.push(await Promise.all(Array.from({ length: o.servicePorts }, freePort)))
    const relayHosts: RelayHost[] = limits.map((l) => ({
      delayMs: l.delayMs,
      up: netBucket(l.upBps),
      down: netBucket(l.downBps),
    }))
    const routes: RelayRoute[] = servicePorts.flatMap((ports, i) =>
      ports.map((port) => ({
        listenHost: LOOPBACK,
        listenPort: 0,
        targetHost: LOOPBACK,
        targetPort: port,
        host: i,
      })),
    )
    this.relay = await DelayRelay.start({ routes, hosts: relayHosts, sourceOf: (s) => this.sourceOf(s) })
    for (const [i, spec] of o.hosts.entries()) {
      const hostDir = join(runDir, `h${i}`)
      const fsDir = join(hostDir, 'fs')
      const scratchDir = join(fsDir, 'scratch')
      await mkdir(scratchDir, { recursive: true })
      const vmDisk = join(fsDir, 'vm.img')
      await createSparseFile(vmDisk, o.vmDiskBytes)
      const gateName = `${stem}-h${i}-disk`
      this.servers.push(await serveDiskGate(new DiskBuckets(limits[i]!), gateName))
      const ports = servicePorts[i]!
      const relayPorts = this.relay.ports.slice(i * o.servicePorts, (i + 1) * o.servicePorts)
      const info: HostInfo = {
        runId: this.state.runId,
        name: spec.name,
        index: i,
        mode: 'emulated',
        profile: spec.profile,
        vmDisk,
        vmDiskBytes: o.vmDiskBytes,
        scratchDir,
        service: ports.map((port) => ({ host: LOOPBACK, port })),
        advertised: relayPorts.map((port) => ({ host: LOOPBACK, port })),
        diskGate: gateName,
      }
      this.hosts.push(
        new EmulatedHost(info, limits[i]!, this.state, this.life, new CpuQuota(limits[i]!.cpuCores)),
      )
    }
  }

  /** The host whose process dialed `socket` (the relay's accepted end), or null. */
  private sourceOf(socket: Socket): number | null {
    const inode =
      socket.remotePort === undefined || socket.localPort === undefined
        ? null
        : socketInode(socket.remotePort, socket.localPort)
    if (inode === null) return null
    const hostOfGroup = new Map<number, number>()
    for (const h of this.hosts) for (const g of h.cpu.processGroups) hostOfGroup.set(g, h.info.index)
    for (const [pid, group] of pidsInGroups(new Set(hostOfGroup.keys())))
      if (holdsSocket(pid, inode)) return hostOfGroup.get(group) ?? null
    return null
  }

  spawnOutside(command: string, args: readonly string[], opts: HostSpawnOptions = {}): ChildProcess {
    return spawnRecorded(this.life, this.state, command, args, opts, null)
  }

  private async stopInProcess(): Promise<void> {
    for (const h of this.hosts) h.cpu.stop()
    await this.relay?.close()
    await Promise.all(this.servers.map((s) => s.close()))
  }

  async close(): Promise<void> {
    if (this.life.closed) return
    this.life.closed = true
    await closeRun(this.state, () => this.stopInProcess())
  }
}
