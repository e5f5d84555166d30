/**
 * Root mode: hosts made of kernel parts. Each host is a cgroup pair (CPU
 * quota, blkio throttles on its own loop device), a network namespace on the
 * run's hub with tbf on its link, and a disk (loop-disk.ts); the delay relay
 * runs as one process in the hub (relay-main.ts). Topology and addresses:
 * netns.ts.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createHostCgroups, type HostCgroups, setDiskThrottle } from './cgroups.js'
import { HUB_ADDRESS, SERVICE_BASE_PORT } from './constants.js'
import type { ResolvedInit } from './fabric-options.js'
import type { Host, HostFabric, HostInfo, HostSpawnOptions } from './host.js'
import { throwIfInterrupted } from './interrupt.js'
import { createLoopDisk, createSparseFile, imageBytesFor } from './loop-disk.js'
import { advertisedAddress, connectHost, createHub, hostAddress } from './netns.js'
import { type HostLimits, resolveLimits } from './profile.js'
import type { RelayRoute } from './relay.js'
import { startRelayProcess } from './relay-process.js'
import { closeRun } from './run-close.js'
import { type RunState, runStem } from './run-state.js'
import { nodeCommand, type RunLife, spawnRecorded } from './spawn.js'

/**
 * Enters the host before the command runs: the shell puts itself in the
 * host's cgroups, then becomes nsenter in the host's network namespace, which
 * becomes the command (one pid throughout, so no instant runs unlimited).
 */
const ENTER_HOST =
  'echo $$ > "$1" && echo $$ > "$2" && ns="$3" && shift 3 && exec nsenter --net="$ns" -- "$@"'

const netnsPath = (name: string): string => `/run/netns/${name}`

class RootHost implements Host {
  constructor(
    readonly info: HostInfo,
    readonly limits: HostLimits,
    private readonly state: RunState,
    private readonly life: RunLife,
    private readonly cgroups: HostCgroups,
    private readonly netns: string,
  ) {}

  spawn(command: string, args: readonly string[], opts: HostSpawnOptions = {}): ChildProcess {
    const c = this.cgroups
    return spawnRecorded(
      this.life,
      this.state,
      '/bin/sh',
      [
        '-c',
        ENTER_HOST,
        'vboomtn-enter',
        `${c.cpu}/cgroup.procs`,
        `${c.blkio}/cgroup.procs`,
        netnsPath(this.netns),
        command,
        ...args,
      ],
      opts,
      this.info,
    )
  }

  spawnNode(entry: string, args: readonly string[], opts?: HostSpawnOptions): ChildProcess {
    const [cmd, argv] = nodeCommand(entry, args)
    return this.spawn(cmd, argv, opts)
  }
}

export const rootFabric = (o: ResolvedInit, reason: string, state: RunState): Promise<HostFabric> =>
  RootFabric.create(o, reason, state)

class RootFabric implements HostFabric {
  readonly mode = 'root' as const
  readonly outsideAddress = HUB_ADDRESS
  readonly life: RunLife = { closed: false }

  private constructor(
    readonly reason: string,
    private readonly state: RunState,
    readonly hosts: RootHost[],
    private readonly hub: string,
  ) {}

  get runId(): string {
    return this.state.runId
  }

  /** Builds the run; on failure the caller tears down what the record lists. */
  static async create(o: ResolvedInit, reason: string, state: RunState): Promise<RootFabric> {
    const stem = runStem(state.runId)
    const runDir = join(o.baseDir, stem)
    state.add({ kind: 'dir', path: runDir })
    await mkdir(runDir, { recursive: true, mode: 0o700 })
    const hub = `${stem}-hub`
    await createHub(state, hub)
    const fabric = new RootFabric(reason, state, [], hub)
    const ports = Array.from({ length: o.servicePorts }, (_, k) => SERVICE_BASE_PORT + k)
    for (const [i, spec] of o.hosts.entries()) {
      throwIfInterrupted(o.signal)
      const limits = resolveLimits(spec.profile)
      const name = `${stem}-h${i}`
      const cgroups = await createHostCgroups(state, name, limits)
      await connectHost(state, hub, name, i, limits)
      const hostDir = join(runDir, `h${i}`)
      await mkdir(hostDir)
      const disk = await createLoopDisk(
        state,
        join(hostDir, 'disk.img'),
        join(hostDir, 'fs'),
        imageBytesFor(o.vmDiskBytes + o.scratchBytes),
      )
      await setDiskThrottle(cgroups, disk.majorMinor, limits)
      const vmDisk = join(disk.mountPoint, 'vm.img')
      await createSparseFile(vmDisk, o.vmDiskBytes)
      const scratchDir = join(disk.mountPoint, 'scratch')
      await mkdir(scratchDir)
      const info: HostInfo = {
        runId: state.runId,
        name: spec.name,
        index: i,
        mode: 'root',
        profile: spec.profile,
        vmDisk,
        vmDiskBytes: o.vmDiskBytes,
        scratchDir,
        service: ports.map((port) => ({ host: hostAddress(i), port })),
        advertised: ports.map((port) => ({ host: advertisedAddress(i), port })),
        diskGate: null,
      }
      fabric.hosts.push(new RootHost(info, limits, state, fabric.life, cgroups, name))
    }
    await fabric.startRelay()
    return fabric
  }

  private async startRelay(): Promise<void> {
    const routes: RelayRoute[] = this.hosts.flatMap((h) =>
      h.info.service.map((s, k) => ({
        listenHost: h.info.advertised[k]!.host,
        listenPort: h.info.advertised[k]!.port,
        targetHost: s.host,
        targetPort: s.port,
        host: h.info.index,
      })),
    )
    // Rates are tbf's in the kernel; the relay only delays, and knows a host by its address.
    await startRelayProcess(this.spawnOutside.bind(this), {
      routes,
      hosts: this.hosts.map((h) => ({ delayMs: h.limits.delayMs, upBps: null, downBps: null })),
      source: 'address',
    })
  }

  spawnOutside(command: string, args: readonly string[], opts: HostSpawnOptions = {}): ChildProcess {
    return spawnRecorded(
      this.life,
      this.state,
      'nsenter',
      [`--net=${netnsPath(this.hub)}`, '--', command, ...args],
      opts,
      null,
    )
  }

  async close(): Promise<void> {
    if (this.life.closed) return
    this.life.closed = true
    await closeRun(this.state, async () => {})
  }
}
