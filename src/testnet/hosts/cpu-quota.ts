/**
 * Emulated mode: a host's CPU share, as the kernel's CFS does it, from
 * outside the processes. The host's processes (its process groups) earn
 * `cores` CPU-seconds per second, up to one period's worth; the CPU time they
 * use (utime + stime from /proc, all threads) is charged; while the host is in
 * debt its CPU-bound processes are stopped (SIGSTOP) until the debt is earned
 * back (SIGCONT). Like a CFS quota, a host using less than its share is never
 * stopped (an idle agent answers at once), a busy loop gets its share, and an
 * overshoot between two polls is paid back, so the long-run share is exact.
 *
 * Only the CPU-bound processes are stopped, as CFS within a group serves a
 * task that mostly waits (for its disk, its peers) first whenever it wakes
 * and leaves the quota's rest to the busy ones: stopping the whole host each
 * time its busy loop runs out would also stall the waiting tasks' I/O, so an
 * agent's disk benchmark on a CPU-starved host would measure the CPU share
 * and not the disk (root mode's blkio and CFS keep the two apart). The
 * waiting tasks are still charged, so the busy ones pay for them, and a host
 * whose light tasks alone overspend the share by more than LIGHT_DEBT_S of
 * it is stopped whole until it is even again.
 * Needs no root and no cooperation from the workload.
 */
import {
  CFS_PERIOD_US,
  CPU_HEAVY_RELATIVE,
  CPU_LIGHT_DEBT_S,
  CPU_POLL_MS,
  CPU_RATE_TAU_S,
  CPU_RESCAN_MS,
} from './constants.js'
import { CLOCK_TICKS, readStat } from './proc.js'
import { pidsInGroups } from './socket-owner.js'

/** What the quota knows of one process of the host. */
interface Tracked {
  /** CPU ticks last read. */
  ticks: number
  /** Whether it was read once: the first read is all its past, not a rate. */
  primed: boolean
  /** Smoothed CPU use while it ran, in cores; null until read twice. */
  rate: number | null
  /** Stopped by this quota (SIGSTOP sent, no SIGCONT yet). */
  stopped: boolean
}

export class CpuQuota {
  private readonly groups = new Set<number>()
  private timer: NodeJS.Timeout | null = null
  /** CPU-seconds the host may still use (negative: debt). */
  private balance = 0
  private lastPoll = 0
  private lastScan = 0
  private readonly procs = new Map<number, Tracked>()

  /** @param cores the host's share, in cores (Infinity: no limit, nothing is polled) */
  constructor(private readonly cores: number) {}

  /** Adds process group `pgid` (a process started detached, so its children follow it). */
  add(pgid: number): void {
    this.groups.add(pgid)
    // tracked at the next poll, charged from its start
    this.lastScan = 0
    if (this.cores === Infinity || this.timer !== null) return
    this.lastPoll = performance.now()
    this.balance = this.burst
    this.timer = setInterval(() => this.poll(), CPU_POLL_MS)
    this.timer.unref()
  }

  /** Process groups the host has started (some may be gone). */
  get processGroups(): ReadonlySet<number> {
    return this.groups
  }

  /** One CFS period's worth of CPU, seconds: what may be used at once after idling. */
  private get burst(): number {
    return (this.cores * CFS_PERIOD_US) / 1e6
  }

  private send(pid: number, p: Tracked, stop: boolean): void {
    if (p.stopped === stop) return
    try {
      process.kill(pid, stop ? 'SIGSTOP' : 'SIGCONT')
      p.stopped = stop
    } catch {
      this.procs.delete(pid)
    }
  }

  private rescan(): void {
    const live = pidsInGroups(this.groups)
    for (const pid of this.procs.keys()) if (!live.has(pid)) this.procs.delete(pid)
    // a process first seen is charged from its start: it began recently, in this host
    for (const pid of live.keys())
      if (!this.procs.has(pid)) this.procs.set(pid, { ticks: 0, primed: false, rate: null, stopped: false })
    if (live.size === 0 && this.groups.size > 0) this.groups.clear()
  }

  private poll(): void {
    const now = performance.now()
    const dt = (now - this.lastPoll) / 1000
    this.balance = Math.min(this.burst, this.balance + this.cores * dt)
    this.lastPoll = now
    if (now - this.lastScan > CPU_RESCAN_MS) {
      this.lastScan = now
      this.rescan()
    }
    // a rate moves 1 - e^(-dt/tau) of the way to the latest reading
    const alpha = 1 - Math.exp(-dt / CPU_RATE_TAU_S)
    let used = 0
    for (const [pid, p] of this.procs) {
      const st = readStat(pid)
      if (st === null) continue
      const ticks = st.cpuTicks - p.ticks
      used += ticks
      // a stopped process's rate stays as it was when it ran: its demand cannot be seen while stopped
      if (p.primed && !p.stopped && dt > 0) {
        const sample = ticks / CLOCK_TICKS / dt
        p.rate = p.rate === null ? sample : p.rate + alpha * (sample - p.rate)
      }
      p.primed = true
      p.ticks = st.cpuTicks
    }
    this.balance -= used / CLOCK_TICKS
    this.apply()
  }

  /** Stops or continues each process for the balance now. */
  private apply(): void {
    if (this.balance >= 0) {
      for (const [pid, p] of this.procs) this.send(pid, p, false)
      return
    }
    const deep = this.balance < -Math.max(this.burst, this.cores * CPU_LIGHT_DEBT_S)
    let top = 0
    for (const p of this.procs.values()) top = Math.max(top, p.rate ?? 0)
    for (const [pid, p] of this.procs) {
      // a process not yet read twice counts as busy: its use is unknown
      const heavy = p.rate === null || p.rate >= CPU_HEAVY_RELATIVE * top
      if (deep || heavy) this.send(pid, p, true)
    }
  }

  /** Stops limiting and lets every process run. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    for (const [pid, p] of this.procs) this.send(pid, p, false)
  }
}
