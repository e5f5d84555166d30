/**
 * The ledger's state machine: what the chain of entries means (who owns which
 * location, the state of each swap) and the rules an action must pass before
 * it is appended. Pure and in memory; the same code checks a new action and
 * replays the stored chain, so `verifyLedger` re-checks every rule too.
 */
import { readAgreement, type Side, validateAgreement } from '../../protocols/agreement.js'
import { DelegationError, delegationKey, readDelegation } from '../../protocols/delegation.js'
import {
  type Action,
  type InstanceClass,
  type PartySignature,
  type SwapPayment,
  verifyPartySignature,
} from '../../protocols/ledger-action.js'
import { LedgerActionError } from '../errors.js'
import { type Bytes, hex, sha256 } from './actions.js'
import { MAX_ACTION_AGE_MS, MAX_CLOCK_SKEW_MS } from './constants.js'

export interface LocationRecord {
  location: string
  owner: Bytes
  vm: Bytes
  instanceClass: InstanceClass
  /** Seq of the entry that made `owner` the owner of record. */
  ownerSinceSeq: bigint
  /** Hex id of the swap that holds this location, while one is agreed but not resolved. */
  openSwap: string | null
}

export type SwapStatus = 'agreed' | 'committed' | 'aborted'

export interface SwapRecord {
  swapId: Bytes
  status: SwapStatus
  locationA: string
  locationB: string
  ownerA: Bytes
  ownerB: Bytes
  vmA: Bytes
  vmB: Bytes
  /** The stateless swappers' keys: they sign the manifests and coordinator calls of their side. */
  swapKeyA: Bytes
  swapKeyB: Bytes
  /** The agreed price, micro-credits; 0 for a swap of mutual gain. */
  priceMicros: bigint
  /** The side that pays; null for a swap of mutual gain. */
  payer: Side | null
  /** The swap must commit before this (the agreement's expiry), unix ms. */
  expiresAtMs: number
  /** The delegations the agents acted under, as `owner/id` hex (delegationKey). */
  delegationA: string
  delegationB: string
  agreedSeq: bigint
  /** Seq of the entry that resolved it: COMMIT, ABORT, or the revocation of a delegation. */
  resolvedSeq: bigint | null
  reason: string | null
}

/** An owner's payments: what it received and paid, micro-credits. */
export interface BalanceRecord {
  owner: Bytes
  creditsMicros: bigint
  debitsMicros: bigint
}

/** Why a swap under a revoked delegation ended, as its record says. */
export const REVOKED_REASON = 'a delegation it was agreed under was revoked by its owner'

export interface OwnerRecord {
  owner: Bytes
  name: string
  seq: bigint
}

const refuse = (code: string, message: string): never => {
  throw new LedgerActionError(code, message)
}
const same = (a: Bytes, b: Bytes): boolean => Buffer.from(a).equals(Buffer.from(b))
const sameClass = (a: InstanceClass, b: InstanceClass): boolean =>
  a.vcpus === b.vcpus && a.memoryBytes === b.memoryBytes && a.diskBytes === b.diskBytes

/** A party that must sign: its key and, when the signature is not over the action, the signature required. */
interface Signer {
  key: Bytes
  /** A swap agreement's signers sign its terms: their party signatures must be these bytes. */
  expected?: Bytes
}

export class LedgerState {
  readonly owners = new Map<string, OwnerRecord>()
  readonly locations = new Map<string, LocationRecord>()
  /** Seqs of the entries that touched each location, in order. */
  readonly history = new Map<string, bigint[]>()
  readonly swaps = new Map<string, SwapRecord>()
  /** Hashes of every action recorded: a signed action is recorded at most once. */
  readonly actions = new Set<string>()
  /** Revoked delegations (delegationKey) and the seq of the revocation. */
  readonly revocations = new Map<string, bigint>()
  /** Payments per owner (hex). Every payment credits one owner and debits another by the same amount. */
  readonly balances = new Map<string, BalanceRecord>()
  /** Ids (hex) of swaps agreed and not yet resolved. */
  private readonly open = new Set<string>()

  /** `anchorPublicKey`: agreements must name this anchor. */
  constructor(private readonly anchorPublicKey: Bytes) {}

  /** The swaps agreed and not yet resolved. */
  *openSwaps(): Generator<SwapRecord> {
    for (const id of this.open) yield this.swaps.get(id)!
  }

  /**
   * Throws LedgerActionError unless `action` may be appended now.
   * `atMs` is the anchor's clock: now for a new action, the entry's time on replay.
   * `checkSignatures` is false only when replaying a chain whose integrity is checked otherwise.
   */
  check(
    action: Action,
    actionBytes: Bytes,
    parties: PartySignature[],
    atMs: number,
    checkSignatures = true,
  ): void {
    // Freshness: signed recently, not from the future.
    if (action.issuedAtMs > atMs + MAX_CLOCK_SKEW_MS) refuse('FUTURE_ACTION', 'action issued in the future')
    if (action.issuedAtMs < atMs - MAX_ACTION_AGE_MS) refuse('STALE_ACTION', 'action signed too long ago')
    // Replay: each signed action once.
    if (this.actions.has(hex(sha256(actionBytes)))) refuse('DUPLICATE_ACTION', 'action already recorded')
    const signers = this.rules(action, atMs)
    // Signers: exactly the parties who act, each once, each signature valid.
    if (parties.length !== signers.length) {
      refuse(
        'WRONG_SIGNERS',
        `${action.body.kind} needs ${signers.length} party signature(s), got ${parties.length}`,
      )
    }
    for (const signer of signers) {
      const p = parties.find((q) => same(q.publicKey, signer.key))
      if (p === undefined)
        refuse('MISSING_SIGNATURE', `${action.body.kind} lacks the signature of ${hex(signer.key)}`)
      else if (signer.expected !== undefined) {
        // The agreement's validator verified these over the terms; the entry must carry exactly them.
        if (!same(p.signature, signer.expected))
          refuse('BAD_SIGNATURE', `the signature of ${hex(signer.key)} is not its signature on the agreement`)
      } else if (checkSignatures && !verifyPartySignature(actionBytes, p)) {
        refuse('BAD_SIGNATURE', `bad signature by ${hex(signer.key)}`)
      }
    }
  }

  /** The state rules of each kind; returns who must sign. */
  private rules(action: Action, atMs: number): Signer[] {
    const b = action.body
    switch (b.kind) {
      case 'owner-registered':
        if (this.owners.has(hex(b.owner))) refuse('OWNER_EXISTS', 'owner already registered')
        return [{ key: b.owner }]
      case 'location-registered':
        if (this.locations.has(b.location))
          refuse('LOCATION_EXISTS', `location ${b.location} already registered`)
        this.requireOwner(b.owner)
        return [{ key: b.owner }]
      case 'swap-agreed':
        return this.agreementRules(b, atMs)
      case 'swap-committed': {
        const s = this.requireOpenSwap(b.swapId)
        // The swap must commit before its agreement expires.
        if (atMs >= s.expiresAtMs)
          refuse('AGREEMENT_EXPIRED', `the agreement of swap ${hex(b.swapId)} expired before its commit`)
        // A priced swap's payment is the agreed one, and only a priced swap has one.
        const due = paymentDue(s)
        const paid = b.payment ?? null
        if (
          (due === null) !== (paid === null) ||
          (due !== null &&
            paid !== null &&
            !(
              same(due.payer, paid.payer) &&
              same(due.payee, paid.payee) &&
              due.amountMicros === paid.amountMicros
            ))
        )
          refuse('PAYMENT_MISMATCH', `the commit's payment is not the one agreed for swap ${hex(b.swapId)}`)
        return []
      }
      case 'swap-aborted':
        this.requireOpenSwap(b.swapId)
        return []
      case 'delegation-revoked': {
        this.requireOwner(b.owner)
        const seq = this.revocations.get(delegationKey(b.owner, b.delegationId))
        if (seq !== undefined)
          refuse('ALREADY_REVOKED', `delegation ${hex(b.delegationId)} was revoked at entry #${seq}`)
        return [{ key: b.owner }]
      }
      case 'ownership-transferred': {
        const l = this.requireLocation(b.location)
        if (!same(l.owner, b.from)) refuse('NOT_OWNER', `${hex(b.from)} does not own ${b.location}`)
        if (same(b.from, b.to)) refuse('SAME_OWNER', 'transfer to the owner of record')
        this.requireOwner(b.to)
        if (l.openSwap !== null) refuse('LOCATION_BUSY', `${b.location} is in open swap ${l.openSwap}`)
        return [{ key: b.from }, { key: b.to }]
      }
      case 'payment-recorded':
        this.requireOwner(b.payer)
        this.requireOwner(b.payee)
        if (same(b.payer, b.payee)) refuse('SAME_OWNER', 'payment to oneself')
        if (b.swapId !== null && !this.swaps.has(hex(b.swapId)))
          refuse('UNKNOWN_SWAP', 'payment for an unknown swap')
        return [{ key: b.payer }]
    }
  }

  /**
   * A swap agreement's registration. Cheap checks first: the body restates
   * the agreement, the ledger's state (owners and VMs of record, free
   * locations, one class, no revoked delegation); then the agreement's own
   * validator (times, delegation chains and limits, signatures last).
   */
  private agreementRules(b: Extract<Action['body'], { kind: 'swap-agreed' }>, atMs: number): Signer[] {
    if (this.swaps.has(hex(b.swapId))) refuse('SWAP_EXISTS', 'swap id already used')
    const read = readAgreement(b.agreement)
    const t = read.terms
    // The body restates the agreement, and the swap id is the hash of its terms.
    if (!same(read.swapId, b.swapId))
      refuse('SWAP_ID_MISMATCH', 'the swap id is not the hash of the agreement terms')
    if (
      b.locationA !== t.a.location ||
      b.locationB !== t.b.location ||
      !same(b.ownerA, t.a.ownerKey) ||
      !same(b.ownerB, t.b.ownerKey) ||
      !same(b.vmA, t.a.agentKey) ||
      !same(b.vmB, t.b.agentKey)
    )
      refuse('AGREEMENT_MISMATCH', 'the registration does not restate its agreement')
    // Each side's owner and agent are those of record, and neither location is in another open swap.
    const la = this.requireLocation(b.locationA)
    const lb = this.requireLocation(b.locationB)
    for (const [l, owner, vm] of [
      [la, b.ownerA, b.vmA],
      [lb, b.ownerB, b.vmB],
    ] as const) {
      if (!same(l.owner, owner)) refuse('NOT_OWNER', `${hex(owner)} does not own ${l.location}`)
      if (!same(l.vm, vm)) refuse('WRONG_VM', `${l.location} does not hold vm ${hex(vm)}`)
      if (l.openSwap !== null) refuse('LOCATION_BUSY', `${l.location} is in open swap ${l.openSwap}`)
    }
    if (!sameClass(la.instanceClass, lb.instanceClass)) {
      refuse('CLASS_MISMATCH', 'only locations of the same instance class can swap')
    }
    // Neither delegation is revoked.
    for (const side of ['a', 'b'] as const) {
      const key = delegationKey(t[side].ownerKey, readDelegation(t[side].delegation).id)
      const seq = this.revocations.get(key)
      if (seq !== undefined)
        throw new DelegationError(
          'REJECT',
          'REVOKED',
          `side ${side}'s delegation was revoked at entry #${seq}`,
          {
            side,
          },
        )
    }
    // The agreement itself: this anchor, the locations' class, in force, both delegation chains, both signatures.
    validateAgreement(b.agreement, {
      nowMs: atMs,
      anchorKey: this.anchorPublicKey,
      instanceClass: la.instanceClass,
    })
    return [
      { key: t.a.agentKey, expected: read.signatures.a },
      { key: t.b.agentKey, expected: read.signatures.b },
    ]
  }

  private requireOpenSwap(swapId: Bytes): SwapRecord {
    const s = this.swaps.get(hex(swapId)) ?? refuse('UNKNOWN_SWAP', `no swap ${hex(swapId)}`)
    if (s.status !== 'agreed') refuse('SWAP_RESOLVED', `swap ${hex(swapId)} is already ${s.status}`)
    return s
  }

  /** Delegation `owner/id` revoked, and at which entry. */
  revokedAt(owner: Bytes, delegationId: Bytes): bigint | null {
    return this.revocations.get(delegationKey(owner, delegationId)) ?? null
  }

  private pay(p: SwapPayment): void {
    const entry = (owner: Bytes): BalanceRecord => {
      const id = hex(owner)
      let r = this.balances.get(id)
      if (r === undefined) {
        r = { owner, creditsMicros: 0n, debitsMicros: 0n }
        this.balances.set(id, r)
      }
      return r
    }
    entry(p.payer).debitsMicros += p.amountMicros
    entry(p.payee).creditsMicros += p.amountMicros
  }

  /** Ends an open swap without a commit (an ABORT, or a revoked delegation). */
  private endSwap(s: SwapRecord, seq: bigint, reason: string): void {
    const id = hex(s.swapId)
    s.status = 'aborted'
    s.resolvedSeq = seq
    s.reason = reason
    this.open.delete(id)
    this.locations.get(s.locationA)!.openSwap = null
    this.locations.get(s.locationB)!.openSwap = null
    this.touch(s.locationA, seq)
    this.touch(s.locationB, seq)
  }

  private requireOwner(owner: Bytes): void {
    if (!this.owners.has(hex(owner))) refuse('UNKNOWN_OWNER', `owner ${hex(owner)} not registered`)
  }

  private requireLocation(location: string): LocationRecord {
    return this.locations.get(location) ?? refuse('UNKNOWN_LOCATION', `location ${location} not registered`)
  }

  private touch(location: string, seq: bigint): void {
    const h = this.history.get(location)
    if (h === undefined) this.history.set(location, [seq])
    else h.push(seq)
  }

  /** Applies an action that passed `check` as entry `seq`. */
  apply(action: Action, actionBytes: Bytes, seq: bigint): void {
    this.actions.add(hex(sha256(actionBytes)))
    const b = action.body
    switch (b.kind) {
      case 'owner-registered':
        this.owners.set(hex(b.owner), { owner: b.owner, name: b.name, seq })
        return
      case 'location-registered':
        this.locations.set(b.location, {
          location: b.location,
          owner: b.owner,
          vm: b.vm,
          instanceClass: b.instanceClass,
          ownerSinceSeq: seq,
          openSwap: null,
        })
        this.touch(b.location, seq)
        return
      case 'swap-agreed': {
        const id = hex(b.swapId)
        const t = readAgreement(b.agreement).terms
        this.swaps.set(id, {
          swapId: b.swapId,
          status: 'agreed',
          locationA: b.locationA,
          locationB: b.locationB,
          ownerA: b.ownerA,
          ownerB: b.ownerB,
          vmA: b.vmA,
          vmB: b.vmB,
          swapKeyA: t.a.swapKey,
          swapKeyB: t.b.swapKey,
          priceMicros: t.priceMicros,
          payer: t.payer,
          expiresAtMs: t.expiresAtMs,
          delegationA: delegationKey(t.a.ownerKey, readDelegation(t.a.delegation).id),
          delegationB: delegationKey(t.b.ownerKey, readDelegation(t.b.delegation).id),
          agreedSeq: seq,
          resolvedSeq: null,
          reason: null,
        })
        this.open.add(id)
        this.locations.get(b.locationA)!.openSwap = id
        this.locations.get(b.locationB)!.openSwap = id
        this.touch(b.locationA, seq)
        this.touch(b.locationB, seq)
        return
      }
      case 'swap-committed': {
        // The commit point and the ownership transfer in one entry: the VMs trade locations.
        const s = this.swaps.get(hex(b.swapId))!
        s.status = 'committed'
        s.resolvedSeq = seq
        this.open.delete(hex(b.swapId))
        if (b.payment != null) this.pay(b.payment)
        const la = this.locations.get(s.locationA)!
        const lb = this.locations.get(s.locationB)!
        Object.assign(la, { owner: s.ownerB, vm: s.vmB, ownerSinceSeq: seq, openSwap: null })
        Object.assign(lb, { owner: s.ownerA, vm: s.vmA, ownerSinceSeq: seq, openSwap: null })
        this.touch(s.locationA, seq)
        this.touch(s.locationB, seq)
        return
      }
      case 'swap-aborted':
        this.endSwap(this.swaps.get(hex(b.swapId))!, seq, b.reason)
        return
      case 'delegation-revoked': {
        // From here on nothing under it is accepted; the swaps agreed under it that have not committed end here.
        const key = delegationKey(b.owner, b.delegationId)
        this.revocations.set(key, seq)
        for (const id of [...this.open]) {
          const s = this.swaps.get(id)!
          if (s.delegationA === key || s.delegationB === key) this.endSwap(s, seq, REVOKED_REASON)
        }
        return
      }
      case 'ownership-transferred': {
        const l = this.locations.get(b.location)!
        l.owner = b.to
        l.ownerSinceSeq = seq
        this.touch(b.location, seq)
        return
      }
      case 'payment-recorded':
        this.pay(b)
        return
    }
  }
}

/** The payment a swap's commit records: the payer side's owner pays the payee side's owner the price. */
export function paymentDue(s: SwapRecord): SwapPayment | null {
  if (s.payer === null) return null
  const [payer, payee] = s.payer === 'a' ? [s.ownerA, s.ownerB] : [s.ownerB, s.ownerA]
  return { payer, payee, amountMicros: s.priceMicros }
}
