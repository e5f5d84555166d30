/**
 * Parsers of the Linux files the needs learner reads. Pure: text in, counters
 * out; a line or field that is not there gives null, never a throw (kernels
 * differ: `full` lines of /proc/pressure/cpu since 5.13, diskstats grew
 * fields in 4.18 and 5.5).
 *
 * Formats (Documentation/accounting/psi.rst, admin-guide/iostats.rst,
 * filesystems/proc.rst):
 *   /proc/pressure/{cpu,io,memory}: `some avg10=1.15 avg60=1.07 avg300=1.17 total=265093022`
 *     (total: cumulative stall time, µs)
 *   /proc/diskstats: major minor name, then reads completed, reads merged,
 *     sectors read, ms reading, writes completed, writes merged, sectors
 *     written, ms writing, I/Os in progress, ms doing I/O (io_ticks), ...
 *     (a sector is 512 bytes whatever the device's block size)
 *   /proc/net/dev: `iface: rx bytes packets errs drop fifo frame compressed
 *     multicast tx bytes packets ...`
 *   /proc/stat: `cpu user nice system idle iowait irq softirq steal guest guest_nice` (ticks)
 */

export interface PressureLine {
  avg10: number
  avg60: number
  avg300: number
  /** Cumulative stall time, µs. */
  totalUs: number
}

export interface Pressure {
  some: PressureLine
  full: PressureLine | null
}

function pressureLine(text: string, kind: 'some' | 'full'): PressureLine | null {
  const line = text.split('\n').find((l) => l.startsWith(`${kind} `))
  if (line === undefined) return null
  const field = (name: string): number | null => {
    const m = line.match(new RegExp(`\\b${name}=([0-9.]+)`))
    return m === null ? null : Number(m[1])
  }
  const avg10 = field('avg10')
  const avg60 = field('avg60')
  const avg300 = field('avg300')
  const totalUs = field('total')
  if (avg10 === null || avg60 === null || avg300 === null || totalUs === null) return null
  return { avg10, avg60, avg300, totalUs }
}

export function parsePressure(text: string): Pressure | null {
  const some = pressureLine(text, 'some')
  return some === null ? null : { some, full: pressureLine(text, 'full') }
}

export interface DiskCounters {
  name: string
  readsCompleted: number
  sectorsRead: number
  writesCompleted: number
  sectorsWritten: number
  /** ms the device had I/O in flight. */
  ioTicksMs: number
}

/** Counters per device, keyed `major:minor`. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>()
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 13) continue
    const n = f.slice(3, 13).map(Number)
    if (n.some((x) => !Number.isFinite(x))) continue
    out.set(`${f[0]}:${f[1]}`, {
      name: f[2]!,
      readsCompleted: n[0]!,
      sectorsRead: n[2]!,
      writesCompleted: n[4]!,
      sectorsWritten: n[6]!,
      ioTicksMs: n[9]!,
    })
  }
  return out
}

export interface NetCounters {
  rxBytes: number
  rxPackets: number
  txBytes: number
  txPackets: number
}

/** Counters per interface. */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const out = new Map<string, NetCounters>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number)
    if (name === '' || f.length < 10 || f.some((x) => !Number.isFinite(x))) continue
    out.set(name, { rxBytes: f[0]!, rxPackets: f[1]!, txBytes: f[8]!, txPackets: f[9]! })
  }
  return out
}

export interface CpuTicks {
  /** user + nice + system + irq + softirq + steal: time some CPU worked (or was taken by the hypervisor while wanted). */
  busy: number
  /** busy + idle + iowait. */
  total: number
}

/** The aggregate `cpu` line of /proc/stat (guest time is already inside user). */
export function parseProcStat(text: string): CpuTicks | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l))
  if (line === undefined) return null
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return null
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const busy = user + nice + system + irq + softirq + steal
  return { busy, total: busy + idle + iowait }
}
