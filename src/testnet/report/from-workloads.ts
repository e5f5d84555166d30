/**
 * Run results from what the workloads recorded: a DFSIO master's
 * result.json gives the tasks, the workers' status files the throughput
 * series. A VM that is down sends no samples; a gap longer than
 * GAP_FACTOR sample intervals is drawn as zero throughput from one
 * interval after the last sample to one before the next (the paper's
 * Figure 3(b): zero while the VM swaps), not as a line across the gap.
 */

import { SAMPLE_INTERVAL_MS } from '../workloads/constants.js'
import type { DfsioResult, WorkloadStatus } from '../workloads/index.js'
import type { TaskResult, ThroughputSeries } from './results.js'

/** Samples further apart than this many intervals mean the VM was not running between them. */
const GAP_FACTOR = 2.5

/**
 * The tasks of a DFSIO job, times in s from `runStartMs`; `hostOf` says
 * where a worker ran at a time (its VM may have moved), null when unknown.
 */
export function tasksFromDfsio(
  result: DfsioResult,
  runStartMs: number,
  hostOf: (worker: string, atMs: number) => string | null = () => null,
): TaskResult[] {
  return result.records.map((r) => ({
    task: r.task,
    worker: r.worker,
    host: hostOf(r.worker, r.endMs),
    startS: Math.max(0, (r.firstAssignedMs - runStartMs) / 1000),
    endS: Math.max(0, (r.endMs - runStartMs) / 1000),
    seconds: r.seconds,
    writeSeconds: r.writeSeconds,
    bytes: r.bytes,
    mbps: r.mbps,
    attempts: r.attempts,
  }))
}

/** Each VM's samples of each metric as a series, times in s from `runStartMs`, gaps as zero. */
export function seriesFromStatus(records: Iterable<WorkloadStatus>, runStartMs: number): ThroughputSeries[] {
  const by = new Map<string, ThroughputSeries>()
  const interval = SAMPLE_INTERVAL_MS / 1000
  for (const r of records) {
    if (r.type !== 'sample') continue
    const key = `${r.vm}\u0000${r.metric}`
    let s = by.get(key)
    if (s === undefined) {
      s = { vm: r.vm, metric: r.metric, unit: r.unit, points: [] }
      by.set(key, s)
    }
    const t = Math.max(0, (r.t - runStartMs) / 1000)
    const last = s.points.at(-1)
    if (last !== undefined && t < last[0]) continue
    if (last !== undefined && t - last[0] > GAP_FACTOR * interval)
      s.points.push([last[0] + interval, 0], [t - interval, 0])
    s.points.push([t, r.rate])
  }
  return [...by.values()]
}
