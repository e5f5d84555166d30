/**
 * The swap coordinator: the one place that decides whether a swap committed.
 *
 * Two-phase commit between the two agents: each side calls `prepare` once its
 * staging is complete, fsynced and verified; `commit` records the decision
 * only when both have prepared; `abort` wins only while nothing is committed.
 * The commit record is the swap's commit point. The anchor will implement this
 * interface over the network (its ledger COMMIT entry); `LevelCoordinator` is
 * the in-process implementation used until then and by the local CLI.
 */
import { Level } from 'level'
import { sameSwapStatus } from '../../protocols/coordinator-wire.js'
import { CoordinatorError } from '../errors.js'
import type { Role } from '../index/manifest.js'
import { StatusWatchers } from './status-watchers.js'

export type SwapDecision = 'pending' | 'committed' | 'aborted'

export interface SwapStatus {
  swapId: string
  decision: SwapDecision
  prepared: Record<Role, boolean>
  /** Side has applied and verified the peer's image (only after commit). */
  completed: Record<Role, boolean>
  reason?: string
}

export interface Coordinator {
  /** Vote to commit: the side's staging is durable and verified. Refused after abort. */
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
   * `seen`, or with the current status after `timeoutMs`. Agents waiting for
   * their peer use it to learn of the peer's vote or completion at once;
   * without it they poll with growing pauses.
   */
  watch?(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus>
  close(): Promise<void>
}

function fresh(swapId: string): SwapStatus {
  return { swapId, decision: 'pending', prepared: { a: false, b: false }, completed: { a: false, b: false } }
}

/** Synchronous LevelDB writes: a decision is on disk before the caller learns it. */
const SYNC_WRITE = { sync: true } as Record<string, unknown>

/**
 * Level-backed coordinator. Every transition is one atomic batch that updates
 * `status/<id>` and appends to `log/<id>/<seq>` (an audit trail), written with
 * sync so it survives a crash. Transitions are serialised in-process.
 */
export class LevelCoordinator implements Coordinator {
  private readonly db: Level<string, string>
  private queue: Promise<unknown> = Promise.resolve()
  private seq = 0
  /** Callers of `watch`: answered at the next transition of their swap. */
  private readonly watchers = new StatusWatchers<SwapStatus>(sameSwapStatus)
  private closed = false

  private constructor(db: Level<string, string>) {
    this.db = db
  }

  static async open(path: string): Promise<LevelCoordinator> {
    const db = new Level<string, string>(path)
    try {
      await db.open()
    } catch (err) {
      throw new CoordinatorError(
        'COORDINATOR_LOCKED',
        `coordinator database ${path} cannot be opened (already in use by another process?): ${(err as Error).message}`,
      )
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
    return v === undefined ? fresh(swapId) : (JSON.parse(v) as SwapStatus)
  }

  private async write(s: SwapStatus, event: string): Promise<SwapStatus> {
    const key = `log/${s.swapId}/${Date.now().toString().padStart(15, '0')}-${(this.seq++).toString().padStart(6, '0')}`
    await this.db.batch(
      [
        { type: 'put', key: `status/${s.swapId}`, value: JSON.stringify(s) },
        { type: 'put', key, value: event },
      ],
      SYNC_WRITE,
    )
    this.watchers.changed(s.swapId, structuredClone(s))
    return s
  }

  watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    if (this.closed || timeoutMs <= 0) return this.status(swapId)
    return this.watchers.wait(swapId, seen, timeoutMs, () => this.status(swapId))
  }

  prepare(swapId: string, role: Role): Promise<SwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision === 'aborted') return s
      if (s.prepared[role]) return s
      s.prepared[role] = true
      return this.write(s, `prepare ${role}`)
    })
  }

  commit(swapId: string): Promise<SwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'pending' || !s.prepared.a || !s.prepared.b) return s
      s.decision = 'committed'
      return this.write(s, 'commit')
    })
  }

  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'pending') return s
      s.decision = 'aborted'
      s.reason = `${role}: ${reason}`.slice(0, 512)
      return this.write(s, `abort ${role}`)
    })
  }

  complete(swapId: string, role: Role): Promise<SwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'committed') {
        throw new CoordinatorError(
          'NOT_COMMITTED',
          `swap ${swapId} is ${s.decision}: ${role} cannot complete it`,
        )
      }
      if (s.completed[role]) return s
      s.completed[role] = true
      return this.write(s, `complete ${role}`)
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await this.queue
    // every watcher answered while the database is still open
    await this.watchers.release((id) => this.status(id))
    await this.db.close()
  }
}
