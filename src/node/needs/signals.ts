/**
 * From two counter snapshots, what the VM did over the interval between them:
 * stall shares, CPU busy, disk and network rates. The agent's own
 * benchmarks are taken out (their CPU, disk time and bytes, as the profiler
 * measured them): they are not the workload. A counter that went backwards
 * (a reset, a device replaced) leaves its signals out of this interval.
 */
import type { CounterSnapshot } from './snapshot.js'

export interface IntervalSignals {
  dtMs: number
  /** CPU busy, in cores (0 to the VM's cores). */
  cpuBusyCores: number | null
  /** Share of wall time some task waited for a CPU (PSI cpu some). */
  cpuSome: number | null
  /** Share of wall time some task waited for I/O (PSI io some). */
  ioSome: number | null
  /** Share of wall time some task waited for memory (reclaim, swap-in, refaults: PSI memory some). */
  memorySome: number | null
  /** Share of wall time the VM's disk had I/O in flight (diskstats io_ticks). */
  diskBusy: number | null
  diskReadBytesPerS: number | null
  diskWriteBytesPerS: number | null
  diskReadOpsPerS: number | null
  diskWriteOpsPerS: number | null
  netRxBytesPerS: number | null
  netTxBytesPerS: number | null
  netRxPacketsPerS: number | null
  netTxPacketsPerS: number | null
  /** The link's rate, Mbit/s, when the interfaces say. */
  linkMbit: number | null
}

export type SignalName = Exclude<keyof IntervalSignals, 'dtMs'>

/** The agent's own benchmark cost over the interval (profiler totals, differenced). */
export interface OwnCost {
  cpuMs: number
  diskMs: number
  readBytes: number
  writeBytes: number
}

const NO_COST: OwnCost = { cpuMs: 0, diskMs: 0, readBytes: 0, writeBytes: 0 }
const SECTOR_BYTES = 512

/** b - a when both are known and b >= a. */
const delta = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b < a ? null : b - a

const minus = (v: number | null, own: number): number | null => (v === null ? null : Math.max(0, v - own))

/** The signals of the interval from `a` to `b` (null when b is not later than a). */
export function intervalSignals(
  a: CounterSnapshot,
  b: CounterSnapshot,
  cores: number,
  own: OwnCost = NO_COST,
): IntervalSignals | null {
  const dtMs = b.atMs - a.atMs
  if (!(dtMs > 0)) return null
  const dtS = dtMs / 1000
  const share = (d: number | null, unitsPerMs: number): number | null =>
    d === null ? null : Math.min(1, d / unitsPerMs / dtMs)
  const rate = (d: number | null, scale = 1): number | null => (d === null ? null : (d * scale) / dtS)
  const busy = delta(a.cpu?.busy, b.cpu?.busy)
  const total = delta(a.cpu?.total, b.cpu?.total)
  const cpuBusyCores = busy === null || total === null || total === 0 ? null : (busy / total) * cores
  return {
    dtMs,
    cpuBusyCores: minus(cpuBusyCores, own.cpuMs / dtMs),
    cpuSome: share(delta(a.psi.cpu, b.psi.cpu), 1000),
    ioSome: minus(share(delta(a.psi.io, b.psi.io), 1000), own.diskMs / dtMs),
    memorySome: share(delta(a.psi.memory, b.psi.memory), 1000),
    diskBusy: minus(share(delta(a.disk?.ioTicksMs, b.disk?.ioTicksMs), 1), own.diskMs / dtMs),
    diskReadBytesPerS: minus(
      rate(delta(a.disk?.sectorsRead, b.disk?.sectorsRead), SECTOR_BYTES),
      own.readBytes / dtS,
    ),
    diskWriteBytesPerS: minus(
      rate(delta(a.disk?.sectorsWritten, b.disk?.sectorsWritten), SECTOR_BYTES),
      own.writeBytes / dtS,
    ),
    diskReadOpsPerS: rate(delta(a.disk?.readsCompleted, b.disk?.readsCompleted)),
    diskWriteOpsPerS: rate(delta(a.disk?.writesCompleted, b.disk?.writesCompleted)),
    netRxBytesPerS: rate(delta(a.net?.rxBytes, b.net?.rxBytes)),
    netTxBytesPerS: rate(delta(a.net?.txBytes, b.net?.txBytes)),
    netRxPacketsPerS: rate(delta(a.net?.rxPackets, b.net?.rxPackets)),
    netTxPacketsPerS: rate(delta(a.net?.txPackets, b.net?.txPackets)),
    linkMbit: b.linkMbit,
  }
}
