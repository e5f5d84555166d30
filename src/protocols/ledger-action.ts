/**
 * Ledger actions, the parties' side: the domain types, their protobuf
 * encoding, and how a party (an owner, an agent) builds and signs an action
 * before handing it to the anchor. The anchor decodes, checks and appends
 * them (src/anchor/ledger/); clients build them here without importing it.
 *
 * A party signs `signable('vboom/ledger-entry/v1', "action\0" || action)`; the
 * anchor signs `"entry\0" || entry` in the same domain
 * (src/anchor/ledger/entry.ts), so neither signature can stand in for the other.
 * A swap agreement's registration is the exception: its party signatures are
 * the agents' signatures over the agreement's terms (`agreementRegistration`).
 */
import { randomBytes } from 'node:crypto'
import { readAgreement } from './agreement.js'
import {
  Action as ActionPb,
  type InstanceClass as InstanceClassPb,
  LedgerEntry,
  type PartySignature as PartySignaturePb,
  SignedLedgerEntry,
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
  | {
      kind: 'swap-committed'
      swapId: Bytes
      /** A priced swap's payment, recorded with its commit; absent or null for a swap of mutual gain. */
      payment?: SwapPayment | null
    }
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
  | { kind: 'delegation-revoked'; delegationId: Bytes; owner: Bytes }

/** Who pays whom for a swap: the payer's owner to the payee's owner. */
export interface SwapPayment {
  payer: Bytes
  payee: Bytes
  amountMicros: bigint
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
const ENTRY_TAG = new TextEncoder().encode('entry\0')

/** The bytes the anchor signs for a ledger entry (an encoded LedgerEntry). */
export function ledgerEntrySignable(entryBytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(ENTRY_TAG.length + entryBytes.length)
  out.set(ENTRY_TAG, 0)
  out.set(entryBytes, ENTRY_TAG.length)
  return out
}

/**
 * A stored entry as an anchor returns it (a SignedLedgerEntry), checked
 * against the anchor key the client trusts: its seq and the action bytes it
 * records. Null when it does not decode or its signature does not verify.
 */
export function openAnchorEntry(
  raw: Uint8Array,
  anchorKey: Uint8Array,
): { seq: bigint; action: Bytes } | null {
  try {
    const signed = SignedLedgerEntry.decode(raw)
    if (
      !verify(
        SignatureDomain.ledgerEntry,
        ledgerEntrySignable(signed.entry),
        signed.anchorSignature,
        anchorKey,
      )
    )
      return null
    const entry = LedgerEntry.decode(signed.entry)
    return { seq: entry.seq, action: entry.action }
  } catch {
    return null
  }
}

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

/**
 * The registration of a signed agreement (agreement.ts): the action's body
 * restates the agreement, and its party signatures are the two agents'
 * signatures over the terms. Shape-checked only (readAgreement: throws
 * AgreementError); the anchor validates it in full. Either agent, or the
 * anchor itself, builds it: no further signature is needed.
 */
export function agreementRegistration(signedAgreement: Bytes, nowMs?: number): SignedAction {
  const { terms: t, signatures, swapId } = readAgreement(signedAgreement)
  const action = encodeAction(
    newAction(
      {
        kind: 'swap-agreed',
        swapId,
        locationA: t.a.location,
        locationB: t.b.location,
        ownerA: t.a.ownerKey,
        ownerB: t.b.ownerKey,
        vmA: t.a.agentKey,
        vmB: t.b.agentKey,
        agreement: signedAgreement,
      },
      nowMs,
    ),
  )
  return {
    action,
    parties: [
      { publicKey: t.a.agentKey, signature: signatures.a },
      { publicKey: t.b.agentKey, signature: signatures.b },
    ],
  }
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
      pb.swapCommitted = {
        swapId: u8(b.swapId),
        payment:
          b.payment == null
            ? undefined
            : {
                payer: u8(b.payment.payer),
                payee: u8(b.payment.payee),
                amountMicros: b.payment.amountMicros,
                swapId: u8(b.swapId),
                memo: '',
              },
      }
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
    case 'delegation-revoked':
      pb.delegationRevoked = { delegationId: u8(b.delegationId), ownerKey: u8(b.owner) }
      break
  }
  return ActionPb.encode(pb)
}

export function partyToPb(p: PartySignature): PartySignaturePb {
  return { publicKey: u8(p.publicKey), signature: u8(p.signature) }
}
