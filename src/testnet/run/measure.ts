/**
 * What a run measured, from what the workloads recorded and the supervisors'
 * boot logs: each judged VM's rate before and after its swap, each VM's
 * downtime (its system left, its workload's first sample on the new host),
 * whether each disk arrived bit for bit, and the tasks of a DFSIO job.
 */
import type { SupervisorStatus } from '../host/index.js'
import type { TaskResult } from '../report/index.js'
import type { WorkloadStatus } from '../workloads/index.js'
import type { ObservedSwap } from './observe.js'

/** Samples skipped after a (re)start: the workload warms up, the page cache fills. */
const WARMUP_SAMPLES = 2

export interface Improvement {
  vm: string
  metric: string
  unit: string
  /** Mean rate on the host it left, before the swap. */
  before: number
  /** Mean rate on the host it moved to. */
  after: number
  samplesBefore: number
  samplesAfter: number
  improved: boolean
}

export interface Downtime {
  vm: string
  /** Its system left (the host booted the stateless swapper), ms. */
  leftAt: number
  /** Its workload's first sample on the new host, ms; null if none yet. */
  backAt: number | null
}

export interface DiskCheck {
  vm: string
  from: string
  to: string
  /** SHA-256 of the disk as it left its host, and as the new host first booted it. */
  left: string | null
  arrived: string | null
  same: boolean
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length)

/** The judged metric's mean before the swap (on `from`) and after it (on `to`). */
export function improvement(
  records: readonly WorkloadStatus[],
  vm: string,
  metric: string,
  from: string,
  to: string,
  swapStartedAt: number,
): Improvement {
  const samples = records.filter(
    (r): r is Extract<WorkloadStatus, { type: 'sample' }> =>
      r.type === 'sample' && r.vm === vm && r.metric === metric,
  )
  const before = samples.filter((s) => s.host === from && s.t <= swapStartedAt).slice(WARMUP_SAMPLES)
  const after = samples.filter((s) => s.host === to && s.t > swapStartedAt).slice(WARMUP_SAMPLES)
  const b = mean(before.map((s) => s.rate))
  const a = mean(after.map((s) => s.rate))
  return {
    vm,
    metric,
    unit: samples[0]?.unit ?? '',
    before: b,
    after: a,
    samplesBefore: before.length,
    samplesAfter: after.length,
    improved: before.length > 0 && after.length > 0 && a > b,
  }
}

/** When the VM left `from` (its first stateless boot after the swap began) and ran again on `to`. */
export function downtime(
  records: readonly WorkloadStatus[],
  status: SupervisorStatus | undefined,
  vm: string,
  to: string,
  swapStartedAt: number,
): Downtime {
  const left = status?.boots.find((b) => b.kind === 'stateless' && b.atMs >= swapStartedAt - 1000)
  const back = records.find((r) => r.type === 'sample' && r.vm === vm && r.host === to && r.t > swapStartedAt)
  return { vm, leftAt: left?.atMs ?? swapStartedAt, backAt: back?.t ?? null }
}

/** The disk `vm` carried from `from` to `to`: its hash as it left and as it arrived. */
export function diskCheck(
  statusFrom: SupervisorStatus | undefined,
  statusTo: SupervisorStatus | undefined,
  vm: string,
  from: string,
  to: string,
): DiskCheck {
  const left = statusFrom?.boots.find((b) => b.kind === 'stateless')?.diskSha256 ?? null
  const arrivedBoot = statusTo?.boots.filter((b) => b.kind === 'vm' && b.vm === vm).at(-1)
  const arrived = arrivedBoot?.diskSha256 ?? null
  return { vm, from, to, left, arrived, same: left !== null && left === arrived }
}

/** A DFSIO job's completed tasks from its master's status records, times in s from `runStartMs`. */
export function dfsioTasks(
  records: readonly WorkloadStatus[],
  runStartMs: number,
  hostOf: (worker: string, atMs: number) => string | null,
): TaskResult[] {
  const first = new Map<number, number>()
  const attempts = new Map<number, number>()
  const out: TaskResult[] = []
  for (const r of records) {
    if (r.type !== 'task' || r.workload !== 'dfsio-master') continue
    if (r.event === 'assigned') {
      if (!first.has(r.task)) first.set(r.task, r.t)
      attempts.set(r.task, (attempts.get(r.task) ?? 0) + 1)
    } else if (r.event === 'done' && !out.some((t) => t.task === r.task)) {
      const start = first.get(r.task) ?? r.t
      const startS = Math.max(0, (start - runStartMs) / 1000)
      const endS = Math.max(startS, (r.t - runStartMs) / 1000)
      out.push({
        task: r.task,
        worker: r.worker,
        host: hostOf(r.worker, r.t),
        startS,
        endS,
        seconds: endS - startS,
        writeSeconds: r.seconds ?? 0,
        bytes: r.bytes ?? 0,
        mbps: r.mbps ?? 0,
        attempts: Math.max(1, attempts.get(r.task) ?? 1),
      })
    }
  }
  return out
}

export function swapSeconds(x: ObservedSwap, runStartMs: number): { startS: number; endS: number } {
  const startS = Math.max(0, (x.startedAt - runStartMs) / 1000)
  return { startS, endS: Math.max(startS, ((x.endedAt ?? Date.now()) - runStartMs) / 1000) }
}
