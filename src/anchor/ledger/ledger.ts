/**
 * The anchor's ledger: append-only, hash-chained, every entry signed by the
 * anchor and by the parties who act in it.
 *
 * Appends are serialized through one queue, so concurrent callers get a linear
 * chain: each append checks the action against the state left by the previous
 * one, links to its hash, is written with `sync` (an fsync: a swap's COMMIT is
 * its commit point), and only then changes the in-memory state.
 */

import {
  type Action,
  type ActionBody,
  type ActionKind,
  agreementRegistration,
  encodeAction,
  newAction,
  type SignedAction,
} from '../../protocols/ledger-action.js'
import { LedgerActionError, LedgerUnavailableError } from '../errors.js'
import type { AnchorKey } from '../key.js'
import { type Bytes, decodeAction, hex } from './actions.js'
import { type ChainHead, ENTRY_RANGE, entryKey, type LedgerDb, replayChain, seqOfKey } from './chain.js'
import { GENESIS_PREV_HASH, MAX_ACTION_BYTES, MAX_PARTIES } from './constants.js'
import { openLedgerDb } from './db.js'
import { openEntry, sealEntry } from './entry.js'
import {
  type BalanceRecord,
  type LedgerState,
  type LocationRecord,
  type OwnerRecord,
  paymentDue,
  type SwapRecord,
} from './state.js'
import { type VerifyReport, verifyChain } from './verify.js'

export interface LedgerInit {
  /** Directory of the LevelDB store (e.g. `<anchor data dir>/ledger`). */
  dir: string
  anchorKey: AnchorKey
  /** Clock, unix ms. Default `Date.now`. */
  now?: () => number
  /** fsync each append. Default true: the ledger is the commit point of swaps. */
  sync?: boolean
}

/** An entry as queries return it. */
export interface LedgerEntryView {
  seq: bigint
  hash: Bytes
  prevHash: Bytes
  appendedAtMs: number
  kind: ActionKind
  action: Action
  /** Public keys of the parties who signed, besides the anchor. */
  signers: Bytes[]
  /** The stored SignedLedgerEntry: what a client checks against the anchor key. */
  raw: Bytes
}

/** A resolved swap's outcome, as commit/abort return it. */
export interface ResolveResult {
  entry: LedgerEntryView
  /** false when the swap was already resolved this way: the earlier entry is returned. */
  created: boolean
}

/** Payments per owner, and their totals: every payment credits one owner and debits another. */
export interface BalancesView {
  owners: BalanceRecord[]
  totalCreditsMicros: bigint
  totalDebitsMicros: bigint
}

/** Kinds only the anchor writes: a swap's outcome is the coordinator's decision. */
const ANCHOR_ONLY: ReadonlySet<ActionKind> = new Set(['swap-committed', 'swap-aborted'])

export class Ledger {
  private readonly db: LedgerDb
  private readonly key: AnchorKey
  private readonly state: LedgerState
  private readonly now: () => number
  private readonly sync: boolean
  private headRef: ChainHead | null
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(db: LedgerDb, init: LedgerInit, state: LedgerState, head: ChainHead | null) {
    this.db = db
    this.key = init.anchorKey
    this.state = state
    this.now = init.now ?? Date.now
    this.sync = init.sync ?? true
    this.headRef = head
  }

  /** Opens (or creates) the ledger, replaying the chain; throws LedgerCorruptError if it does not check out. */
  static async open(init: LedgerInit): Promise<Ledger> {
    const db = await openLedgerDb(init.dir)
    try {
      const { state, head } = await replayChain(db, {
        anchorPublicKey: init.anchorKey.publicKey,
        checkAllSignatures: false,
      })
      return new Ledger(db, init, state, head)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  get anchorPublicKey(): Bytes {
    return this.key.publicKey
  }

  head(): ChainHead | null {
    return this.headRef
  }

  /**
   * Appends an action signed by its parties: what clients submit. Throws
   * LedgerActionError if it breaks a rule. COMMIT and ABORT are the anchor's
   * own decisions and are refused here (see `commitSwap`, `abortSwap`).
   */
  append(signed: SignedAction): Promise<LedgerEntryView> {
    return this.serialize(() => this.appendNow(signed, false))
  }

  /** Appends an action the anchor alone signs (commit, abort). */
  appendAnchorAction(body: ActionBody): Promise<LedgerEntryView> {
    return this.serialize(() =>
      this.appendNow({ action: encodeAction(newAction(body, this.now())), parties: [] }, true),
    )
  }

  /**
   * Registers a swap agreement (a SignedAgreement, agreement.ts) the agents
   * signed: the entry restates it and carries their two signatures. Throws
   * LedgerActionError, AgreementError or DelegationError when a rule fails.
   */
  registerAgreement(signedAgreement: Bytes): Promise<LedgerEntryView> {
    return this.serialize(() => this.appendNow(agreementRegistration(signedAgreement, this.now()), false))
  }

  /**
   * Commits an agreed swap: the commit point, the ownership transfer and a
   * priced swap's payment in one entry. Idempotent: committing a committed
   * swap returns its COMMIT entry. Refused (AGREEMENT_EXPIRED) once the
   * agreement has expired.
   */
  commitSwap(swapId: Bytes): Promise<ResolveResult> {
    const s = this.state.swaps.get(hex(swapId))
    const payment = s === undefined ? null : paymentDue(s)
    return this.resolve(swapId, 'committed', { kind: 'swap-committed', swapId, payment })
  }

  /** Aborts an agreed swap. Idempotent like `commitSwap`. */
  abortSwap(swapId: Bytes, reason: string): Promise<ResolveResult> {
    return this.resolve(swapId, 'aborted', { kind: 'swap-aborted', swapId, reason })
  }

  private resolve(swapId: Bytes, outcome: 'committed' | 'aborted', body: ActionBody): Promise<ResolveResult> {
    return this.serialize(async () => {
      const s = this.state.swaps.get(hex(swapId))
      if (s !== undefined && s.status === outcome && s.resolvedSeq !== null) {
        return { entry: await this.entryAt(s.resolvedSeq), created: false }
      }
      const entry = await this.appendNow(
        { action: encodeAction(newAction(body, this.now())), parties: [] },
        true,
      )
      return { entry, created: true }
    })
  }

  /** Owner of record of a location now, with the VM in it; null if unknown. */
  ownerOf(location: string): LocationRecord | null {
    const l = this.state.locations.get(location)
    return l === undefined ? null : { ...l }
  }

  owner(publicKey: Bytes): OwnerRecord | null {
    return this.state.owners.get(hex(publicKey)) ?? null
  }

  swapState(swapId: Bytes): SwapRecord | null {
    const s = this.state.swaps.get(hex(swapId))
    return s === undefined ? null : { ...s }
  }

  /**
   * The SignedAgreement of the swap agreed and not yet resolved (nor expired)
   * that names `agentKey` as a side's VM, the latest when several do; null
   * when none does. A party that missed its partner's confirmation learns
   * from it that the agreement is in force.
   */
  async openAgreementOf(agentKey: Bytes): Promise<Bytes | null> {
    const now = this.now()
    let latest: SwapRecord | null = null
    // Only the open swaps: a handful at a time, however long the ledger.
    for (const s of this.state.openSwaps()) {
      if (s.expiresAtMs <= now) continue
      if (
        !Buffer.from(s.vmA).equals(Buffer.from(agentKey)) &&
        !Buffer.from(s.vmB).equals(Buffer.from(agentKey))
      )
        continue
      if (latest === null || s.agreedSeq > latest.agreedSeq) latest = s
    }
    if (latest === null) return null
    const body = (await this.entryAt(latest.agreedSeq)).action.body
    return body.kind === 'swap-agreed' ? body.agreement : null
  }

  /** The entry that revoked delegation `id` of `owner`, or null while it stands. */
  revokedAt(owner: Bytes, delegationId: Bytes): bigint | null {
    return this.state.revokedAt(owner, delegationId)
  }

  /** Every owner's payments, and their totals (always equal). */
  balances(): BalancesView {
    const owners = [...this.state.balances.values()].map((b) => ({ ...b }))
    let totalCreditsMicros = 0n
    let totalDebitsMicros = 0n
    for (const o of owners) {
      totalCreditsMicros += o.creditsMicros
      totalDebitsMicros += o.debitsMicros
    }
    return { owners, totalCreditsMicros, totalDebitsMicros }
  }

  /** Every entry that touched a location, oldest first. */
  async history(location: string): Promise<LedgerEntryView[]> {
    this.assertOpen()
    const seqs = this.state.history.get(location) ?? []
    return Promise.all(seqs.map((seq) => this.entryAt(seq)))
  }

  /** All entries from `fromSeq` on, in order. */
  async *entries(fromSeq = 0n): AsyncGenerator<LedgerEntryView> {
    this.assertOpen()
    for await (const [key, raw] of this.db.iterator({ gte: entryKey(fromSeq), lt: ENTRY_RANGE.lt })) {
      yield this.view(raw, seqOfKey(key))
    }
  }

  async entryAt(seq: bigint): Promise<LedgerEntryView> {
    this.assertOpen()
    const raw = await this.db.get(entryKey(seq))
    if (raw === undefined) throw new LedgerActionError('UNKNOWN_ENTRY', `no entry ${seq}`)
    return this.view(raw, seq)
  }

  /** Walks the whole chain, checking every signature and rule (a snapshot: appends may go on). */
  verify(): Promise<VerifyReport> {
    this.assertOpen()
    return verifyChain(this.db, this.key.publicKey)
  }

  /** Waits for queued appends, then closes the store. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue.catch(() => {})
    await this.db.close()
  }

  private view(raw: Uint8Array, seq: bigint): LedgerEntryView {
    const stored = openEntry(raw, seq)
    const action = decodeAction(stored.entry.action)
    return {
      seq: stored.entry.seq,
      hash: stored.hash,
      prevHash: stored.entry.prevHash,
      appendedAtMs: stored.entry.appendedAtMs,
      kind: action.body.kind,
      action,
      signers: stored.entry.parties.map((p) => p.publicKey),
      raw,
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new LedgerUnavailableError(
          'LEDGER_CLOSED',
          'the ledger is closed (the anchor is stopping); retry once it runs again',
        ),
      )
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return run
  }

  private async appendNow(signed: SignedAction, byAnchor: boolean): Promise<LedgerEntryView> {
    // Cheap checks first: sizes, then decode, then state rules, signatures last (in check).
    if (signed.action.length > MAX_ACTION_BYTES) throw new LedgerActionError('TOO_LARGE', 'action too large')
    if (signed.parties.length > MAX_PARTIES)
      throw new LedgerActionError('WRONG_SIGNERS', 'too many signatures')
    const action = decodeAction(signed.action)
    if (!byAnchor && ANCHOR_ONLY.has(action.body.kind)) {
      throw new LedgerActionError(
        'ANCHOR_ONLY',
        `${action.body.kind} is decided by the anchor, not submitted`,
      )
    }
    const now = this.now()
    this.state.check(action, signed.action, signed.parties, now)
    const seq = this.headRef === null ? 0n : this.headRef.seq + 1n
    const stored = sealEntry(
      {
        seq,
        prevHash: this.headRef?.hash ?? GENESIS_PREV_HASH,
        appendedAtMs: now,
        action: signed.action,
        parties: signed.parties,
      },
      this.key.secretKey,
    )
    await this.db.put(entryKey(seq), stored.raw, { sync: this.sync })
    this.state.apply(action, signed.action, seq)
    this.headRef = { seq, hash: stored.hash }
    return {
      seq,
      hash: stored.hash,
      prevHash: stored.entry.prevHash,
      appendedAtMs: now,
      kind: action.body.kind,
      action,
      signers: signed.parties.map((p) => p.publicKey),
      raw: stored.raw,
    }
  }

  private assertOpen(): void {
    if (this.closed)
      throw new LedgerUnavailableError(
        'LEDGER_CLOSED',
        'the ledger is closed (the anchor is stopping); retry once it runs again',
      )
  }
}
