/**
 * Ledger actions, the parties' side: the domain types, their protobuf
 * encoding, and how a party (an owner, an agent) builds and signs an action
 * before handing it to the anchor. The anchor decodes, checks and appends
 * them (src/anchor/ledger/); clients build them here without importing it.
 *
 * A party signs `signable('vboom/ledger-entry/v1', "action\0" || action)`; the
 * anchor signs `"entry\0" || entry` in the same domain
 * (src/anchor/ledger/entry.ts), so neither signature can stand in for the other.
 */
import { randomBytes } from 'node:crypto'
import {
  Action as ActionPb,
  type InstanceClass as InstanceClassPb,
  type PartySignature as PartySignaturePb,
} from './proto/ledger.js'
import { SignatureDomain, sign, verify } from './signing.js'

/** 128 random bits: collisions between honest actions are out of reach. */
export const ACTION_NONCE_BYTES = 16

type Bytes = Uint8Array

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

const ACTION_TAG = new TextEncoder().encode('action\0')

/** The bytes a party signs for an action. */
function actionSignable(action: Bytes): Bytes {
  const out = new Uint8Array(ACTION_TAG.length + action.length)
  out.set(ACTION_TAG, 0)
  out.set(action, ACTION_TAG.length)
  return out
}

function signAction(action: Bytes, secretKey: Bytes, publicKey: Bytes): PartySignature {
  return { publicKey, signature: sign(SignatureDomain.ledgerEntry, actionSignable(action), secretKey) }
}

export function verifyPartySignature(action: Bytes, party: PartySignature): boolean {
  return verify(SignatureDomain.ledgerEntry, actionSignable(action), party.signature, party.publicKey)
}

/** A fresh action: now, with a random nonce. */
export function newAction(body: ActionBody, nowMs: number = Date.now()): Action {
  return { issuedAtMs: nowMs, nonce: new Uint8Array(randomBytes(ACTION_NONCE_BYTES)), body }
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

export function partyToPb(p: PartySignature): PartySignaturePb {
  return { publicKey: u8(p.publicKey), signature: u8(p.signature) }
}
