/**
 * Ledger actions as the anchor receives them: a size-checked decode that
 * checks every field's shape (throwing LedgerActionError), and small helpers
 * of the ledger. Parties build and sign actions with
 * src/protocols/ledger-action.ts.
 */
import { createHash } from 'node:crypto'
import { DELEGATION_ID_BYTES } from '../../protocols/constants.js'
import {
  ACTION_NONCE_BYTES,
  type Action,
  type ActionBody,
  type SwapPayment,
} from '../../protocols/ledger-action.js'
import { Action as ActionPb } from '../../protocols/proto/ledger.js'
import { LedgerActionError } from '../errors.js'
import {
  KEY_BYTES,
  MAX_ACTION_BYTES,
  MAX_AGREEMENT_BYTES,
  MAX_LOCATION_LENGTH,
  MAX_TEXT_LENGTH,
  SWAP_ID_BYTES,
} from './constants.js'

export type Bytes = Uint8Array

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const sha256 = (b: Uint8Array): Bytes => new Uint8Array(createHash('sha256').update(b).digest())

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
  if (pb.nonce.length !== ACTION_NONCE_BYTES) malformed(`nonce must have ${ACTION_NONCE_BYTES} bytes`)
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
    const c = pb.swapCommitted
    const id = swapId(c.swapId)
    let payment: SwapPayment | null = null
    if (c.payment !== undefined) {
      const p = c.payment
      if (p.amountMicros === 0n) malformed('payment of zero')
      if (!Buffer.from(p.swapId).equals(Buffer.from(id))) malformed("a commit's payment names another swap")
      if (p.memo.length > 0) malformed("a commit's payment has no memo")
      payment = { payer: key(p.payer, 'payer'), payee: key(p.payee, 'payee'), amountMicros: p.amountMicros }
    }
    body = { kind: 'swap-committed', swapId: id, payment }
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
  } else if (pb.delegationRevoked) {
    const r = pb.delegationRevoked
    if (r.delegationId.length !== DELEGATION_ID_BYTES)
      malformed(`delegation id must have ${DELEGATION_ID_BYTES} bytes`)
    body = { kind: 'delegation-revoked', delegationId: r.delegationId, owner: key(r.ownerKey, 'owner') }
  } else {
    return malformed('action has no body')
  }
  return { ...head, body }
}
