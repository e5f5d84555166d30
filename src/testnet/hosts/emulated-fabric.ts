/**
 * Emulated mode: the same hosts without root. A host's disk limits are token
 * buckets in the runner behind a grant server (disk-gate.ts) that HostFile
 * asks before each I/O; its CPU share is a quota the runner holds its
 * processes to from outside (cpu-quota.ts); its network rate and delay are
 * the relay process in front of its services (relay-main.ts), which finds
 * the dialing host from the kernel's socket table (socket-owner.ts) among
 * the process groups the runner tells it of. Everything listens on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { freePort } from '../../runtime/free-port.js'
import { CpuQuota } from './cpu-quota.js'
import { DiskBuckets, type GateServer, serveDiskGate } from './disk-gate.js'
import type { ResolvedInit } from './fabric-options.js'
import type { Host, HostFabric, HostInfo, HostSpawnOptions } from './host.js'
import { throwIfInterrupted } from './interrupt.js'
import { createSparseFile } from './loop-disk.js'
import { type HostLimits, resolveLimits } from './profile.js'
import type { RelayRoute } from './relay.js'
import { type RelayProcess, startRelayProcess } from './relay-process.js'
import { closeRun } from './run-close.js'
import { type RunState, runStem } from './run-state.js'
import { nodeCommand, type RunLife, spawnRecorded } from './spawn.js'

const LOOPBACK = '127.0.0.1'

class EmulatedHost implements Host {
  constructor(
    readonly info: HostInfo,
    readonly limits: HostLimits,
    private readonly state: RunState,
    private readonly life: RunLife,
    readonly cpu: CpuQuota,
    private readonly relay: RelayProcess,
  ) {}

  spawn(command: string, args: readonly string[], opts: HostSpawnOptions = {}): ChildProcess {
    const child = spawnRecorded(this.life, this.state, command, args, opts, this.info)
    // detached: the child leads its own process group
    if (child.pid !== undefined) {
      this.cpu.add(child.pid)
      this.relay.addGroup(this.info.index, child.pid)
    }
    return child
  }

  spawnNode(entry: string, args: readonly string[], opts?: HostSpawnOptions): ChildProcess {
    const [cmd, argv] = nodeCommand(entry, args)
    return this.spawn(cmd, argv, opts)
  }
}

export const emulatedFabric = (o: ResolvedInit, reason: string, state: RunState): Promise<HostFabric> =>
  EmulatedFabric.create(o, reason, state)

class EmulatedFabric implements HostFabric {
  readonly mode = 'emulated' as const
  readonly outsideAddress = LOOPBACK
  private readonly life: RunLife = { closed: false }
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
    const routes: RelayRoute[] = servicePorts.flatMap((ports, i) =>
      ports.map((port) => ({
        listenHost: LOOPBACK,
        listenPort: 0,
        targetHost: LOOPBACK,
        targetPort: port,
        host: i,
      })),
    )
    const finite = (v: number): number | null => (v === Infinity ? null : v)
    const relay = await startRelayProcess(this.spawnOutside.bind(this), {
      routes,
      hosts: limits.map((l) => ({ delayMs: l.delayMs, upBps: finite(l.upBps), downBps: finite(l.downBps) })),
      source: 'process',
    })
    for (const [i, spec] of o.hosts.entries()) {
      throwIfInterrupted(o.signal)
      const hostDir = join(runDir, `h${i}`)
      const fsDir = join(hostDir, 'fs')
      const scratchDir = join(fsDir, 'scratch')
      await mkdir(scratchDir, { recursive: true })
      const vmDisk = join(fsDir, 'vm.img')
      await createSparseFile(vmDisk, o.vmDiskBytes)
      const gateName = `${stem}-h${i}-disk`
      this.servers.push(await serveDiskGate(new DiskBuckets(limits[i]!), gateName))
      const ports = servicePorts[i]!
      const relayPorts = relay.ports.slice(i * o.servicePorts, (i + 1) * o.servicePorts)
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
        new EmulatedHost(info, limits[i]!, this.state, this.life, new CpuQuota(limits[i]!.cpuCores), relay),
      )
    }
  }

  spawnOutside(command: string, args: readonly string[], opts: HostSpawnOptions = {}): ChildProcess {
    return spawnRecorded(this.life, this.state, command, args, opts, null)
  }

  private async stopInProcess(): Promise<void> {
    for (const h of this.hosts) h.cpu.stop()
    await Promise.all(this.servers.map((s) => s.close()))
  }

  async close(): Promise<void> {
    if (this.life.closed) return
    this.life.closed = true
    await closeRun(this.state, () => this.stopInProcess())
  }
}
