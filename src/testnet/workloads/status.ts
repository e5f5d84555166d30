/**
 * What a workload tells the testnet, one JSON record per line: samples of
 * its throughput every second, its tasks and job, notes and errors. The
 * supervisor, the scenario runner and the live view read them (status-tail.ts).
 */
import { z } from 'zod'
import type { WorkloadKind } from './spec.js'

/** What a sample measures. */
export type Metric = 'disk-write' | 'cpu' | 'net-send' | 'net-recv'
export type RateUnit = 'MB/s' | 'units/s'

export const METRIC_UNIT: Record<Metric, RateUnit> = {
  'disk-write': 'MB/s',
  cpu: 'units/s',
  'net-send': 'MB/s',
  'net-recv': 'MB/s',
}

/** Every record: when (ms since the epoch), which VM, on which host, running which workload. */
export interface StatusIdentity {
  vm: string
  /** The host's name; 'none' outside a testnet host. */
  host: string
  workload: WorkloadKind
}

export type TaskEvent = 'assigned' | 'started' | 'progress' | 'done' | 'lost' | 'abandoned'

export type StatusBody =
  /** The workload started; `mode` is its host's ('none' outside a host). */
  | { type: 'start'; mode: 'root' | 'emulated' | 'none' }
  /** Throughput over the last `intervalS`: `rate` in `unit`; `total` in bytes (MB/s) or units since the workload first ran. */
  | { type: 'sample'; metric: Metric; rate: number; unit: RateUnit; total: number; intervalS: number }
  /**
   * A DFSIO task attempt. Master: assigned, done (recorded), lost (timed out or
   * its worker restarted; `reason`). Worker: started, done, abandoned (the
   * master gave it to another).
   */
  | {
      type: 'task'
      event: TaskEvent
      task: number
      attempt: number
      worker: string
      bytes?: number
      /** done: the worker's write time, s. */
      seconds?: number
      /** done: bytes / seconds, MB/s. */
      mbps?: number
      reason?: string
    }
  /** A DFSIO job (master): started at the first assignment, done at the last completion. */
  | { type: 'job'; event: 'started' | 'done'; tasks: number; tasksDone: number; totalSeconds?: number }
  | { type: 'note'; message: string }
  | { type: 'error'; code: string; message: string }
  /** The workload ended: its work is done, it was stopped, or it failed. */
  | { type: 'end'; reason: 'finished' | 'signal' | 'error' }

export type WorkloadStatus = StatusIdentity & { t: number } & StatusBody
export type WorkloadSample = Extract<WorkloadStatus, { type: 'sample' }>

const finite = z.number().finite()
const count = z.number().int().nonnegative()

const identity = {
  t: finite,
  vm: z.string().min(1).max(64),
  host: z.string().min(1).max(253),
  workload: z.enum(['dfsio-master', 'dfsio-worker', 'cpu', 'net-sink', 'net-stream']),
}

const StatusSchema = z.discriminatedUnion('type', [
  z.object({ ...identity, type: z.literal('start'), mode: z.enum(['root', 'emulated', 'none']) }),
  z.object({
    ...identity,
    type: z.literal('sample'),
    metric: z.enum(['disk-write', 'cpu', 'net-send', 'net-recv']),
    rate: finite.nonnegative(),
    unit: z.enum(['MB/s', 'units/s']),
    total: finite.nonnegative(),
    intervalS: finite.positive(),
  }),
  z.object({
    ...identity,
    type: z.literal('task'),
    event: z.enum(['assigned', 'started', 'progress', 'done', 'lost', 'abandoned']),
    task: count,
    attempt: count,
    worker: z.string().min(1).max(64),
    bytes: count.optional(),
    seconds: finite.nonnegative().optional(),
    mbps: finite.nonnegative().optional(),
    reason: z.string().max(200).optional(),
  }),
  z.object({
    ...identity,
    type: z.literal('job'),
    event: z.enum(['started', 'done']),
    tasks: count,
    tasksDone: count,
    totalSeconds: finite.nonnegative().optional(),
  }),
  z.object({ ...identity, type: z.literal('note'), message: z.string().max(1000) }),
  z.object({
    ...identity,
    type: z.literal('error'),
    code: z.string().max(64),
    message: z.string().max(2000),
  }),
  z.object({ ...identity, type: z.literal('end'), reason: z.enum(['finished', 'signal', 'error']) }),
])

/** Checks one parsed record; null when it is not a status record. */
export function parseStatus(value: unknown): WorkloadStatus | null {
  const r = StatusSchema.safeParse(value)
  return r.success ? (r.data as WorkloadStatus) : null
}

/** The latest sample of each VM among `records` (later records win). */
export function latestSamples(records: Iterable<WorkloadStatus>): Map<string, WorkloadSample> {
  const out = new Map<string, WorkloadSample>()
  for (const r of records) if (r.type === 'sample') out.set(r.vm, r)
  return out
}
