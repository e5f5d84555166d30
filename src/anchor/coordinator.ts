/**
 * The swap commit coordinator, as the anchor runs it: the swapper's state
 * machine (src/swapper/coordinator/state-machine.ts) decides every
 * transition; this class keeps the state and reaches it over the network.
 *
 * State lives in two durable places, each written with sync before a caller
 * learns the result:
 * - votes (`coord/vote/<swap>/<role>`, `coord/done/<swap>/<role>`) in the
 *   anchor's data-dir database;
 * - the decision in the ledger: `commitSwap` is the commit point, the
 *   ownership transfer and a priced swap's payment in one entry, `abortSwap`
 *   the abort. A commit after the agreement's expiry becomes an abort; a
 *   revoked delegation aborts the swaps agreed under it in the ledger itself,
 *   which the status here reads.
 * Calls are signed by a side's VM key or by the swap key its agreement names.
 * Votes are written before the ledger decides, so a COMMIT entry always has
 * both votes on disk: an anchor killed anywhere answers consistently after a
 * restart. Every transition is idempotent and serialised in-process.
 */
import type { Level } from 'level'
import type { WireRole, WireSwapStatus } from '../protocols/coordinator-wire.js'
import {
  admitWatch,
  type CoordinatorEffect,
  type CoordinatorEvent,
  sameSwapState,
  step,
} from '../swapper/coordinator/state-machine.js'
import { StatusWatchers } from '../swapper/coordinator/status-watchers.js'
import { CoordinatorNotPartyError, UnknownSwapError } from '../swapper/errors.js'
import { LedgerActionError } from './errors.js'
import type { Ledger } from './ledger/index.js'
import type { SwapRecord } from './ledger/state.js'

/** Synchronous LevelDB writes: a vote is on disk before the voter learns it counted. */
const SYNC = { sync: true } as Record<string, unknown>
const FLAG = new Uint8Array([1])
/** The abort reason recorded when both sides voted after the agreement expired. */
const EXPIRED_REASON = 'anchor: the agreement expired before the swap could commit'

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))
const idBytes = (swapId: string): Uint8Array => new Uint8Array(Buffer.from(swapId, 'hex'))

export class AnchorCoordinator {
  private queue: Promise<unknown> = Promise.resolve()
  /** WATCH calls held open: answered at the swap's next transition. */
  private readonly watchers = new StatusWatchers<WireSwapStatus>(sameSwapState)

  constructor(
    private readonly ledger: Ledger,
    private readonly db: Level<string, Uint8Array>,
  ) {}

  /** The agreed swap, or UnknownSwapError: only swaps registered in the ledger are coordinated. */
  private record(swapId: string): SwapRecord {
    const r = this.ledger.swapState(idBytes(swapId))
    if (r === null)
      throw new UnknownSwapError(
        `swap ${swapId} is not registered with the anchor; record the agreement in its ledger before coordinating the swap`,
      )
    return r
  }

  /**
   * Throws CoordinatorNotPartyError unless `signer` acts for `role` (for
   * either role when none is given): the side's VM (agent) key, or the swap
   * key its agreement names (the stateless swapper has no other key).
   */
  authorize(swapId: string, signer: Uint8Array, role?: WireRole): void {
    const r = this.record(swapId)
    const keys = { a: [r.vmA, r.swapKeyA], b: [r.vmB, r.swapKeyB] }
    const allowed = role === undefined ? [...keys.a, ...keys.b] : keys[role]
    if (!allowed.some((k) => same(signer, k)))
      throw new CoordinatorNotPartyError(
        `signer is not ${role === undefined ? 'a party' : `side ${role}`} of swap ${swapId}; a side signs its calls with its VM key or the swap key its agreement names, and acts only for itself`,
      )
  }

  private async flag(kind: 'vote' | 'done', swapId: string, role: WireRole): Promise<boolean> {
    return (await this.db.get(`coord/${kind}/${swapId}/${role}`)) !== undefined
  }

  async status(swapId: string): Promise<WireSwapStatus> {
    const r = this.record(swapId)
    const s: WireSwapStatus = {
      swapId,
      decision: r.status === 'agreed' ? 'pending' : r.status,
      prepared: { a: await this.flag('vote', swapId, 'a'), b: await this.flag('vote', swapId, 'b') },
      completed: { a: await this.flag('done', swapId, 'a'), b: await this.flag('done', swapId, 'b') },
    }
    if (r.reason !== null) s.reason = r.reason
    return s
  }

  /**
   * Resolves with the status as soon as it differs from `seen`, or with the
   * status as it is after `waitMs`: a VM waiting for its peer's vote or
   * completion hears of it at once instead of polling.
   */
  async watch(swapId: string, seen: WireSwapStatus, waitMs: number): Promise<WireSwapStatus> {
    const held = admitWatch({ swapId, waitMs, open: this.watchers.count(swapId) })
    if (held === 0) return this.status(swapId)
    return this.watchers.wait(swapId, seen, held, () => this.status(swapId))
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Makes an effect durable: votes and completions in the database, decisions in the ledger. */
  private async persist(swapId: string, effect: CoordinatorEffect): Promise<void> {
    switch (effect.kind) {
      case 'record-vote':
        return this.db.put(`coord/vote/${swapId}/${effect.role}`, FLAG, SYNC)
      case 'record-completion':
        return this.db.put(`coord/done/${swapId}/${effect.role}`, FLAG, SYNC)
      case 'record-commit':
        // one ledger entry: the commit point, the ownership transfer and the payment
        try {
          await this.ledger.commitSwap(idBytes(swapId))
        } catch (err) {
          // Both voted, but too late: an agreement commits before its expiry or not at all.
          if (!(err instanceof LedgerActionError && err.code === 'AGREEMENT_EXPIRED')) throw err
          await this.ledger.abortSwap(idBytes(swapId), EXPIRED_REASON)
        }
        return
      case 'record-abort':
        await this.ledger.abortSwap(idBytes(swapId), effect.reason)
        return
    }
  }

  /**
   * Applies `event` to the swap's status; when it changes anything, records
   * the effect and answers with the status as stored, which its watchers
   * hear too.
   */
  private transition(swapId: string, event: CoordinatorEvent): Promise<WireSwapStatus> {
    return this.serial(async () => {
      const { status, effect } = step(await this.status(swapId), event)
      if (effect === null) return status
      await this.persist(swapId, effect)
      const stored = await this.status(swapId)
      this.watchers.changed(swapId, stored)
      return stored
    })
  }

  /** Records `role`'s vote; moot after the decision (the status says so). */
  prepare(swapId: string, role: WireRole): Promise<WireSwapStatus> {
    return this.transition(swapId, { kind: 'prepare', role })
  }

  /** Commits iff both voted and nothing aborted. */
  commit(swapId: string): Promise<WireSwapStatus> {
    return this.transition(swapId, { kind: 'commit' })
  }

  /** Aborts iff not committed. */
  abort(swapId: string, role: WireRole, reason: string): Promise<WireSwapStatus> {
    return this.transition(swapId, { kind: 'abort', role, reason })
  }

  /** Marks a side done after the commit; SwapNotCommittedError before it. */
  complete(swapId: string, role: WireRole): Promise<WireSwapStatus> {
    return this.transition(swapId, { kind: 'complete', role })
  }

  /** Waits for transitions in flight. */
  async drain(): Promise<void> {
    await this.queue
  }
}
