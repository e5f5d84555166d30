/**
 * The swap coordinator: the one place that decides whether a swap committed.
 *
 * Two-phase commit between the two agents: each side calls `prepare` once its
 * staging is complete, fsynced and verified; `commit` records the decision
 * only when both have prepared; `abort` wins only while nothing is committed.
 * The commit record is the swap's commit point. The anchor implements this
 * interface over the network (src/anchor/coordinator.ts, its ledger COMMIT
 * entry, reached through AnchorCoordinatorClient); `LevelCoordinator` is the
 * in-process one behind `vboom swap-images`. Both decide every transition
 * with the same state machine (state-machine.ts).
 */
import { Level } from 'level'
import { CoordinatorLockedError } from '../errors.js'
import type { Role } from '../index/manifest.js'
import {
  admitWatch,
  type CoordinatorEffect,
  type CoordinatorEvent,
  initialStatus,
  type SwapStatus,
  sameSwapState,
  step,
} from './state-machine.js'
import { StatusWatchers } from './status-watchers.js'

export type { SwapDecision, SwapStatus } from './state-machine.js'

export interface Coordinator {
  /** Vote to commit: the side's staging is durable and verified. Moot after abort (the status says so). */
  prepare(swapId: string, role: Role): Promise<SwapStatus>
  /** Commits iff both sides prepared and nothing aborted; otherwise returns the status unchanged. */
  commit(swapId: string): Promise<SwapStatus>
  /** Aborts iff not committed; returns the resulting status (a committed swap stays committed). */
  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus>
  /** Marks a side done after commit: its disk verifiably holds the peer's original image. */
  complete(swapId: string, role: Role): Promise<SwapStatus>
  status(swapId: string): Promise<SwapStatus>
  /**
   * Optional long poll: resolves with the status as soon as it differs from
   * `seen`, or with the current status after `timeoutMs` (at most
   * MAX_COORDINATOR_WATCH_MS). Agents waiting for their peer use it to learn
   * of the peer's vote or completion at once; without it they poll with
   * growing pauses. A coordinator reached remotely that does not offer it
   * throws CoordinatorUnsupportedError.
   */
  watch?(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus>
  close(): Promise<void>
}

/** Synchronous LevelDB writes: a decision is on disk before the caller learns it. */
const SYNC_WRITE = { sync: true } as Record<string, unknown>

/** The audit-log line of an effect. */
function logLine(effect: CoordinatorEffect): string {
  switch (effect.kind) {
    case 'record-vote':
      return `prepare ${effect.role}`
    case 'record-commit':
      return 'commit'
    case 'record-abort':
      return `abort ${effect.role}`
    case 'record-completion':
      return `complete ${effect.role}`
  }
}

/**
 * Level-backed coordinator. The state machine decides every transition; each
 * one is then one atomic batch that updates `status/<id>` and appends to
 * `log/<id>/<seq>` (an audit trail), written with sync so it survives a
 * crash. Transitions are serialised in-process.
 */
export class LevelCoordinator implements Coordinator {
  private readonly db: Level<string, string>
  private queue: Promise<unknown> = Promise.resolve()
  private seq = 0
  /** Callers of `watch`: answered at the next transition of their swap. */
  private readonly watchers = new StatusWatchers<SwapStatus>(sameSwapState)
  private closed = false

  private constructor(db: Level<string, string>) {
    this.db = db
  }

  static async open(path: string): Promise<LevelCoordinator> {
    const db = new Level<string, string>(path)
    try {
      await db.open()
    } catch (err) {
      throw new CoordinatorLockedError(path, { cause: err })
    }
    return new LevelCoordinator(db)
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  async status(swapId: string): Promise<SwapStatus> {
    const v = await this.db.get(`status/${swapId}`)
    return v === undefined ? initialStatus(swapId) : (JSON.parse(v) as SwapStatus)
  }

  /** Applies `event` to the stored status; writes and announces the result when it changed anything. */
  private transition(swapId: string, event: CoordinatorEvent): Promise<SwapStatus> {
    return this.serial(async () => {
      const { status, effect } = step(await this.status(swapId), event)
      if (effect === null) return status
      const key = `log/${swapId}/${Date.now().toString().padStart(15, '0')}-${(this.seq++).toString().padStart(6, '0')}`
      await this.db.batch(
        [
          { type: 'put', key: `status/${swapId}`, value: JSON.stringify(status) },
          { type: 'put', key, value: logLine(effect) },
        ],
        SYNC_WRITE,
      )
      this.watchers.changed(swapId, structuredClone(status))
      return status
    })
  }

  async watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    const waitMs = admitWatch({
      swapId,
      waitMs: timeoutMs,
      open: this.watchers.count(swapId),
      closing: this.closed,
    })
    if (waitMs === 0) return this.status(swapId)
    return this.watchers.wait(swapId, seen, waitMs, () => this.status(swapId))
  }

  prepare(swapId: string, role: Role): Promise<SwapStatus> {
    return this.transition(swapId, { kind: 'prepare', role })
  }

  commit(swapId: string): Promise<SwapStatus> {
    return this.transition(swapId, { kind: 'commit' })
  }

  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus> {
    return this.transition(swapId, { kind: 'abort', role, reason })
  }

  complete(swapId: string, role: Role): Promise<SwapStatus> {
    return this.transition(swapId, { kind: 'complete', role })
  }

  async close(): Promise<void> {
    this.closed = true
    await this.queue
    // every watcher answered while the database is still open
    await this.watchers.release((id) => this.status(id))
    await this.db.close()
  }
}
