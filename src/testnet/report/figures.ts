/**
 * The figures a report states, computed once from the results: each run's
 * time and its change against the run without VBoom, the swaps' downtime,
 * and each worker's mean task throughput (TestDFSIO's average I/O rate:
 * the mean over its tasks of bytes / write time).
 */
import type { RunResults, ScenarioResults } from './results.js'

export interface WorkerMean {
  vm: string
  tasks: number
  /** Mean of its tasks' MB/s. */
  meanMBps: number
}

export interface RunSummary {
  id: string
  label: string
  placement: RunResults['placement']
  totalSeconds: number
  /** (baseline - this) / baseline, % (positive: faster); null for the baseline itself or when there is none. */
  reductionPct: number | null
  tasks: number
  /** Attempts lost and run again. */
  lostAttempts: number
  meanTaskSeconds: number
  swaps: number
  /** Summed over every VM's downtime intervals, s. */
  downtimeSeconds: number
  /** Longest single downtime, s (the paper: ~480 s). */
  longestDowntimeSeconds: number
  workers: WorkerMean[]
  ledgerChecks: { passed: number; failed: number }
}

export interface ReportSummary {
  runs: RunSummary[]
  /** The baseline run's id, null when no run has placement 'baseline'. */
  baseline: string | null
}

const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length

function workerMeans(run: RunResults): WorkerMean[] {
  const by = new Map<string, number[]>()
  for (const t of run.tasks) by.set(t.worker, [...(by.get(t.worker) ?? []), t.mbps])
  return [...by.entries()]
    .map(([vm, rates]) => ({ vm, tasks: rates.length, meanMBps: mean(rates) }))
    .sort((a, b) => a.vm.localeCompare(b.vm))
}

export function summarize(results: ScenarioResults): ReportSummary {
  const base = results.runs.find((r) => r.placement === 'baseline') ?? null
  const runs = results.runs.map((run): RunSummary => {
    const downs = run.swaps.flatMap((s) => s.downtime.map((d) => d.endS - d.startS))
    return {
      id: run.id,
      label: run.label,
      placement: run.placement,
      totalSeconds: run.totalSeconds,
      reductionPct:
        base === null || base === run || base.totalSeconds === 0
          ? null
          : ((base.totalSeconds - run.totalSeconds) / base.totalSeconds) * 100,
      tasks: run.tasks.length,
      lostAttempts: run.tasks.reduce((n, t) => n + t.attempts - 1, 0),
      meanTaskSeconds: mean(run.tasks.map((t) => t.seconds)),
      swaps: run.swaps.length,
      downtimeSeconds: downs.reduce((a, b) => a + b, 0),
      longestDowntimeSeconds: downs.length === 0 ? 0 : Math.max(...downs),
      workers: workerMeans(run),
      ledgerChecks: {
        passed: run.ledgerChecks.filter((c) => c.ok).length,
        failed: run.ledgerChecks.filter((c) => !c.ok).length,
      },
    }
  })
  return { runs, baseline: base?.id ?? null }
}

/** `2790 s (46:30)`. */
export function secondsText(s: number): string {
  const whole = Math.round(s)
  const m = Math.floor(whole / 60)
  const sec = String(whole % 60).padStart(2, '0')
  return `${s < 10 ? s.toFixed(1) : whole} s (${m}:${sec})`
}

/** `27.3 % less` / `4.1 % more` / `-`. */
export function reductionText(pct: number | null): string {
  if (pct === null) return '-'
  return pct >= 0 ? `${pct.toFixed(1)} % less` : `${(-pct).toFixed(1)} % more`
}

/** `800 MiB` when a whole number of MiB, else `800 MB` (10^6 bytes, as the profiles count). */
export function sizeText(bytes: number): string {
  return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${(bytes / 1e6).toFixed(0)} MB`
}
