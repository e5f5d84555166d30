/**
 * A host's hardware profile: what the emulation holds the host's VM to.
 * Absent fields mean "not limited". MB is 10^6 bytes, Mbit 10^6 bits, as
 * fio's bw_bytes and iperf3's bits_per_second count them.
 */
import { availableParallelism } from 'node:os'
import { HostEmulationError } from './errors.js'

export interface HostProfile {
  /** Disk writes, MB/s (10^6 bytes/s). */
  diskWriteMBps?: number
  /** Disk reads, MB/s (10^6 bytes/s). */
  diskReadMBps?: number
  /** Disk writes, I/O operations per second. */
  diskWriteIops?: number
  /** Disk reads, I/O operations per second. */
  diskReadIops?: number
  /** CPU, in cores: 0.5 is half of one core, 2 two cores. Give this or cpuMachineShare. */
  cpuCores?: number
  /** CPU, as a fraction of the whole machine (0.25 of a 2-core machine is 0.5 cores). */
  cpuMachineShare?: number
  /** Network rate, Mbit/s, both directions unless netDownMbit is given. */
  netMbit?: number
  /** Network rate towards the host, Mbit/s; default netMbit. */
  netDownMbit?: number
  /** One-way network delay of the host's link, ms (a connection between two hosts sees both). */
  netDelayMs?: number
}

/** A profile in the units the emulation applies, every limit resolved (Infinity: none). */
export interface HostLimits {
  writeBps: number
  readBps: number
  writeIops: number
  readIops: number
  /** CPU cores (Infinity: unlimited). */
  cpuCores: number
  /** bits/s from the host. */
  upBps: number
  /** bits/s to the host. */
  downBps: number
  /** One-way delay, ms. */
  delayMs: number
}

function positive(profile: HostProfile, key: keyof HostProfile, allowZero = false): number | undefined {
  const v = profile[key]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new HostEmulationError(
      'PROFILE_INVALID',
      `host profile field ${key} is ${String(v)}: give a ${allowZero ? 'non-negative' : 'positive'} finite number, or leave it out for no limit`,
    )
  return v
}

/** Checks a profile and resolves it into limits; throws PROFILE_INVALID on a bad field. */
export function resolveLimits(profile: HostProfile, cores = availableParallelism()): HostLimits {
  const cpuCores = positive(profile, 'cpuCores')
  const share = positive(profile, 'cpuMachineShare')
  if (cpuCores !== undefined && share !== undefined)
    throw new HostEmulationError(
      'PROFILE_INVALID',
      'host profile gives both cpuCores and cpuMachineShare: give one of them',
    )
  if (share !== undefined && share > 1)
    throw new HostEmulationError(
      'PROFILE_INVALID',
      `host profile cpuMachineShare is ${share}: give a fraction of the machine up to 1`,
    )
  const mb = (k: keyof HostProfile): number => {
    const v = positive(profile, k)
    return v === undefined ? Infinity : v * 1e6
  }
  const count = (k: keyof HostProfile): number => positive(profile, k) ?? Infinity
  const up = positive(profile, 'netMbit')
  const down = positive(profile, 'netDownMbit') ?? up
  return {
    writeBps: mb('diskWriteMBps'),
    readBps: mb('diskReadMBps'),
    writeIops: count('diskWriteIops'),
    readIops: count('diskReadIops'),
    cpuCores: cpuCores ?? (share === undefined ? Infinity : share * cores),
    upBps: up === undefined ? Infinity : up * 1e6,
    downBps: down === undefined ? Infinity : down * 1e6,
    delayMs: positive(profile, 'netDelayMs', true) ?? 0,
  }
}
