/**
 * What the live view shows, as plain data: the orchestrator fills a
 * TestnetSnapshot from the running anchor and host supervisors; the view
 * renders it (render.ts), or prints it as JSON lines (`--json`). Times are
 * ms since the epoch; rates are in the unit they name.
 */
import { describeEntry } from '../../anchor/ledger/format.js'
import type { LedgerEntryView } from '../../anchor/ledger/ledger.js'
import type { SwapPhase } from '../../swapper/events.js'
import type { HostMode, HostProfile } from '../hosts/index.js'
import type { Metric, RateUnit, WorkloadKind, WorkloadSample, WorkloadStatus } from '../workloads/index.js'

export interface TestnetSnapshot {
  /** When it was taken. */
  at: number
  /** When the run started. */
  startedAt: number
  /** The scenario's name; null for a plain testnet. */
  scenario: string | null
  mode: HostMode
  /** One line: why this mode runs. */
  modeReason: string
  hosts: SnapshotHost[]
  vms: SnapshotVm[]
  /** Swaps in progress and finished ones (the view shows the last few). */
  swaps: SnapshotSwap[]
  /** The ledger's last entries, oldest first. */
  ledger: SnapshotLedgerEntry[]
  /** Jobs (a DFSIO master's), as their masters report them. */
  jobs: SnapshotJob[]
}

/**
 * running: a VM's system is up; stateless: the stateless swapper runs;
 * verifying: the anchor's image runs (bootRemote); booting: between those;
 * idle: no VM.
 */
export type HostState = 'running' | 'stateless' | 'verifying' | 'booting' | 'idle'

export interface SnapshotHost {
  /** The location's name. */
  name: string
  profile: HostProfile
  state: HostState
  /** The VM whose disk the host holds (during a swap: the one it held when the swap began). */
  vm: string | null
}

/** running: its workload runs; swapping: its host runs the stateless swapper; stopped: not running. */
export type VmState = 'running' | 'swapping' | 'booting' | 'stopped'

export interface SnapshotSample {
  metric: Metric
  rate: number
  unit: RateUnit
  at: number
}

export interface SnapshotVm {
  name: string
  /** The owner, as short as the view needs it (a name, or the key's first hex digits). */
  owner: string
  /** Where it runs; null while its disk is being swapped. */
  host: string | null
  state: VmState
  workload: WorkloadKind | null
  /** Its workload's latest sample; null before the first. */
  latest: SnapshotSample | null
}

/** A swap's phase as the view names it: the swapper's phases, and the lifecycle's around them. */
export type SnapshotSwapPhase = 'agreed' | 'rebooting' | SwapPhase | 'booting' | 'committed' | 'aborted'

export interface SnapshotSwapSide {
  vm: string
  /** The host it leaves. */
  from: string
  /** The host it moves to. */
  to: string
}

export interface SnapshotSwap {
  /** The swap id (hex). */
  id: string
  sides: [SnapshotSwapSide, SnapshotSwapSide]
  phase: SnapshotSwapPhase
  /** Of the current phase, 0 to 1 (the slower side's). */
  progress: number
  bytesDone: number
  bytesTotal: number
  startedAt: number
  /** null while it runs. */
  endedAt: number | null
  /** The agreement's terms in words ("mutual gain, no price", who pays whom). */
  terms?: string
}

export interface SnapshotLedgerEntry {
  /** Decimal (ledger sequence numbers are 64-bit). */
  seq: string
  at: number
  kind: string
  /** One line, as `vboom ledger` prints it. */
  text: string
}

export interface SnapshotJob {
  /** The master's VM. */
  vm: string
  tasksTotal: number
  tasksDone: number
  /** Attempts handed out and not yet done or lost. */
  running: number
  startedAt: number | null
  endedAt: number | null
}

/** A ledger entry as the view shows it. */
export function snapshotLedgerEntry(e: LedgerEntryView): SnapshotLedgerEntry {
  return { seq: e.seq.toString(), at: e.appendedAtMs, kind: e.kind, text: describeEntry(e) }
}

export function snapshotSample(s: WorkloadSample): SnapshotSample {
  return { metric: s.metric, rate: s.rate, unit: s.unit, at: s.t }
}

/** A DFSIO job as its master's status records tell it (null when they show no job yet). */
export function snapshotJob(records: readonly WorkloadStatus[]): SnapshotJob | null {
  let job: SnapshotJob | null = null
  const running = new Set<string>()
  for (const r of records) {
    if (r.workload !== 'dfsio-master') continue
    if (r.type === 'job') {
      job ??= { vm: r.vm, tasksTotal: r.tasks, tasksDone: 0, running: 0, startedAt: null, endedAt: null }
      if (r.event === 'started') job.startedAt ??= r.t
      else job.endedAt = r.t
      job.tasksDone = r.tasksDone
    } else if (r.type === 'task') {
      const key = `${r.task}/${r.attempt}`
      if (r.event === 'assigned') running.add(key)
      else running.delete(key)
      if (r.event === 'done' && job !== null) job.tasksDone++
    }
  }
  if (job !== null) job.running = job.endedAt === null ? running.size : 0
  return job
}
