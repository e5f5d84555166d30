/**
 * The swap commit coordinator, as the anchor runs it (the swapper's
 * `Coordinator` semantics, decided here and reached over the network).
 *
 * State lives in two durable places, each written with sync before a caller
 * learns the result:
 * - votes (`coord/vote/<swap>/<role>`, `coord/done/<swap>/<role>`) in the
 *   anchor's data-dir database;
 * - the decision in the ledger: `commitSwap` is the commit point and the
 *   ownership transfer in one entry, `abortSwap` the abort.
 * Votes are written before the ledger decides, so a COMMIT entry always has
 * both votes on disk: an anchor killed anywhere answers consistently after a
 * restart. Every transition is idempotent and serialised in-process.
 */
import type { Level } from 'level'
import { MAX_COORDINATOR_WATCHERS } from '../protocols/anchor-constants.js'
import { sameSwapStatus, type WireRole, type WireSwapStatus } from '../protocols/coordinator-wire.js'
import { ValidationError } from '../protocols/errors.js'
import { StatusWatchers } from '../swapper/coordinator/status-watchers.js'
import { MAX_TEXT_LENGTH } from './ledger/constants.js'
import type { Ledger } from './ledger/index.js'
import type { SwapRecord } from './ledger/state.js'

/** Synchronous LevelDB writes: a vote is on disk before the voter learns it counted. */
const SYNC = { sync: true } as Record<string, unknown>

export class CoordinatorRefusedError extends ValidationError {
  constructor(code: string, message: string) {
    super('REJECT', code, message)
    this.name = 'CoordinatorRefusedError'
  }
}

const refuse = (code: string, message: string): never => {
  throw new CoordinatorRefusedError(code, message)
}
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

export class AnchorCoordinator {
  private queue: Promise<unknown> = Promise.resolve()
  /** WATCH calls held open: answered at the swap's next transition. */
  private readonly watchers = new StatusWatchers<WireSwapStatus>(sameSwapStatus)

  constructor(
    private readonly ledger: Ledger,
    private readonly db: Level<string, Uint8Array>,
  ) {}

  /** The agreed swap, or UNKNOWN_SWAP: only swaps registered in the ledger are coordinated. */
  private record(swapId: string): SwapRecord {
    return (
      this.ledger.swapState(new Uint8Array(Buffer.from(swapId, 'hex'))) ??
      refuse('UNKNOWN_SWAP', `swap ${swapId} is not registered with the anchor`)
    )
  }

  /** Throws NOT_PARTY unless `signer` is the VM of `role` (or of either role when none is given). */
  authorize(swapId: string, signer: Uint8Array, role?: WireRole): void {
    const r = this.record(swapId)
    const ok =
      role === undefined
        ? same(signer, r.vmA) || same(signer, r.vmB)
        : same(signer, role === 'a' ? r.vmA : r.vmB)
    if (!ok)
      refuse(
        'NOT_PARTY',
        `signer is not the VM ${role === undefined ? 'of either side' : `of side ${role}`} of swap ${swapId}`,
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
  watch(swapId: string, seen: WireSwapStatus, waitMs: number): Promise<WireSwapStatus> {
    const open = this.watchers.count(swapId)
    if (open >= MAX_COORDINATOR_WATCHERS)
      return Promise.reject(
        new CoordinatorRefusedError(
          'TOO_MANY_WATCHERS',
          `swap ${swapId} has ${open} watches open; retry later`,
        ),
      )
    return this.watchers.wait(swapId, seen, waitMs, () => this.status(swapId))
  }

  /** The status after a transition, handed to the swap's watchers too. */
  private async changed(swapId: string): Promise<WireSwapStatus> {
    const s = await this.status(swapId)
    this.watchers.changed(swapId, s)
    return s
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Records `role`'s vote; refused silently (status returned) after an abort. */
  prepare(swapId: string, role: WireRole): Promise<WireSwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'pending' || s.prepared[role]) return s
      await this.db.put(`coord/vote/${swapId}/${role}`, new Uint8Array([1]), SYNC)
      return this.changed(swapId)
    })
  }

  /** Commits iff both voted and nothing aborted: one ledger entry, the commit point and the transfer. */
  commit(swapId: string): Promise<WireSwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'pending' || !s.prepared.a || !s.prepared.b) return s
      await this.ledger.commitSwap(new Uint8Array(Buffer.from(swapId, 'hex')))
      return this.changed(swapId)
    })
  }

  /** Aborts iff not committed. */
  abort(swapId: string, role: WireRole, reason: string): Promise<WireSwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'pending') return s
      const text = `${role}: ${reason}`.slice(0, MAX_TEXT_LENGTH)
      await this.ledger.abortSwap(new Uint8Array(Buffer.from(swapId, 'hex')), text)
      return this.changed(swapId)
    })
  }

  /** Marks a side done after the commit. */
  complete(swapId: string, role: WireRole): Promise<WireSwapStatus> {
    return this.serial(async () => {
      const s = await this.status(swapId)
      if (s.decision !== 'committed')
        refuse('NOT_COMMITTED', `swap ${swapId} is ${s.decision}: ${role} cannot complete it`)
      if (s.completed[role]) return s
      await this.db.put(`coord/done/${swapId}/${role}`, new Uint8Array([1]), SYNC)
      return this.changed(swapId)
    })
  }

  /** Waits for transitions in flight. */
  async drain(): Promise<void> {
    await this.queue
  }
}
