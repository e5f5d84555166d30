/**
 * When the profiler runs: a jittered interval, pushed back by the budget.
 *
 * Budget rule. A run that started at s and cost c_cpu ms of CPU and c_disk
 * ms of disk time lets the next run start no earlier than
 *   s + max(wall, c_cpu / (cpuShare x cores), c_disk / diskShare).
 * Each run thus pays for its own cost with the gap that follows it, so over
 * any stretch from the first run's start to the start of the run after the
 * last one, CPU time <= cpuShare x cores x elapsed and disk time <=
 * diskShare x elapsed: the long-run shares stay under the budget whatever
 * the costs were (a slow disk or a loaded CPU stretches the schedule rather
 * than taking more). The floor is persisted, so a restart cannot skip it.
 * Aborted and failed runs count with what they cost.
 */
import { ProfilerError } from './errors.js'

export interface ScheduleOptions {
  intervalMs: number
  /** Each gap is intervalMs x (1 + jitter x u), u uniform in [-1, 1]. */
  jitter: number
  startDelayMs: number
  busyRetryMs: number
  /** Long-run share of the VM's CPU capacity (cores x wall time). */
  cpuShare: number
  /** Long-run share of wall time the disk benchmarks may keep the disk busy. */
  diskShare: number
  /** The VM's cores (CPU capacity per wall ms). */
  cores: number
}

/** What one run cost, measured. */
export interface RunCost {
  /** Wall time of the whole run, ms. */
  wallMs: number
  /** CPU time of the agent's process during the run (all threads, the sandbox's workers included), ms. */
  cpuMs: number
  /** Wall time of the disk benchmarks (while they run the disk is theirs), ms. */
  diskMs: number
  /** Bytes the process read from and wrote to storage during the run (/proc/self/io; 0 where it is missing). */
  readBytes: number
  writeBytes: number
  /** Bytes the benchmarks' disk calls moved, as they report them (read and written together). */
  benchmarkBytes: number
}

export function checkScheduleOptions(o: ScheduleOptions): void {
  const ok =
    o.intervalMs > 0 &&
    o.jitter >= 0 &&
    o.jitter < 1 &&
    o.startDelayMs >= 0 &&
    o.busyRetryMs > 0 &&
    o.cpuShare > 0 &&
    o.cpuShare <= 1 &&
    o.diskShare > 0 &&
    o.diskShare <= 1 &&
    o.cores > 0
  if (!ok)
    throw new ProfilerError(
      'BAD_OPTIONS',
      `profiler schedule out of range: ${JSON.stringify(o)}; intervals > 0, jitter in [0, 1), shares in (0, 1]`,
    )
}

/** base x (1 + jitter x u) with u uniform in [-1, 1] from `random` (uniform in [0, 1)). */
export function jittered(baseMs: number, jitter: number, random: () => number): number {
  return baseMs * (1 + jitter * (2 * random() - 1))
}

/** The earliest start after a run that started at `startedAtMs` and cost `cost` (the budget rule). */
export function budgetFloorMs(startedAtMs: number, cost: RunCost, o: ScheduleOptions): number {
  return startedAtMs + Math.max(cost.wallMs, cost.cpuMs / (o.cpuShare * o.cores), cost.diskMs / o.diskShare)
}

export interface NextRun {
  atMs: number
  /** What decided it: the jittered interval, the budget floor, the first-run delay or a busy retry. */
  reason: 'interval' | 'budget' | 'start' | 'busy' | 'no-suite' | 'error'
}

/** After a run: the jittered interval from its start, or the budget floor if later. */
export function nextRunAfter(
  startedAtMs: number,
  cost: RunCost,
  o: ScheduleOptions,
  random: () => number,
): NextRun {
  const byInterval = startedAtMs + jittered(o.intervalMs, o.jitter, random)
  const floor = budgetFloorMs(startedAtMs, cost, o)
  return floor > byInterval ? { atMs: floor, reason: 'budget' } : { atMs: byInterval, reason: 'interval' }
}

/** At start: the start delay plus up to one jitter of the interval, and never before a persisted floor. */
export function firstRun(
  nowMs: number,
  notBeforeMs: number,
  o: ScheduleOptions,
  random: () => number,
): NextRun {
  const at = nowMs + o.startDelayMs + o.jitter * o.intervalMs * random()
  return notBeforeMs > at ? { atMs: notBeforeMs, reason: 'budget' } : { atMs: at, reason: 'start' }
}

/** When a due run could not start (gate held, suite not fetched yet): a jittered retry, never before the floor. */
export function retryRun(
  nowMs: number,
  notBeforeMs: number,
  reason: 'busy' | 'no-suite' | 'error',
  o: ScheduleOptions,
  random: () => number,
): NextRun {
  const at = nowMs + jittered(o.busyRetryMs, o.jitter, random)
  return notBeforeMs > at ? { atMs: notBeforeMs, reason: 'budget' } : { atMs: at, reason }
}
