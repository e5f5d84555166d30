/**
 * Ledger actions: the domain types, their protobuf encoding, and the helpers a
 * party uses to build and sign one. Imports nothing of the anchor but its
 * errors, so clients (CLI, agents) can build requests from it.
 *
 * A party signs `signable('vboom/ledger-entry/v1', "action\0" || action)`; the
 * anchor signs `"entry\0" || entry` in the same domain, so neither signature
 * can stand in for the other.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  Action as ActionPb,
  type InstanceClass as InstanceClassPb,
  type PartySignature as PartySignaturePb,
} from '../../protocols/proto/ledger.js'
import { SignatureDomain, sign, verify } from '../../protocols/signing.js'
import { LedgerActionError } from '../errors.js'
import {
  KEY_BYTES,
  MAX_ACTION_BYTES,
  MAX_AGREEMENT_BYTES,
  MAX_LOCATION_LENGTH,
  MAX_TEXT_LENGTH,
  NONCE_BYTES,
  SWAP_ID_BYTES,
} from './constants.js'

export type Bytes = Uint8Array

export interface InstanceClass {
  vcpus: number
  memoryBytes: bigint
  diskBytes: bigint
}

export type ActionBody =
  | { kind: 'owner-registered'; owner: Bytes; name: string }
  | { kind: 'location-registered'; location: string; owner: Bytes; vm: Bytes; instanceClass: InstanceClass }
  | {
      kind: 'swap-agreed'
      swapId: Bytes
      locationA: string
      locationB: string
      ownerA: Bytes
      ownerB: Bytes
      vmA: Bytes
      vmB: Bytes
      agreement: Bytes
    }
  | { kind: 'swap-committed'; swapId: Bytes }
  | { kind: 'swap-aborted'; swapId: Bytes; reason: string }
  | { kind: 'ownership-transferred'; location: string; from: Bytes; to: Bytes }
  | {
      kind: 'payment-recorded'
      payer: Bytes
      payee: Bytes
      amountMicros: bigint
      swapId: Bytes | null
      memo: string
    }

export type ActionKind = ActionBody['kind']

export interface Action {
  issuedAtMs: number
  nonce: Bytes
  body: ActionBody
}

export interface PartySignature {
  publicKey: Bytes
  signature: Bytes
}

/** What a party hands the anchor: the action's exact bytes and the parties' signatures over them. */
export interface SignedAction {
  action: Bytes
  parties: PartySignature[]
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const sha256 = (b: Uint8Array): Bytes => new Uint8Array(createHash('sha256').update(b).digest())

const ACTION_TAG = new TextEncoder().encode('action\0')

/** The bytes a party signs for an action. */
export function actionSignable(action: Bytes): Bytes {
  const out = new Uint8Array(ACTION_TAG.length + action.length)
  out.set(ACTION_TAG, 0)
  out.set(action, ACTION_TAG.length)
  return out
}

export function signAction(action: Bytes, secretKey: Bytes, publicKey: Bytes): PartySignature {
  return { publicKey, signature: sign(SignatureDomain.ledgerEntry, actionSignable(action), secretKey) }
}

export function verifyPartySignature(action: Bytes, party: PartySignature): boolean {
  return verify(SignatureDomain.ledgerEntry, actionSignable(action), party.signature, party.publicKey)
}

/** A fresh action: now, with a random nonce. */
export function newAction(body: ActionBody, nowMs: number = Date.now()): Action {
  return { issuedAtMs: nowMs, nonce: new Uint8Array(randomBytes(NONCE_BYTES)), body }
}

/** Encodes and has each of `signers` sign: the usual way a client builds a SignedAction. */
export function buildSignedAction(
  body: ActionBody,
  signers: Array<{ secretKey: Bytes; publicKey: Bytes }>,
  nowMs?: number,
): SignedAction {
  const action = encodeAction(newAction(body, nowMs))
  return { action, parties: signers.map((s) => signAction(action, s.secretKey, s.publicKey)) }
}

const u8 = (b: Bytes): Uint8Array<ArrayBuffer> => new Uint8Array(b)
const classPb = (c: InstanceClass): InstanceClassPb => ({
  vcpus: c.vcpus,
  memoryBytes: c.memoryBytes,
  diskBytes: c.diskBytes,
})

export function encodeAction(a: Action): Bytes {
  const pb: ActionPb = { issuedAtMs: BigInt(a.issuedAtMs), nonce: u8(a.nonce) }
  const b = a.body
  switch (b.kind) {
    case 'owner-registered':
      pb.ownerRegistered = { ownerKey: u8(b.owner), name: b.name }
      break
    case 'location-registered':
      pb.locationRegistered = {
        location: b.location,
        ownerKey: u8(b.owner),
        vmKey: u8(b.vm),
        instanceClass: classPb(b.instanceClass),
      }
      break
    case 'swap-agreed':
      pb.swapAgreementRegistered = {
        swapId: u8(b.swapId),
        locationA: b.locationA,
        locationB: b.locationB,
        ownerA: u8(b.ownerA),
        ownerB: u8(b.ownerB),
        vmA: u8(b.vmA),
        vmB: u8(b.vmB),
        agreement: u8(b.agreement),
      }
      break
    case 'swap-committed':
      pb.swapCommitted = { swapId: u8(b.swapId) }
      break
    case 'swap-aborted':
      pb.swapAborted = { swapId: u8(b.swapId), reason: b.reason }
      break
    case 'ownership-transferred':
      pb.ownershipTransferred = { location: b.location, fromOwner: u8(b.from), toOwner: u8(b.to) }
      break
    case 'payment-recorded':
      pb.paymentRecorded = {
        payer: u8(b.payer),
        payee: u8(b.payee),
        amountMicros: b.amountMicros,
        swapId: u8(b.swapId ?? new Uint8Array(0)),
        memo: b.memo,
      }
      break
  }
  return ActionPb.encode(pb)
}

const malformed = (message: string): never => {
  throw new LedgerActionError('MALFORMED_ACTION', message)
}
const key = (b: Uint8Array | undefined, what: string): Bytes =>
  b !== undefined && b.length === KEY_BYTES ? b : malformed(`${what} must be a ${KEY_BYTES}-byte key`)
const swapId = (b: Uint8Array | undefined): Bytes =>
  b !== undefined && b.length === SWAP_ID_BYTES ? b : malformed(`swap id must have ${SWAP_ID_BYTES} bytes`)
const text = (s: string, what: string): string =>
  s.length <= MAX_TEXT_LENGTH ? s : malformed(`${what} longer than ${MAX_TEXT_LENGTH}`)
const location = (s: string | undefined): string =>
  s !== undefined && s.length > 0 && s.length <= MAX_LOCATION_LENGTH
    ? s
    : malformed(`location must have 1..${MAX_LOCATION_LENGTH} characters`)

/** Decodes an action, checking size first and every field's shape; throws LedgerActionError. */
export function decodeAction(bytes: Bytes): Action {
  if (bytes.length > MAX_ACTION_BYTES) {
    throw new LedgerActionError('TOO_LARGE', `action of ${bytes.length} bytes exceeds ${MAX_ACTION_BYTES}`)
  }
  let pb: ActionPb
  try {
    pb = ActionPb.decode(bytes)
  } catch (err) {
    throw new LedgerActionError('MALFORMED_ACTION', 'action does not decode', { cause: err })
  }
  if (pb.nonce.length !== NONCE_BYTES) malformed(`nonce must have ${NONCE_BYTES} bytes`)
  if (pb.issuedAtMs > BigInt(Number.MAX_SAFE_INTEGER)) malformed('issued_at_ms out of range')
  const head = { issuedAtMs: Number(pb.issuedAtMs), nonce: pb.nonce }
  let body: ActionBody
  if (pb.ownerRegistered) {
    const o = pb.ownerRegistered
    body = { kind: 'owner-registered', owner: key(o.ownerKey, 'owner'), name: text(o.name, 'name') }
  } else if (pb.locationRegistered) {
    const l = pb.locationRegistered
    const c = l.instanceClass ?? malformed('location without instance class')
    if (c.vcpus === 0 || c.memoryBytes === 0n || c.diskBytes === 0n)
      malformed('instance class has a zero size')
    body = {
      kind: 'location-registered',
      location: location(l.location),
      owner: key(l.ownerKey, 'owner'),
      vm: key(l.vmKey, 'vm'),
      instanceClass: { vcpus: c.vcpus, memoryBytes: c.memoryBytes, diskBytes: c.diskBytes },
    }
  } else if (pb.swapAgreementRegistered) {
    const s = pb.swapAgreementRegistered
    if (s.agreement.length > MAX_AGREEMENT_BYTES)
      malformed(`agreement longer than ${MAX_AGREEMENT_BYTES} bytes`)
    body = {
      kind: 'swap-agreed',
      swapId: swapId(s.swapId),
      locationA: location(s.locationA),
      locationB: location(s.locationB),
      ownerA: key(s.ownerA, 'owner_a'),
      ownerB: key(s.ownerB, 'owner_b'),
      vmA: key(s.vmA, 'vm_a'),
      vmB: key(s.vmB, 'vm_b'),
      agreement: s.agreement,
    }
  } else if (pb.swapCommitted) {
    body = { kind: 'swap-committed', swapId: swapId(pb.swapCommitted.swapId) }
  } else if (pb.swapAborted) {
    const s = pb.swapAborted
    body = { kind: 'swap-aborted', swapId: swapId(s.swapId), reason: text(s.reason, 'reason') }
  } else if (pb.ownershipTransferred) {
    const t = pb.ownershipTransferred
    body = {
      kind: 'ownership-transferred',
      location: location(t.location),
      from: key(t.fromOwner, 'from_owner'),
      to: key(t.toOwner, 'to_owner'),
    }
  } else if (pb.paymentRecorded) {
    const p = pb.paymentRecorded
    if (p.amountMicros === 0n) malformed('payment of zero')
    body = {
      kind: 'payment-recorded',
      payer: key(p.payer, 'payer'),
      payee: key(p.payee, 'payee'),
      amountMicros: p.amountMicros,
      swapId: p.swapId.length === 0 ? null : swapId(p.swapId),
      memo: text(p.memo, 'memo'),
    }
  } else {
    return malformed('action has no body')
  }
  return { ...head, body }
}

export function partyToPb(p: PartySignature): PartySignaturePb {
  return { publicKey: u8(p.publicKey), signature: u8(p.signature) }
}
