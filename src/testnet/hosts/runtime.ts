/**
 * For code running inside a host (a workload, an agent): the host it is on
 * and the file API bound by the host's disk limits in either mode. Reads the
 * HostInfo the host put in the environment when it started the process.
 */
import { type DiskGate, DiskGateClient } from './disk-gate.js'
import { HostEmulationError } from './errors.js'
import type { HostInfo } from './host.js'
import { HostFile, type HostFileOptions } from './host-file.js'
import { type HostLimits, resolveLimits } from './profile.js'
import { HOST_INFO_ENV } from './spawn.js'

/** Whether any disk rate of the host is limited. */
const limitsDisk = (l: HostLimits): boolean =>
  [l.readBps, l.writeBps, l.readIops, l.writeIops].some((v) => v !== Infinity)

export class HostRuntime {
  private gate: DiskGate | null = null

  constructor(readonly info: HostInfo) {}

  /** The host this process was started in; throws NOT_IN_HOST elsewhere. */
  static current(): HostRuntime {
    const raw = process.env[HOST_INFO_ENV]
    if (raw === undefined)
      throw new HostEmulationError(
        'NOT_IN_HOST',
        `this process was not started in a testnet host (${HOST_INFO_ENV} is unset): start it with host.spawn()`,
      )
    return new HostRuntime(JSON.parse(raw) as HostInfo)
  }

  get limits(): HostLimits {
    return resolveLimits(this.info.profile)
  }

  /**
   * The host's disk limits as a gate each I/O asks first: emulated mode's
   * grant server (one connection per process); null in root mode (the kernel
   * throttles) and for a host whose profile limits no disk rate (every grant
   * would come at once). The agent's benchmarks take it, so they measure the
   * disk the workloads get.
   */
  diskGate(): DiskGate | null {
    if (this.info.diskGate === null || !limitsDisk(this.limits)) return null
    this.gate ??= new DiskGateClient(this.info.diskGate)
    return this.gate
  }

  /** Opens a file on the host's disk whose I/O the host's disk limits bind (see HostFile). */
  async openFile(path: string, opts: HostFileOptions = {}): Promise<HostFile> {
    return HostFile.open(path, opts, this.diskGate())
  }

  /** Ends the connection to the disk gate (emulated mode), so the process can exit on its own. */
  close(): void {
    this.gate?.close()
    this.gate = null
  }
}
