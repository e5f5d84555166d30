/**
 * Emulated mode: a host's CPU share, as the kernel's CFS bandwidth control
 * does it, from outside the processes. The host's processes (its process
 * groups) earn `cores` CPU-seconds per second, up to one period's worth; the
 * CPU time they use (utime + stime from /proc, all threads) is charged; when
 * they are in debt they are stopped (SIGSTOP) until the debt is earned back
 * (SIGCONT). Like a CFS quota, a host using less than its share is never
 * stopped (an idle agent answers at once), a busy loop gets its share, and an
 * overshoot between two polls is paid back, so the long-run share is exact.
 * Needs no root and no cooperation from the workload.
 */
import { CFS_PERIOD_US, CPU_POLL_MS, CPU_RESCAN_MS } from './constants.js'
import { CLOCK_TICKS, readStat } from './proc.js'
import { pidsInGroups } from './socket-owner.js'

export class CpuQuota {
  private readonly groups = new Set<number>()
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  /** CPU-seconds the host may still use (negative: debt). */
  private balance = 0
  private lastPoll = 0
  private lastScan = 0
  /** CPU ticks last seen per pid. */
  private seen = new Map<number, number>()

  /** @param cores the host's share, in cores (Infinity: no limit, nothing is polled) */
  constructor(private readonly cores: number) {}

  /** Adds process group `pgid` (a process started detached, so its children follow it). */
  add(pgid: number): void {
    this.groups.add(pgid)
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

  private signal(sig: NodeJS.Signals): void {
    for (const g of this.groups) {
      try {
        process.kill(-g, sig)
      } catch {
        this.groups.delete(g)
      }
    }
  }

  private poll(): void {
    const now = performance.now()
    this.balance = Math.min(this.burst, this.balance + (this.cores * (now - this.lastPoll)) / 1000)
    this.lastPoll = now
    if (now - this.lastScan > CPU_RESCAN_MS) {
      this.lastScan = now
      const live = pidsInGroups(this.groups)
      for (const pid of this.seen.keys()) if (!live.has(pid)) this.seen.delete(pid)
      // a process first seen is charged from its start: it began recently, in this host
      for (const pid of live.keys()) if (!this.seen.has(pid)) this.seen.set(pid, 0)
      if (live.size === 0 && this.groups.size > 0) this.groups.clear()
    }
    let used = 0
    for (const [pid, before] of this.seen) {
      const st = readStat(pid)
      if (st === null) continue
      used += st.cpuTicks - before
      this.seen.set(pid, st.cpuTicks)
    }
    this.balance -= used / CLOCK_TICKS
    if (this.balance < 0 && !this.stopped) {
      this.stopped = true
      this.signal('SIGSTOP')
    } else if (this.balance >= 0 && this.stopped) {
      this.stopped = false
      this.signal('SIGCONT')
    }
  }

  /** Stops limiting and lets every process run. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    if (this.stopped) this.signal('SIGCONT')
    this.stopped = false
  }
}
