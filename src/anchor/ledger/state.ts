/**
 * The ledger's state machine: what the chain of entries means (who owns which
 * location, the state of each swap) and the rules an action must pass before
 * it is appended. Pure and in memory; the same code checks a new action and
 * replays the stored chain, so `verifyLedger` re-checks every rule too.
 */
import {
  type Action,
  type InstanceClass,
  type PartySignature,
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
  agreedSeq: bigint
  /** Seq of the COMMIT or ABORT entry. */
  resolvedSeq: bigint | null
  reason: string | null
}

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

export class LedgerState {
  readonly owners = new Map<string, OwnerRecord>()
  readonly locations = new Map<string, LocationRecord>()
  /** Seqs of the entries that touched each location, in order. */
  readonly history = new Map<string, bigint[]>()
  readonly swaps = new Map<string, SwapRecord>()
  /** Hashes of every action recorded: a signed action is recorded at most once. */
  readonly actions = new Set<string>()

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
    const signers = this.rules(action)
    // Signers: exactly the parties who act, each once, each signature valid.
    if (parties.length !== signers.length) {
      refuse(
        'WRONG_SIGNERS',
        `${action.body.kind} needs ${signers.length} party signature(s), got ${parties.length}`,
      )
    }
    for (const signer of signers) {
      const p = parties.find((q) => same(q.publicKey, signer))
      if (p === undefined)
        refuse('MISSING_SIGNATURE', `${action.body.kind} lacks the signature of ${hex(signer)}`)
      else if (checkSignatures && !verifyPartySignature(actionBytes, p)) {
        refuse('BAD_SIGNATURE', `bad signature by ${hex(signer)}`)
      }
    }
  }

  /** The state rules of each kind; returns the keys that must sign. */
  private rules(action: Action): Bytes[] {
    const b = action.body
    switch (b.kind) {
      case 'owner-registered':
        if (this.owners.has(hex(b.owner))) refuse('OWNER_EXISTS', 'owner already registered')
        return [b.owner]
      case 'location-registered':
        if (this.locations.has(b.location))
          refuse('LOCATION_EXISTS', `location ${b.location} already registered`)
        this.requireOwner(b.owner)
        return [b.owner]
      case 'swap-agreed': {
        if (this.swaps.has(hex(b.swapId))) refuse('SWAP_EXISTS', 'swap id already used')
        if (b.locationA === b.locationB) refuse('SAME_LOCATION', 'a swap needs two locations')
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
        return [b.ownerA, b.ownerB]
      }
      case 'swap-committed':
      case 'swap-aborted': {
        const s = this.swaps.get(hex(b.swapId)) ?? refuse('UNKNOWN_SWAP', `no swap ${hex(b.swapId)}`)
        if (s.status !== 'agreed') refuse('SWAP_RESOLVED', `swap ${hex(b.swapId)} is already ${s.status}`)
        return []
      }
      case 'ownership-transferred': {
        const l = this.requireLocation(b.location)
        if (!same(l.owner, b.from)) refuse('NOT_OWNER', `${hex(b.from)} does not own ${b.location}`)
        if (same(b.from, b.to)) refuse('SAME_OWNER', 'transfer to the owner of record')
        this.requireOwner(b.to)
        if (l.openSwap !== null) refuse('LOCATION_BUSY', `${b.location} is in open swap ${l.openSwap}`)
        return [b.from, b.to]
      }
      case 'payment-recorded':
        this.requireOwner(b.payer)
        this.requireOwner(b.payee)
        if (same(b.payer, b.payee)) refuse('SAME_OWNER', 'payment to oneself')
        if (b.swapId !== null && !this.swaps.has(hex(b.swapId)))
          refuse('UNKNOWN_SWAP', 'payment for an unknown swap')
        return [b.payer]
    }
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
        this.swaps.set(id, {
          swapId: b.swapId,
          status: 'agreed',
          locationA: b.locationA,
          locationB: b.locationB,
          ownerA: b.ownerA,
          ownerB: b.ownerB,
          vmA: b.vmA,
          vmB: b.vmB,
          agreedSeq: seq,
          resolvedSeq: null,
          reason: null,
        })
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
        const la = this.locations.get(s.locationA)!
        const lb = this.locations.get(s.locationB)!
        Object.assign(la, { owner: s.ownerB, vm: s.vmB, ownerSinceSeq: seq, openSwap: null })
        Object.assign(lb, { owner: s.ownerA, vm: s.vmA, ownerSinceSeq: seq, openSwap: null })
        this.touch(s.locationA, seq)
        this.touch(s.locationB, seq)
        return
      }
      case 'swap-aborted': {
        const s = this.swaps.get(hex(b.swapId))!
        s.status = 'aborted'
        s.resolvedSeq = seq
        s.reason = b.reason
        this.locations.get(s.locationA)!.openSwap = null
        this.locations.get(s.locationB)!.openSwap = null
        this.touch(s.locationA, seq)
        this.touch(s.locationB, seq)
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
        return
    }
  }
}
