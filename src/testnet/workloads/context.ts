/**
 * What every workload runs with: its VM's paths and name, the host it runs
 * in (null outside a testnet host), where it reports, and the signal that
 * stops it (the VM is leaving its host, or the run ends).
 */
import { setTimeout as sleepMs } from 'node:timers/promises'
import type { HostRuntime } from '../hosts/index.js'
import { WorkloadError } from './errors.js'
import type { WorkloadPaths } from './paths.js'
import type { WorkloadReporter } from './reporter.js'
import type { Address } from './spec.js'

export interface WorkloadContext {
  paths: WorkloadPaths
  vm: string
  host: HostRuntime | null
  reporter: WorkloadReporter
  signal: AbortSignal
}

/** Where a server of the VM listens: `listen` when the spec gives it, else the host's service port `index`. */
export function listenAddress(ctx: WorkloadContext, index: number, listen: Address | undefined): Address {
  if (listen !== undefined) return listen
  const service = ctx.host?.info.service[index]
  if (service === undefined)
    throw new WorkloadError(
      'NO_SERVICE_PORT',
      ctx.host === null
        ? 'this workload serves on a host service port but runs outside a testnet host: give the spec a "listen" address'
        : `host ${ctx.host.info.name} has ${ctx.host.info.service.length} service ports, the spec asks for index ${index}`,
    )
  return service
}

/** Waits `ms`, or less when `signal` aborts (then resolves false). */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleepMs(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}
