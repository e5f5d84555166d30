/**
 * The negotiation wire (/vboom/negotiate/1.0.0): the bilateral offer /
 * counter / accept / reject, and the decentralized matching's propose /
 * accept / reject / withdraw / pair (src/node/market/matching-messages.ts).
 *
 * Every message is signed by the sending agent (`signable('vboom/negotiation/v1',
 * message)`), names both agents, carries the sender's delegation in full or,
 * once the receiver has it, by its SHA-256, is bound to both adverts'
 * sequence numbers, and has a 128-bit nonce, a round and a sequence number
 * (strictly increasing per sender) and an expiry. So a forged, altered,
 * replayed, misdirected or expired message is refused by the pure validator
 * here, with a typed NegotiationError (or DelegationError, AgreementError for
 * what it carries); the caller counts refusals by class and code.
 *
 * Bids travel in offers (`terms` with the sender as payer); asks are in the
 * adverts. An agreement is reached by accepts: the accepting side sends the
 * full AgreementTerms with its signature, the other confirms with its own;
 * together they make the SignedAgreement (agreement.ts) the anchor registers.
 *
 * The domain types mirror the matching's messages field for field (peers by
 * their peer id strings), so a matching message plus the binding fields is a
 * NegotiationMessage, and a received matching kind is a matching message;
 * protocols imports nothing of ours, so they are restated here (a type test
 * holds them equal).
 */
import { randomBytes } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import {
  type AgreementTerms,
  decodeAgreementTerms,
  type Side,
  verifyAgreementSignature,
} from './agreement.js'
import {
  MAX_CLOCK_SKEW_MS,
  MAX_MOVE_ID_LENGTH,
  MAX_NEGOTIATION_MESSAGE_BYTES,
  MAX_NEGOTIATION_TTL_MS,
  NEGOTIATION_NONCE_BYTES,
} from './constants.js'
import {
  type Delegation,
  DelegationError,
  delegationHash,
  readDelegation,
  type VerifiedDelegation,
  validateDelegation,
} from './delegation.js'
import { type ValidationAction, ValidationError } from './errors.js'
import {
  type CandidateView as CandidateViewPb,
  type MoveRef as MoveRefPb,
  NegotiationMessage as NegotiationMessagePb,
  type NegotiationTerms as NegotiationTermsPb,
  PairStepKind,
  type PairStep as PairStepPb,
  RejectReason as RejectReasonPb,
  SignedNegotiationMessage,
  WithdrawReason as WithdrawReasonPb,
} from './proto/negotiation.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES, SignatureDomain, sign, verify } from './signing.js'

/** Who pays whom (peer ids); mutual terms have no payer and price 0. The matching's PairTerms. */
export interface WireTerms {
  payer: string | null
  priceMicros: bigint
}

/** 0: bilateral offer / counter; 1 and 2: the matching's phases. */
export type NegotiationPhase = 0 | 1 | 2

/** The fields the matching's envelope has. */
interface Envelope {
  /** Peer id of the sender's agent key: the signer. */
  from: string
  /** Peer id of the receiver's agent key. */
  to: string
  round: number
  /** Strictly increasing per sender. */
  seq: number
  phase: NegotiationPhase
}

/** What binds a message to its moment and to both adverts. */
export interface NegotiationBinding {
  /** Sequence of the sender's advert the message is based on. */
  fromAdvertSeq: bigint
  /** Sequence of the receiver's advert it answers. */
  toAdvertSeq: bigint
  nonce: Uint8Array
  issuedAtMs: number
  expiresAtMs: number
}

export interface MoveRef {
  id: string
  gainMicros: number
  replaces: string | null
  notifyReplaced: boolean
}

export interface CandidateView {
  peer: string
  welfareMicros: number
  terms: WireTerms
  takenBy?: string
  takenWelfareMicros?: number
}

export type PairStep =
  | { step: 'view'; candidates: CandidateView[] }
  | { step: 'plan'; moveId: string; target: CandidateView | null; move: MoveRef | null }
  | { step: 'report'; moveId: string; accepted: boolean }
  | { step: 'commit' | 'cancel'; moveId: string }

export type RejectReason = 'not-listed' | 'unacceptable' | 'stale' | 'probe-failed'
export type WithdrawReason = 'taken' | 'expired' | 'leaving' | 'cancel' | 'single'

/** The sender's half of an agreement: the full terms and its signature over them. */
export interface AgreementHalf {
  terms: Uint8Array
  signature: Uint8Array
}

/** Bilateral: "swap with me on these terms"; a bid when the sender pays. */
export interface OfferBody {
  kind: 'offer'
  terms: WireTerms
  /** The sender's stateless swapper key for the agreement. */
  swapKey: Uint8Array
  /** The sender's own net gain under the terms, micro-credits over the horizon. */
  statedGainMicros: bigint
}

/** Bilateral: answers `ref` with other terms. */
export interface CounterBody {
  kind: 'counter'
  ref: number
  terms: WireTerms
  swapKey: Uint8Array
  statedGainMicros: bigint
}

/** Accepts `ref` on `terms` (or confirms an accept); with `agreement`, signs the full terms. */
export interface AcceptBody {
  kind: 'accept'
  ref: number
  terms: WireTerms
  agreement?: AgreementHalf
}

export interface RejectBody {
  kind: 'reject'
  ref: number
  reason: RejectReason
}

export interface ProposeBody {
  kind: 'propose'
  terms: WireTerms
  welfareMicros: number
  move?: MoveRef
}

export interface WithdrawBody {
  kind: 'withdraw'
  reason: WithdrawReason
  partner?: string
  pairWelfareMicros?: number
}

export type PairBody = { kind: 'pair' } & PairStep

export type NegotiationBody =
  | OfferBody
  | CounterBody
  | AcceptBody
  | RejectBody
  | ProposeBody
  | WithdrawBody
  | PairBody
export type NegotiationKind = NegotiationBody['kind']

export type NegotiationMessage = Envelope & NegotiationBinding & NegotiationBody

/** The matching's messages (matching-messages.ts MatchMessage), restated. */
type MatchEnvelope = Omit<Envelope, 'phase'> & { phase: 1 | 2 }
export type MatchWireMessage =
  | (MatchEnvelope & ProposeBody)
  | (MatchEnvelope & { kind: 'accept'; ref: number; terms: WireTerms })
  | (MatchEnvelope & { kind: 'reject'; ref: number; reason: 'not-listed' | 'unacceptable' | 'stale' })
  | (MatchEnvelope & WithdrawBody)
  | (MatchEnvelope & PairBody)

/** The codes of a negotiation message's refusal, one per rule. */
export const NegotiationErrorCode = {
  /** Larger than MAX_NEGOTIATION_MESSAGE_BYTES. */
  OVERSIZED: 'OVERSIZED',
  /** Does not decode, or a field has the wrong shape. */
  MALFORMED: 'MALFORMED',
  /** A kind sent in a phase it does not belong to (an offer in the matching, a proposal bilaterally). */
  WRONG_PHASE: 'WRONG_PHASE',
  /** Terms with a price but no payer, a payer but no price, or a payer who is neither agent. */
  BAD_TERMS: 'BAD_TERMS',
  /** Addressed to another agent. */
  WRONG_RECIPIENT: 'WRONG_RECIPIENT',
  /** Issue not before expiry, or a lifetime over MAX_NEGOTIATION_TTL_MS. */
  BAD_LIFETIME: 'BAD_LIFETIME',
  /** Issued in the future beyond the clock-skew bound. */
  FUTURE: 'FUTURE',
  /** At or past its expiry. */
  EXPIRED: 'EXPIRED',
  /** Names an advert of ours we never published. */
  UNKNOWN_ADVERT: 'UNKNOWN_ADVERT',
  /** Names an advert (ours or the sender's) older than the ones in force. */
  STALE_ADVERT: 'STALE_ADVERT',
  /** Names a sender's advert we have not seen (yet). */
  ADVERT_NOT_SEEN: 'ADVERT_NOT_SEEN',
  /** Sequence number not above the last one accepted from the sender: a replay or reordering. */
  STALE_SEQUENCE: 'STALE_SEQUENCE',
  /** Nonce already seen from the sender: a replay. */
  DUPLICATE_NONCE: 'DUPLICATE_NONCE',
  /** Names a delegation by hash that the sender never sent us: it must send it in full. */
  UNKNOWN_DELEGATION: 'UNKNOWN_DELEGATION',
  /** The full delegation does not hash to the hash the message names. */
  DELEGATION_MISMATCH: 'DELEGATION_MISMATCH',
  /** The sender offers to pay more than its delegation allows. */
  PRICE_ABOVE_LIMIT: 'PRICE_ABOVE_LIMIT',
  /** The sender asks to be paid, which its delegation does not allow. */
  PAYMENT_NOT_ALLOWED: 'PAYMENT_NOT_ALLOWED',
  /** The sender states a gain below its delegation's floor. */
  GAIN_BELOW_FLOOR: 'GAIN_BELOW_FLOOR',
  /** Agreement terms in an accept that do not match the message (agents, adverts, price, delegation, anchor). */
  AGREEMENT_MISMATCH: 'AGREEMENT_MISMATCH',
  /** The sender's signature over the message does not verify. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** The sender's signature over the agreement terms it carries does not verify. */
  BAD_AGREEMENT_SIGNATURE: 'BAD_AGREEMENT_SIGNATURE',
  /** A peer id we were asked to send to or as is not an Ed25519 agent key (a caller's mistake). */
  BAD_PEER_ID: 'BAD_PEER_ID',
} as const
export type NegotiationErrorCode = (typeof NegotiationErrorCode)[keyof typeof NegotiationErrorCode]
const N = NegotiationErrorCode

export class NegotiationError extends ValidationError {
  constructor(
    action: ValidationAction,
    code: NegotiationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(action, code, message, options)
    this.name = 'NegotiationError'
  }
}

const rejectN = (code: NegotiationErrorCode, message: string): never => {
  throw new NegotiationError('REJECT', code, message)
}
const ignoreN = (code: NegotiationErrorCode, message: string): never => {
  throw new NegotiationError('IGNORE', code, message)
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const u8 = (b: Uint8Array): Bytes => new Uint8Array(b)
const EMPTY = new Uint8Array(0)

/** The raw Ed25519 key of an agent's peer id; NegotiationError BAD_PEER_ID for any other. */
export function keyOfPeerId(peerId: string): Bytes {
  try {
    const key = peerIdFromString(peerId).publicKey
    if (key?.type === 'Ed25519') return u8(key.raw)
  } catch {
    // fall through: not a peer id
  }
  return rejectN(N.BAD_PEER_ID, `${peerId} is not the peer id of an Ed25519 agent key`)
}

/** The peer id string of a raw Ed25519 agent key. */
export function peerIdOfAgentKey(key: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(key)).toString()
}

/** A fresh nonce for a message. */
export function newNegotiationNonce(): Bytes {
  return new Uint8Array(randomBytes(NEGOTIATION_NONCE_BYTES))
}

// ---- domain -> wire

const REJECT_TO_PB: Record<RejectReason, RejectReasonPb> = {
  'not-listed': RejectReasonPb.NOT_LISTED,
  unacceptable: RejectReasonPb.UNACCEPTABLE,
  stale: RejectReasonPb.STALE,
  'probe-failed': RejectReasonPb.PROBE_FAILED,
}
const WITHDRAW_TO_PB: Record<WithdrawReason, WithdrawReasonPb> = {
  taken: WithdrawReasonPb.TAKEN,
  expired: WithdrawReasonPb.EXPIRED,
  leaving: WithdrawReasonPb.LEAVING,
  cancel: WithdrawReasonPb.CANCEL,
  single: WithdrawReasonPb.SINGLE,
}
const STEP_TO_PB: Record<PairStep['step'], PairStepKind> = {
  view: PairStepKind.VIEW,
  plan: PairStepKind.PLAN,
  report: PairStepKind.REPORT,
  commit: PairStepKind.COMMIT,
  cancel: PairStepKind.CANCEL_MOVE,
}
const invert = <K extends string, V extends string>(m: Record<K, V>): Map<V, K> =>
  new Map(Object.entries(m).map(([k, v]) => [v as V, k as K]))
const REJECT_OF_PB = invert(REJECT_TO_PB)
const WITHDRAW_OF_PB = invert(WITHDRAW_TO_PB)
const STEP_OF_PB = invert(STEP_TO_PB)

const optKey = (peer: string | null | undefined): Bytes =>
  peer === null || peer === undefined ? EMPTY : keyOfPeerId(peer)
const termsToPb = (t: WireTerms): NegotiationTermsPb => ({
  payer: optKey(t.payer),
  priceMicros: t.priceMicros,
})
const moveToPb = (m: MoveRef): MoveRefPb => ({
  id: m.id,
  gainMicros: m.gainMicros,
  replaces: optKey(m.replaces),
  notifyReplaced: m.notifyReplaced,
})
const viewToPb = (c: CandidateView): CandidateViewPb => ({
  peer: keyOfPeerId(c.peer),
  welfareMicros: c.welfareMicros,
  terms: termsToPb(c.terms),
  takenBy: optKey(c.takenBy),
  takenWelfareMicros: c.takenWelfareMicros,
})

function bodyToPb(b: NegotiationBody): Partial<NegotiationMessagePb> {
  switch (b.kind) {
    case 'offer':
      return {
        offer: { terms: termsToPb(b.terms), swapKey: u8(b.swapKey), statedGainMicros: b.statedGainMicros },
      }
    case 'counter':
      return {
        counter: {
          ref: BigInt(b.ref),
          terms: termsToPb(b.terms),
          swapKey: u8(b.swapKey),
          statedGainMicros: b.statedGainMicros,
        },
      }
    case 'accept':
      return {
        accept: {
          ref: BigInt(b.ref),
          terms: termsToPb(b.terms),
          agreementTerms: b.agreement === undefined ? EMPTY : u8(b.agreement.terms),
          agreementSignature: b.agreement === undefined ? EMPTY : u8(b.agreement.signature),
        },
      }
    case 'reject':
      return { reject: { ref: BigInt(b.ref), reason: REJECT_TO_PB[b.reason] } }
    case 'propose':
      return {
        propose: {
          terms: termsToPb(b.terms),
          welfareMicros: b.welfareMicros,
          move: b.move === undefined ? undefined : moveToPb(b.move),
        },
      }
    case 'withdraw':
      return {
        withdraw: {
          reason: WITHDRAW_TO_PB[b.reason],
          partner: optKey(b.partner),
          pairWelfareMicros: b.pairWelfareMicros,
        },
      }
    case 'pair': {
      const pb: PairStepPb = {
        step: STEP_TO_PB[b.step],
        candidates: [],
        moveId: '',
        accepted: false,
      }
      if (b.step === 'view') pb.candidates = b.candidates.map(viewToPb)
      else pb.moveId = b.moveId
      if (b.step === 'plan') {
        if (b.target !== null) pb.target = viewToPb(b.target)
        if (b.move !== null) pb.moveRef = moveToPb(b.move)
      }
      if (b.step === 'report') pb.accepted = b.accepted
      return { pair: pb }
    }
  }
}

/** The delegation a message carries: in full the first time to a peer, by hash afterwards. */
export interface DelegationToSend {
  /** The SignedDelegation bytes. */
  signed: Uint8Array
  /** Send it in full (the receiver has not acknowledged it yet). */
  full: boolean
}

/**
 * Encodes and signs a message with the sender's agent key (raw 32-byte
 * secret); returns SignedNegotiationMessage bytes. `from` must be that key's
 * peer id. Throws NegotiationError on a caller's mistake (a bad peer id, a
 * message over the size limit).
 */
export function signNegotiationMessage(
  m: NegotiationMessage,
  delegation: DelegationToSend,
  agent: { secretKey: Uint8Array; publicKey: Uint8Array },
): Bytes {
  const from = keyOfPeerId(m.from)
  if (!same(from, agent.publicKey))
    rejectN(N.BAD_PEER_ID, 'the message is from another agent than the signing key')
  const message = NegotiationMessagePb.encode({
    from,
    to: keyOfPeerId(m.to),
    phase: m.phase,
    round: BigInt(m.round),
    seq: BigInt(m.seq),
    fromAdvertSequence: m.fromAdvertSeq,
    toAdvertSequence: m.toAdvertSeq,
    nonce: u8(m.nonce),
    issuedAtMs: BigInt(m.issuedAtMs),
    expiresAtMs: BigInt(m.expiresAtMs),
    delegation: delegation.full ? u8(delegation.signed) : EMPTY,
    delegationHash: delegationHash(delegation.signed),
    ...bodyToPb(m),
  })
  const out = SignedNegotiationMessage.encode({
    message,
    signature: sign(SignatureDomain.negotiation, message, agent.secretKey),
  })
  if (out.length > MAX_NEGOTIATION_MESSAGE_BYTES)
    rejectN(
      N.OVERSIZED,
      `message of ${out.length} bytes exceeds ${MAX_NEGOTIATION_MESSAGE_BYTES}; send fewer candidates`,
    )
  return out
}

// ---- wire -> domain (shape rules)

const safe = (v: bigint, field: string): number => {
  // Rule: counters and times are exact in a double.
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) rejectN(N.MALFORMED, `${field} is out of range`)
  return Number(v)
}
const finite = (v: number, field: string): number => {
  // Rule: no NaN or infinities in welfare figures; they poison every comparison.
  if (!Number.isFinite(v)) rejectN(N.MALFORMED, `${field} is not a finite number`)
  return v
}
const agentKey = (b: Uint8Array, field: string): Bytes =>
  b.length === ED25519_PUBLIC_KEY_BYTES ? u8(b) : rejectN(N.MALFORMED, `${field} is not an Ed25519 key`)
const optPeer = (b: Uint8Array, field: string): string | undefined =>
  b.length === 0 ? undefined : peerIdOfAgentKey(agentKey(b, field))

function termsOf(pb: NegotiationTermsPb | undefined, field: string): WireTerms {
  const t = pb ?? rejectN(N.MALFORMED, `${field} missing`)
  const payer = optPeer(t.payer, `${field} payer`) ?? null
  // Rule: a price iff a payer.
  if ((payer === null) !== (t.priceMicros === 0n))
    rejectN(N.BAD_TERMS, `${field}: a price needs a payer, and a payer a price above 0`)
  return { payer, priceMicros: t.priceMicros }
}
function moveOf(pb: MoveRefPb): MoveRef {
  if (pb.id.length === 0 || pb.id.length > MAX_MOVE_ID_LENGTH)
    rejectN(N.MALFORMED, 'move id missing or too long')
  return {
    id: pb.id,
    gainMicros: finite(pb.gainMicros, 'move gain'),
    replaces: optPeer(pb.replaces, 'move replaces') ?? null,
    notifyReplaced: pb.notifyReplaced,
  }
}
function viewOf(pb: CandidateViewPb): CandidateView {
  const v: CandidateView = {
    peer: peerIdOfAgentKey(agentKey(pb.peer, 'candidate peer')),
    welfareMicros: finite(pb.welfareMicros, 'candidate welfare'),
    terms: termsOf(pb.terms, 'candidate terms'),
  }
  const takenBy = optPeer(pb.takenBy, 'candidate taken by')
  if (takenBy !== undefined) v.takenBy = takenBy
  if (pb.takenWelfareMicros !== undefined)
    v.takenWelfareMicros = finite(pb.takenWelfareMicros, 'taken welfare')
  return v
}
const moveIdOf = (id: string): string =>
  id.length > 0 && id.length <= MAX_MOVE_ID_LENGTH ? id : rejectN(N.MALFORMED, 'move id missing or too long')

function bodyOf(pb: NegotiationMessagePb): NegotiationBody {
  if (pb.offer !== undefined)
    return {
      kind: 'offer',
      terms: termsOf(pb.offer.terms, 'offer terms'),
      swapKey: agentKey(pb.offer.swapKey, 'swap key'),
      statedGainMicros: pb.offer.statedGainMicros,
    }
  if (pb.counter !== undefined)
    return {
      kind: 'counter',
      ref: safe(pb.counter.ref, 'ref'),
      terms: termsOf(pb.counter.terms, 'counter terms'),
      swapKey: agentKey(pb.counter.swapKey, 'swap key'),
      statedGainMicros: pb.counter.statedGainMicros,
    }
  if (pb.accept !== undefined) {
    const a = pb.accept
    const body: AcceptBody = {
      kind: 'accept',
      ref: safe(a.ref, 'ref'),
      terms: termsOf(a.terms, 'accept terms'),
    }
    if (a.agreementTerms.length > 0 || a.agreementSignature.length > 0) {
      if (a.agreementTerms.length === 0 || a.agreementSignature.length !== 64)
        rejectN(N.MALFORMED, 'agreement terms without a signature, or a signature without terms')
      body.agreement = { terms: a.agreementTerms, signature: a.agreementSignature }
    }
    return body
  }
  if (pb.reject !== undefined) {
    const reason = REJECT_OF_PB.get(pb.reject.reason) ?? rejectN(N.MALFORMED, 'reject gives no reason')
    return { kind: 'reject', ref: safe(pb.reject.ref, 'ref'), reason }
  }
  if (pb.propose !== undefined) {
    const body: ProposeBody = {
      kind: 'propose',
      terms: termsOf(pb.propose.terms, 'proposal terms'),
      welfareMicros: finite(pb.propose.welfareMicros, 'welfare'),
    }
    if (pb.propose.move !== undefined) body.move = moveOf(pb.propose.move)
    return body
  }
  if (pb.withdraw !== undefined) {
    const reason = WITHDRAW_OF_PB.get(pb.withdraw.reason) ?? rejectN(N.MALFORMED, 'withdraw gives no reason')
    const body: WithdrawBody = { kind: 'withdraw', reason }
    const partner = optPeer(pb.withdraw.partner, 'withdraw partner')
    if (partner !== undefined) body.partner = partner
    if (pb.withdraw.pairWelfareMicros !== undefined)
      body.pairWelfareMicros = finite(pb.withdraw.pairWelfareMicros, 'pair welfare')
    return body
  }
  if (pb.pair !== undefined) {
    const p = pb.pair
    const step = STEP_OF_PB.get(p.step) ?? rejectN(N.MALFORMED, 'pair message names no step')
    switch (step) {
      case 'view':
        return { kind: 'pair', step, candidates: p.candidates.map(viewOf) }
      case 'plan':
        return {
          kind: 'pair',
          step,
          moveId: moveIdOf(p.moveId),
          target: p.target === undefined ? null : viewOf(p.target),
          move: p.moveRef === undefined ? null : moveOf(p.moveRef),
        }
      case 'report':
        return { kind: 'pair', step, moveId: moveIdOf(p.moveId), accepted: p.accepted }
      default:
        return { kind: 'pair', step, moveId: moveIdOf(p.moveId) }
    }
  }
  return rejectN(N.MALFORMED, 'message has no body')
}

/** Which phases a kind belongs to: offers and counters are bilateral, proposals, withdrawals and pair steps the matching's. */
const PHASES: Record<NegotiationKind, readonly NegotiationPhase[]> = {
  offer: [0],
  counter: [0],
  accept: [0, 1, 2],
  reject: [0, 1, 2],
  propose: [1, 2],
  withdraw: [1, 2],
  pair: [2],
}

// ---- the validator

export interface NegotiationValidationContext {
  nowMs: number
  /** Our agent's peer id: the message must be addressed to it. */
  self: string
  /** Sequences of our adverts still in force: the message must answer one of them. */
  ownAdvertSeqs: readonly bigint[]
  /** Sequence of the sender's advert in our market view; undefined when we have none. */
  peerAdvertSeq: bigint | undefined
  /**
   * The sender's advert that the one in our view replaced, when the caller
   * still accepts messages bound to it (one the sender republished while its
   * messages were on the way); absent: only the advert in our view is.
   */
  peerReplacedAdvertSeq?: bigint
  /** Highest sequence number accepted from the sender so far, if any. */
  lastSeq?: number
  /** Whether the sender's nonce (hex) was seen before; the caller keeps nonces until their messages expire. */
  seenNonce?: (nonceHex: string) => boolean
  /** A delegation the sender sent us before, by the hex of its hash. */
  knownDelegation?: (hashHex: string) => VerifiedDelegation | undefined
  /** Whether a delegation is revoked, as the anchor last answered (DelegationError REVOKED when true). */
  isRevoked?: (d: Delegation) => boolean
  /** The anchor our agreements name: terms in an accept must name it. */
  anchorKey?: Uint8Array
}

export interface ValidatedNegotiation {
  message: NegotiationMessage
  /** The sender's delegation, checked now. */
  delegation: VerifiedDelegation
  /** True when it came in full in this message: keep it by its hash for the sender's later messages. */
  delegationIsNew: boolean
  /** An accept's agreement terms, decoded and checked against the message, with the sender's side. */
  agreement?: { terms: AgreementTerms; senderSide: Side }
}

/** The price the sender pays (positive) or receives (negative) under `terms`, micro-credits. */
function senderPays(terms: WireTerms, from: string): bigint {
  if (terms.payer === null) return 0n
  return terms.payer === from ? terms.priceMicros : -terms.priceMicros
}

/**
 * Decodes and validates a SignedNegotiationMessage. Returns it, with the
 * sender's delegation, only if every rule holds; throws NegotiationError (or
 * DelegationError, AgreementError for what it carries) otherwise. Pure: the
 * caller supplies the time, its adverts, its view of the sender's advert, the
 * sender's last sequence number, the nonces and delegations it keeps.
 */
export function validateNegotiationMessage(
  data: Uint8Array,
  ctx: NegotiationValidationContext,
): ValidatedNegotiation {
  // Rule: size before anything is decoded.
  if (data.length > MAX_NEGOTIATION_MESSAGE_BYTES)
    rejectN(N.OVERSIZED, `message of ${data.length} bytes exceeds ${MAX_NEGOTIATION_MESSAGE_BYTES}`)
  // Rule: envelope and message decode under the schema's limits.
  let env: SignedNegotiationMessage
  let pb: NegotiationMessagePb
  try {
    env = SignedNegotiationMessage.decode(data)
    pb = NegotiationMessagePb.decode(env.message)
  } catch (err) {
    return rejectN(N.MALFORMED, `message does not decode: ${(err as Error).message}`)
  }
  // Rule: field shapes: two agent keys, a phase, a nonce, a delegation hash, a body.
  const fromKey = agentKey(pb.from, 'sender')
  const toKey = agentKey(pb.to, 'receiver')
  if (pb.phase > 2) rejectN(N.MALFORMED, `unknown phase ${pb.phase}`)
  if (pb.nonce.length !== NEGOTIATION_NONCE_BYTES)
    rejectN(N.MALFORMED, `nonce is not ${NEGOTIATION_NONCE_BYTES} bytes`)
  if (pb.delegationHash.length !== 32) rejectN(N.MALFORMED, 'delegation hash is not a SHA-256')
  const from = peerIdOfAgentKey(fromKey)
  const to = peerIdOfAgentKey(toKey)
  const body = bodyOf(pb)
  const phase = pb.phase as NegotiationPhase
  // Rule: each kind in its own phases.
  if (!PHASES[body.kind].includes(phase)) rejectN(N.WRONG_PHASE, `${body.kind} is not sent in phase ${phase}`)
  // Rule: a message's own terms are between its two agents.
  if ('terms' in body && body.terms.payer !== null && body.terms.payer !== from && body.terms.payer !== to)
    rejectN(N.BAD_TERMS, 'the payer is neither agent of the message')
  // Rule: addressed to us.
  if (to !== ctx.self) rejectN(N.WRONG_RECIPIENT, 'message addressed to another agent')
  const issuedAtMs = safe(pb.issuedAtMs, 'issued_at_ms')
  const expiresAtMs = safe(pb.expiresAtMs, 'expires_at_ms')
  // Rule: a bounded lifetime, issued now (within the clock-skew bound), not expired.
  if (expiresAtMs <= issuedAtMs || expiresAtMs - issuedAtMs > MAX_NEGOTIATION_TTL_MS)
    rejectN(N.BAD_LIFETIME, `message lifetime is not within (0, ${MAX_NEGOTIATION_TTL_MS / 60_000} min]`)
  if (issuedAtMs > ctx.nowMs + MAX_CLOCK_SKEW_MS)
    rejectN(N.FUTURE, `message issued ${issuedAtMs - ctx.nowMs} ms in the future`)
  if (expiresAtMs <= ctx.nowMs) ignoreN(N.EXPIRED, `message expired ${ctx.nowMs - expiresAtMs} ms ago`)
  // Rule: it answers one of our adverts in force.
  const toAdvertSeq = pb.toAdvertSequence
  if (!ctx.ownAdvertSeqs.includes(toAdvertSeq)) {
    let newest = -1n
    for (const s of ctx.ownAdvertSeqs) if (s > newest) newest = s
    if (toAdvertSeq > newest) rejectN(N.UNKNOWN_ADVERT, `we never published advert ${toAdvertSeq}`)
    ignoreN(N.STALE_ADVERT, `our advert ${toAdvertSeq} is no longer in force`)
  }
  // Rule: it rests on the sender's advert we hold.
  const fromAdvertSeq = pb.fromAdvertSequence
  if (ctx.peerAdvertSeq === undefined || fromAdvertSeq > ctx.peerAdvertSeq)
    ignoreN(N.ADVERT_NOT_SEEN, `we have not seen the sender's advert ${fromAdvertSeq}`)
  if (fromAdvertSeq < ctx.peerAdvertSeq! && fromAdvertSeq !== ctx.peerReplacedAdvertSeq)
    ignoreN(N.STALE_ADVERT, `the sender's advert ${fromAdvertSeq} is older than ${ctx.peerAdvertSeq}`)
  // Rule: no replay: the sequence number moves on, and the nonce is new.
  const round = safe(pb.round, 'round')
  const seq = safe(pb.seq, 'seq')
  if (ctx.lastSeq !== undefined && seq <= ctx.lastSeq)
    ignoreN(N.STALE_SEQUENCE, `sequence ${seq} is not above ${ctx.lastSeq}`)
  if (ctx.seenNonce?.(hex(pb.nonce)) === true) ignoreN(N.DUPLICATE_NONCE, 'nonce already seen')

  // The sender's delegation: in full, or one it sent before.
  let delegationBytes: Uint8Array
  let known: VerifiedDelegation | undefined
  if (pb.delegation.length > 0) {
    // Rule: the delegation sent is the one the message names.
    if (!same(delegationHash(pb.delegation), pb.delegationHash))
      rejectN(N.DELEGATION_MISMATCH, 'the delegation does not hash to the hash the message names')
    delegationBytes = pb.delegation
  } else {
    // Rule: a delegation named by hash is one the sender sent us before.
    known =
      ctx.knownDelegation?.(hex(pb.delegationHash)) ??
      ignoreN(N.UNKNOWN_DELEGATION, 'the message names a delegation we do not hold; send it in full')
    delegationBytes = known.signed
  }
  const d = readDelegation(delegationBytes)
  // Rule: the sender keeps to its delegation's limits in what it offers.
  const pays = 'terms' in body ? senderPays(body.terms, from) : 0n
  if (pays > d.limits.maxPriceMicros)
    rejectN(
      N.PRICE_ABOVE_LIMIT,
      `the sender offers ${pays}, above its delegation limit ${d.limits.maxPriceMicros}`,
    )
  if (pays < 0n && !d.limits.mayAcceptPayment)
    rejectN(N.PAYMENT_NOT_ALLOWED, "the sender's delegation does not allow it to be paid")
  if ((body.kind === 'offer' || body.kind === 'counter') && body.statedGainMicros < d.limits.minGainMicros)
    rejectN(
      N.GAIN_BELOW_FLOOR,
      `the sender states a gain below its delegation's floor ${d.limits.minGainMicros}`,
    )
  // Rule: an accept's agreement terms are this message's: its agents, adverts, price, delegation and anchor.
  const agreement =
    body.kind === 'accept' && body.agreement !== undefined ? checkTerms(body, pb, ctx) : undefined
  // Rule: the delegation is not revoked (as the anchor last answered).
  if (ctx.isRevoked?.(d) === true)
    throw new DelegationError('REJECT', 'REVOKED', "the sender's delegation is revoked by its owner")
  // Rule: the delegation is the sender's, in force now (its owner's signature checked once, when it came in full).
  const delegation =
    known === undefined
      ? validateDelegation(delegationBytes, { atMs: ctx.nowMs, agentKey: fromKey })
      : recheck(known, fromKey, ctx.nowMs)
  // Rule: the sender's signature, last because it is the expensive check.
  if (!verify(SignatureDomain.negotiation, env.message, env.signature, fromKey))
    rejectN(N.BAD_SIGNATURE, 'message signature does not verify')
  // Rule: the sender's signature over the agreement terms it carries.
  if (body.kind === 'accept' && body.agreement !== undefined) {
    if (!verifyAgreementSignature(body.agreement.terms, body.agreement.signature, fromKey))
      rejectN(N.BAD_AGREEMENT_SIGNATURE, "the sender's signature over the agreement terms does not verify")
  }
  const message = {
    from,
    to,
    round,
    seq,
    phase,
    fromAdvertSeq,
    toAdvertSeq,
    nonce: pb.nonce,
    issuedAtMs,
    expiresAtMs,
    ...body,
  } as NegotiationMessage
  return { message, delegation, delegationIsNew: known === undefined, agreement }
}

/** A delegation held from an earlier message: still the sender's and still in force. */
function recheck(d: VerifiedDelegation, fromKey: Uint8Array, nowMs: number): VerifiedDelegation {
  if (!same(d.agentKey, fromKey))
    throw new DelegationError('REJECT', 'WRONG_AGENT', 'delegation is for another agent')
  if (d.notBeforeMs > nowMs + MAX_CLOCK_SKEW_MS)
    throw new DelegationError('IGNORE', 'NOT_YET_VALID', 'delegation is not valid yet')
  if (d.expiresAtMs <= nowMs)
    throw new DelegationError('IGNORE', 'EXPIRED', 'delegation expired; the owner must renew it')
  return d
}

/** An accept's agreement terms against the message they travel in. */
function checkTerms(
  body: AcceptBody,
  pb: NegotiationMessagePb,
  ctx: NegotiationValidationContext,
): { terms: AgreementTerms; senderSide: Side } {
  const terms = decodeAgreementTerms(body.agreement!.terms)
  const mismatch = (what: string): never => rejectN(N.AGREEMENT_MISMATCH, `agreement terms: ${what}`)
  const senderSide: Side | null = same(terms.a.agentKey, pb.from)
    ? 'a'
    : same(terms.b.agentKey, pb.from)
      ? 'b'
      : null
  if (senderSide === null) return mismatch('the sender is not a party')
  const sender = terms[senderSide]
  const receiver = terms[senderSide === 'a' ? 'b' : 'a']
  if (!same(receiver.agentKey, pb.to)) mismatch('the receiver is not the other party')
  if (sender.advertSequence !== pb.fromAdvertSequence || receiver.advertSequence !== pb.toAdvertSequence)
    mismatch('the advert sequences differ from the message')
  if (!same(delegationHash(sender.delegation), pb.delegationHash))
    mismatch("the sender's delegation differs from the message's")
  const payer = terms.payer === null ? null : peerIdOfAgentKey(terms[terms.payer].agentKey)
  if (payer !== body.terms.payer || terms.priceMicros !== body.terms.priceMicros)
    mismatch('the price or payer differs from the accept')
  if (ctx.anchorKey !== undefined && !same(terms.anchorKey, ctx.anchorKey))
    mismatch('another anchor is named')
  return { terms, senderSide }
}

/** The matching's view of a validated message: null for the bilateral kinds and what the matching does not know. */
export function asMatchMessage(m: NegotiationMessage): MatchWireMessage | null {
  if (m.phase === 0) return null
  const env = { from: m.from, to: m.to, round: m.round, seq: m.seq, phase: m.phase }
  switch (m.kind) {
    case 'propose': {
      const out: MatchWireMessage = {
        ...env,
        kind: 'propose',
        terms: m.terms,
        welfareMicros: m.welfareMicros,
      }
      if (m.move !== undefined) out.move = m.move
      return out
    }
    case 'accept':
      return { ...env, kind: 'accept', ref: m.ref, terms: m.terms }
    case 'reject':
      return m.reason === 'probe-failed' ? null : { ...env, kind: 'reject', ref: m.ref, reason: m.reason }
    case 'withdraw': {
      const out: MatchWireMessage = { ...env, kind: 'withdraw', reason: m.reason }
      if (m.partner !== undefined) out.partner = m.partner
      if (m.pairWelfareMicros !== undefined) out.pairWelfareMicros = m.pairWelfareMicros
      return out
    }
    case 'pair':
      return { ...env, ...pairStepOf(m) }
    default:
      return null
  }
}

/** The pair step of a pair message, without its envelope. */
function pairStepOf(m: PairBody): PairBody {
  switch (m.step) {
    case 'view':
      return { kind: 'pair', step: m.step, candidates: m.candidates }
    case 'plan':
      return { kind: 'pair', step: m.step, moveId: m.moveId, target: m.target, move: m.move }
    case 'report':
      return { kind: 'pair', step: m.step, moveId: m.moveId, accepted: m.accepted }
    default:
      return { kind: 'pair', step: m.step, moveId: m.moveId }
  }
}
