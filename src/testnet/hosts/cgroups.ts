/**
 * Root mode: a host's CPU and disk limits as cgroup v1 groups
 * (`vboomtn-<runid>-h<i>` under the cpu and blkio hierarchies). CPU is a CFS
 * quota (cores x period per period); disk limits are blkio throttles on the
 * host's own loop device, which binds direct, O_DSYNC and fsync'd I/O and
 * uncached reads (STACK.md: 50 MiB/s measured 49-54; buffered writes
 * without fsync escape it).
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CFS_MIN_QUOTA_US, CFS_PERIOD_US, CGROUP_BLKIO, CGROUP_CPU } from './constants.js'
import { HostEmulationError } from './errors.js'
import type { HostLimits } from './profile.js'
import type { RunState } from './run-state.js'

export interface HostCgroups {
  cpu: string
  blkio: string
}

async function put(file: string, value: string): Promise<void> {
  try {
    await writeFile(file, value)
  } catch (err) {
    throw new HostEmulationError(
      'CGROUP_FAILED',
      `writing "${value}" to ${file} failed: ${(err as Error).message}. Root mode needs root and cgroup v1 cpu and blkio controllers; or run with mode 'emulated'`,
      { cause: err },
    )
  }
}

/** Why cgroup v1 CPU and disk limits cannot be set here, or null. */
export function cgroupsUnavailable(): string | null {
  if (!existsSync(join(CGROUP_CPU, 'cpu.cfs_quota_us'))) return `no cgroup v1 cpu controller at ${CGROUP_CPU}`
  if (!existsSync(join(CGROUP_BLKIO, 'blkio.throttle.write_iops_device')))
    return `no cgroup v1 blkio throttling at ${CGROUP_BLKIO}`
  return null
}

/** Creates the host's cpu and blkio groups and sets its CPU quota. */
export async function createHostCgroups(
  state: RunState,
  name: string,
  limits: HostLimits,
): Promise<HostCgroups> {
  const groups = { cpu: join(CGROUP_CPU, name), blkio: join(CGROUP_BLKIO, name) }
  for (const path of [groups.cpu, groups.blkio]) {
    state.add({ kind: 'cgroup', path })
    await mkdir(path).catch((err: NodeJS.ErrnoException) => {
      throw new HostEmulationError('CGROUP_FAILED', `creating cgroup ${path} failed: ${err.message}`, {
        cause: err,
      })
    })
  }
  await put(join(groups.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US))
  const quota =
    limits.cpuCores === Infinity
      ? -1
      : Math.max(CFS_MIN_QUOTA_US, Math.round(limits.cpuCores * CFS_PERIOD_US))
  await put(join(groups.cpu, 'cpu.cfs_quota_us'), String(quota))
  return groups
}

/** Sets the host's disk throttles on device `majorMinor` (its loop device). */
export async function setDiskThrottle(
  groups: HostCgroups,
  majorMinor: string,
  limits: HostLimits,
): Promise<void> {
  const rules: [string, number][] = [
    ['blkio.throttle.write_bps_device', limits.writeBps],
    ['blkio.throttle.read_bps_device', limits.readBps],
    ['blkio.throttle.write_iops_device', limits.writeIops],
    ['blkio.throttle.read_iops_device', limits.readIops],
  ]
  for (const [file, v] of rules)
    if (v !== Infinity) await put(join(groups.blkio, file), `${majorMinor} ${Math.max(1, Math.round(v))}`)
}

/** Moves process `pid` into the host's groups. */
export async function enterCgroups(groups: HostCgroups, pid: number): Promise<void> {
  await put(join(groups.cpu, 'cgroup.procs'), String(pid))
  await put(join(groups.blkio, 'cgroup.procs'), String(pid))
}
