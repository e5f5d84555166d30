/**
 * The DFSIO master's bookkeeping, without I/O: which task is waiting, which
 * attempt runs where, what each completed task took. Hadoop's rules for lost
 * work, at the scale of one job:
 * - an attempt is lost when its worker asks for work while holding it (the
 *   worker restarted: its VM was stopped, e.g. for a swap) or when it made no
 *   progress for the task timeout; its task goes back to the head of the
 *   queue and is handed out again (a new attempt);
 * - the first complete attempt of a task wins; a later one is acknowledged
 *   but not recorded, and a still running one is told to abandon.
 * Every method returns what happened, for the master to report and save.
 */
import { z } from 'zod'
import { MB } from '../constants.js'
import { WorkloadError } from '../errors.js'

export type AttemptOutcome = 'running' | 'done' | 'lost' | 'superseded'

export interface Attempt {
  attempt: number
  worker: string
  /** ms since the epoch. */
  assignedAt: number
  /** Last sign of life (assignment or progress), ms since the epoch. */
  lastProgressAt: number
  /** Bytes written as last reported. */
  bytes: number
  outcome: AttemptOutcome
  endedAt: number | null
  reason: string | null
}

/** A completed task as the job records it. */
export interface TaskRecord {
  task: number
  worker: string
  /** The winning attempt (1 is the first). */
  attempt: number
  /** Attempts handed out for this task, lost ones included. */
  attempts: number
  /** When the task was first handed out, ms since the epoch. */
  firstAssignedMs: number
  /** When the winning attempt was handed out, ms. */
  startMs: number
  /** When the master recorded it done, ms. */
  endMs: number
  /** How long the job waited for this task: end - first assignment, s (lost attempts included). */
  seconds: number
  /** The worker's own write time of the winning attempt, s. */
  writeSeconds: number
  bytes: number
  /** bytes / writeSeconds, MB/s. */
  mbps: number
}

interface TaskState {
  task: number
  attempts: Attempt[]
  done: TaskRecord | null
}

export interface BoardState {
  tasks: TaskState[]
  /** Tasks waiting to be handed out, the next first. */
  pending: number[]
  jobStartMs: number | null
  jobEndMs: number | null
}

export type BoardEvent =
  | { event: 'assigned'; task: number; attempt: number; worker: string }
  | { event: 'lost'; task: number; attempt: number; worker: string; reason: string }
  | { event: 'done'; record: TaskRecord }

export type RequestReply =
  | { type: 'task'; task: number; attempt: number; bytes: number }
  | { type: 'wait' }
  | { type: 'finished' }

const AttemptSchema = z.object({
  attempt: z.number().int().positive(),
  worker: z.string(),
  assignedAt: z.number(),
  lastProgressAt: z.number(),
  bytes: z.number().nonnegative(),
  outcome: z.enum(['running', 'done', 'lost', 'superseded']),
  endedAt: z.number().nullable(),
  reason: z.string().nullable(),
})
const RecordSchema = z.object({
  task: z.number().int().nonnegative(),
  worker: z.string(),
  attempt: z.number().int().positive(),
  attempts: z.number().int().positive(),
  firstAssignedMs: z.number(),
  startMs: z.number(),
  endMs: z.number(),
  seconds: z.number().nonnegative(),
  writeSeconds: z.number().positive(),
  bytes: z.number().int().positive(),
  mbps: z.number().nonnegative(),
})
const BoardStateSchema = z.object({
  tasks: z.array(
    z.object({
      task: z.number().int().nonnegative(),
      attempts: z.array(AttemptSchema),
      done: RecordSchema.nullable(),
    }),
  ),
  pending: z.array(z.number().int().nonnegative()),
  jobStartMs: z.number().nullable(),
  jobEndMs: z.number().nullable(),
})

/** Checks a saved board (the master's /workload/state.json). */
export const parseBoardState = (value: unknown): BoardState => BoardStateSchema.parse(value)

const bad = (message: string): never => {
  throw new WorkloadError('BAD_MESSAGE', message)
}

export class TaskBoard {
  readonly state: BoardState

  constructor(
    readonly taskCount: number,
    readonly taskBytes: number,
    readonly timeoutMs: number,
    saved: BoardState | null,
    now: number,
  ) {
    if (saved !== null && saved.tasks.length !== taskCount)
      throw new WorkloadError(
        'STATE_INVALID',
        `the saved job has ${saved.tasks.length} tasks but the spec asks for ${taskCount}: remove the state file to start a new job`,
      )
    this.state = saved ?? {
      tasks: Array.from({ length: taskCount }, (_, task) => ({ task, attempts: [], done: null })),
      pending: Array.from({ length: taskCount }, (_, task) => task),
      jobStartMs: null,
      jobEndMs: null,
    }
    // A restarted master gives every running attempt a fresh lease: its worker may still be writing.
    for (const t of this.state.tasks)
      for (const a of t.attempts) if (a.outcome === 'running') a.lastProgressAt = now
  }

  get finished(): boolean {
    return this.state.jobEndMs !== null
  }

  get doneCount(): number {
    return this.state.tasks.filter((t) => t.done !== null).length
  }

  get runningCount(): number {
    return this.state.tasks.filter((t) => t.attempts.some((a) => a.outcome === 'running')).length
  }

  /** Completed tasks in task order. */
  records(): TaskRecord[] {
    return this.state.tasks.flatMap((t) => (t.done === null ? [] : [t.done]))
  }

  /** Attempts lost so far (timed out or restarted workers). */
  lostCount(): number {
    return this.state.tasks.reduce((n, t) => n + t.attempts.filter((a) => a.outcome === 'lost').length, 0)
  }

  /** A worker asks for work. */
  request(worker: string, now: number): { reply: RequestReply; events: BoardEvent[] } {
    const events: BoardEvent[] = []
    for (const t of this.state.tasks)
      for (const a of t.attempts)
        if (a.outcome === 'running' && a.worker === worker)
          events.push(this.lose(t, a, now, 'its worker asked for work again (it restarted)'))
    if (this.finished) return { reply: { type: 'finished' }, events }
    const task = this.state.pending.shift()
    if (task === undefined) return { reply: { type: 'wait' }, events }
    const t = this.state.tasks[task]!
    const a: Attempt = {
      attempt: t.attempts.length + 1,
      worker,
      assignedAt: now,
      lastProgressAt: now,
      bytes: 0,
      outcome: 'running',
      endedAt: null,
      reason: null,
    }
    t.attempts.push(a)
    this.state.jobStartMs ??= now
    events.push({ event: 'assigned', task, attempt: a.attempt, worker })
    return { reply: { type: 'task', task, attempt: a.attempt, bytes: this.taskBytes }, events }
  }

  /** A worker reports progress; false means the attempt is void and the worker should abandon it. */
  progress(worker: string, task: number, attempt: number, bytes: number, now: number): boolean {
    const a = this.attemptOf(worker, task, attempt)
    if (a.outcome !== 'running') return false
    a.lastProgressAt = now
    a.bytes = Math.min(bytes, this.taskBytes)
    return true
  }

  /** A worker completed an attempt; `accepted` false when the task was already done. */
  done(
    worker: string,
    task: number,
    attempt: number,
    bytes: number,
    seconds: number,
    now: number,
  ): { accepted: boolean; events: BoardEvent[] } {
    const a = this.attemptOf(worker, task, attempt)
    // Rule: only a whole task counts; a worker claiming other than the bytes it was given is not our worker.
    if (bytes !== this.taskBytes) bad(`a worker reported ${bytes} bytes for a task of ${this.taskBytes}`)
    const t = this.state.tasks[task]!
    if (t.done !== null || a.outcome === 'superseded' || a.outcome === 'done')
      return { accepted: false, events: [] }
    // A lost (timed-out) attempt that completes still did the whole task: the first complete attempt wins.
    a.outcome = 'done'
    a.endedAt = now
    a.bytes = bytes
    const record: TaskRecord = {
      task,
      worker,
      attempt,
      attempts: t.attempts.length,
      firstAssignedMs: t.attempts[0]!.assignedAt,
      startMs: a.assignedAt,
      endMs: now,
      seconds: (now - t.attempts[0]!.assignedAt) / 1000,
      writeSeconds: seconds,
      bytes,
      mbps: bytes / MB / seconds,
    }
    t.done = record
    for (const other of t.attempts)
      if (other.outcome === 'running') {
        other.outcome = 'superseded'
        other.endedAt = now
        other.reason = `attempt ${attempt} completed first`
      }
    this.state.pending = this.state.pending.filter((p) => p !== task)
    if (this.state.tasks.every((x) => x.done !== null)) this.state.jobEndMs = now
    return { accepted: true, events: [{ event: 'done', record }] }
  }

  /** Attempts with no progress for the timeout are lost; their tasks go back to the head of the queue. */
  expire(now: number): BoardEvent[] {
    const events: BoardEvent[] = []
    for (const t of this.state.tasks)
      for (const a of t.attempts)
        if (a.outcome === 'running' && now - a.lastProgressAt > this.timeoutMs)
          events.push(this.lose(t, a, now, `no progress for ${this.timeoutMs / 1000} s`))
    return events
  }

  private lose(t: TaskState, a: Attempt, now: number, reason: string): BoardEvent {
    a.outcome = 'lost'
    a.endedAt = now
    a.reason = reason
    if (
      t.done === null &&
      !t.attempts.some((x) => x.outcome === 'running') &&
      !this.state.pending.includes(t.task)
    )
      this.state.pending.unshift(t.task)
    return { event: 'lost', task: t.task, attempt: a.attempt, worker: a.worker, reason }
  }

  private attemptOf(worker: string, task: number, attempt: number): Attempt {
    // Rule: a task, attempt and worker the master handed out together; anything else is not our worker.
    const t = this.state.tasks[task] ?? bad(`a worker named task ${task} of a job of ${this.taskCount}`)
    const a =
      t.attempts[attempt - 1] ?? bad(`a worker named attempt ${attempt} of task ${task}, never handed out`)
    if (a.worker !== worker)
      bad(`a worker reported on attempt ${attempt} of task ${task}, handed to another worker`)
    return a
  }
}
