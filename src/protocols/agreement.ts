/**
 * Swap agreements: the terms two agents negotiated (both parties, the class,
 * the price and who pays, issue and expiry, the anchor), signed by both
 * agents under their owners' delegations, and registered with the anchor.
 *
 * The swap id is SHA-256 of `signable('vboom/agreement/v1', terms)`: the
 * parties cannot choose it, and it names exactly one set of terms. Each
 * agent signs the same signable; the SignedAgreement carries the terms' exact
 * bytes and both signatures.
 *
 * The validator follows advert.ts: cheap checks first (size, shape, the two
 * sides, price, audience, class, times), then the delegation chains and the
 * limits they set, the signatures last; a `// Rule:` per check; typed errors
 * (AgreementError, or DelegationError naming the side).
 */
import { createHash } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import {
  MAX_AGREEMENT_TTL_MS,
  MAX_CLOCK_SKEW_MS,
  MAX_LOCATION_LENGTH,
  MAX_SIGNED_AGREEMENT_BYTES,
} from './constants.js'
import {
  type Delegation,
  DelegationError,
  type DelegationErrorCode,
  readDelegation,
  type VerifiedDelegation,
  validateDelegation,
} from './delegation.js'
import { type ValidationAction, ValidationError } from './errors.js'
import type { InstanceClass } from './ledger-action.js'
import {
  type AgreementParty as AgreementPartyPb,
  AgreementPayer,
  AgreementTerms as AgreementTermsPb,
  SignedAgreement,
} from './proto/agreement.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES, SignatureDomain, sign, signable, verify } from './signing.js'

export type Side = 'a' | 'b'
export const SIDES: readonly Side[] = ['a', 'b']
export const otherSide = (s: Side): Side => (s === 'a' ? 'b' : 'a')

/** One side of a swap. */
export interface AgreementParty {
  /** The provider's instance id the VM runs in now. */
  location: string
  /** The VM's agent key (raw Ed25519): the VM's identity. */
  agentKey: Uint8Array
  /** The owner of record of `location`, who signed `delegation`. */
  ownerKey: Uint8Array
  /** This side's stateless swapper key: its libp2p key, manifest and coordinator signer. */
  swapKey: Uint8Array
  /** Sequence of this side's advert the terms were based on. */
  advertSequence: bigint
  /** The owner's SignedDelegation to `agentKey`. */
  delegation: Uint8Array
  /** This side's net gain after the price, micro-credits over the horizon, as its agent computed it. */
  statedGainMicros: bigint
}

export interface AgreementTerms {
  a: AgreementParty
  b: AgreementParty
  instanceClass: InstanceClass
  /** 0 iff `payer` is null. */
  priceMicros: bigint
  /** The side that pays the other `priceMicros`; null for a swap of mutual gain. */
  payer: Side | null
  issuedAtMs: number
  /** The swap must commit before this, unix ms. */
  expiresAtMs: number
  /** The anchor that registers and coordinates the swap. */
  anchorKey: Uint8Array
}

/** An agreement that passed the validator. */
export interface SwapAgreement extends AgreementTerms {
  /** SHA-256 of the signable terms. */
  swapId: Uint8Array
  /** The SignedAgreement bytes, as registered. */
  signed: Uint8Array
  /** The terms' exact bytes, as signed. */
  termsBytes: Uint8Array
  signatures: Record<Side, Uint8Array>
  delegations: Record<Side, VerifiedDelegation>
}

/** The codes of an agreement's refusal, one per rule. */
export const AgreementErrorCode = {
  /** Larger than MAX_SIGNED_AGREEMENT_BYTES. */
  OVERSIZED: 'OVERSIZED',
  /** Does not decode, or a field has the wrong shape. */
  MALFORMED: 'MALFORMED',
  /** Both sides name the same location. */
  SAME_LOCATION: 'SAME_LOCATION',
  /** Both sides name the same agent (VM). */
  SAME_AGENT: 'SAME_AGENT',
  /** A swap key is the other side's swap or agent key: the roles would be ambiguous. */
  KEY_REUSE: 'KEY_REUSE',
  /** A price without a payer, or a payer without a price. */
  BAD_PRICE: 'BAD_PRICE',
  /** Addressed to another anchor. */
  WRONG_ANCHOR: 'WRONG_ANCHOR',
  /** The class is not the one the checker knows the locations (or adverts) to have. */
  CLASS_MISMATCH: 'CLASS_MISMATCH',
  /** Issue not before expiry, or a lifetime over MAX_AGREEMENT_TTL_MS. */
  BAD_LIFETIME: 'BAD_LIFETIME',
  /** Issued in the future beyond the clock-skew bound. */
  FUTURE: 'FUTURE',
  /** At or past its expiry. */
  EXPIRED: 'EXPIRED',
  /** The price is above the payer's delegation limit. */
  PRICE_ABOVE_LIMIT: 'PRICE_ABOVE_LIMIT',
  /** The payee's delegation does not allow it to be paid. */
  PAYMENT_NOT_ALLOWED: 'PAYMENT_NOT_ALLOWED',
  /** A side's stated gain is below its delegation's floor. */
  GAIN_BELOW_FLOOR: 'GAIN_BELOW_FLOOR',
  /** A side's signature over the terms does not verify. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
} as const
export type AgreementErrorCode = (typeof AgreementErrorCode)[keyof typeof AgreementErrorCode]
const A = AgreementErrorCode

/** An agreement failed a rule; `side` names the side at fault when one is. */
export class AgreementError extends ValidationError {
  readonly side: Side | undefined

  constructor(
    action: ValidationAction,
    code: AgreementErrorCode,
    message: string,
    options?: { cause?: unknown; side?: Side },
  ) {
    super(action, code, message, options)
    this.name = 'AgreementError'
    this.side = options?.side
  }
}

const rejectA = (code: AgreementErrorCode, message: string, side?: Side): never => {
  throw new AgreementError('REJECT', code, message, { side })
}
const ignoreA = (code: AgreementErrorCode, message: string): never => {
  throw new AgreementError('IGNORE', code, message)
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))
const u8 = (b: Uint8Array): Bytes => new Uint8Array(b)

const PAYER_TO_PB = { a: AgreementPayer.AGREEMENT_PAYER_A, b: AgreementPayer.AGREEMENT_PAYER_B } as const

function partyToPb(p: AgreementParty): AgreementPartyPb {
  return {
    location: p.location,
    agentKey: u8(p.agentKey),
    ownerKey: u8(p.ownerKey),
    swapKey: u8(p.swapKey),
    advertSequence: p.advertSequence,
    delegation: u8(p.delegation),
    statedGainMicros: p.statedGainMicros,
  }
}

/** The terms' canonical bytes: what both agents sign and the swap id hashes. */
export function encodeAgreementTerms(t: AgreementTerms): Bytes {
  return AgreementTermsPb.encode({
    a: partyToPb(t.a),
    b: partyToPb(t.b),
    instanceClass: {
      vcpus: t.instanceClass.vcpus,
      memoryBytes: t.instanceClass.memoryBytes,
      diskBytes: t.instanceClass.diskBytes,
    },
    priceMicros: t.priceMicros,
    payer: t.payer === null ? AgreementPayer.AGREEMENT_PAYER_NONE : PAYER_TO_PB[t.payer],
    issuedAtMs: BigInt(t.issuedAtMs),
    expiresAtMs: BigInt(t.expiresAtMs),
    anchorKey: u8(t.anchorKey),
  })
}

/** The swap id of a set of terms: SHA-256 of their signable bytes. */
export function agreementSwapId(termsBytes: Uint8Array): Bytes {
  return new Uint8Array(
    createHash('sha256').update(signable(SignatureDomain.agreement, termsBytes)).digest(),
  ) as Bytes
}

/** One agent's signature over the terms (its raw 32-byte secret key). */
export function signAgreementTerms(termsBytes: Uint8Array, agentSecretKey: Uint8Array): Bytes {
  return sign(SignatureDomain.agreement, termsBytes, agentSecretKey)
}

/** True iff `signature` is `agentKey`'s over the terms. Never throws. */
export function verifyAgreementSignature(
  termsBytes: Uint8Array,
  signature: Uint8Array,
  agentKey: Uint8Array,
): boolean {
  return verify(SignatureDomain.agreement, termsBytes, signature, agentKey)
}

/** The SignedAgreement bytes from the terms and both signatures. */
export function assembleAgreement(termsBytes: Uint8Array, signatures: Record<Side, Uint8Array>): Bytes {
  return SignedAgreement.encode({
    terms: u8(termsBytes),
    signatureA: u8(signatures.a),
    signatureB: u8(signatures.b),
  })
}

/** Encodes the terms and has both agents sign them (both keys at hand: tests, tools). */
export function signAgreement(terms: AgreementTerms, agentSecretKeys: Record<Side, Uint8Array>): Bytes {
  const termsBytes = encodeAgreementTerms(terms)
  return assembleAgreement(termsBytes, {
    a: signAgreementTerms(termsBytes, agentSecretKeys.a),
    b: signAgreementTerms(termsBytes, agentSecretKeys.b),
  })
}

const u64 = (v: bigint, field: string): number => {
  // Rule: times are exact in a double.
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) rejectA(A.MALFORMED, `${field} is out of range`)
  return Number(v)
}

const key = (b: Uint8Array, what: string, side?: Side): Bytes =>
  b.length === ED25519_PUBLIC_KEY_BYTES
    ? (b as Bytes)
    : rejectA(A.MALFORMED, `${what} is not an Ed25519 key`, side)

function partyFromPb(p: AgreementPartyPb | undefined, side: Side): AgreementParty {
  if (p === undefined) return rejectA(A.MALFORMED, `agreement has no side ${side}`, side)
  if (p.location.length === 0 || p.location.length > MAX_LOCATION_LENGTH)
    rejectA(A.MALFORMED, `side ${side}: location missing or longer than ${MAX_LOCATION_LENGTH}`, side)
  if (p.delegation.length === 0) rejectA(A.MALFORMED, `side ${side} carries no delegation`, side)
  return {
    location: p.location,
    agentKey: key(p.agentKey, `side ${side} agent key`, side),
    ownerKey: key(p.ownerKey, `side ${side} owner key`, side),
    swapKey: key(p.swapKey, `side ${side} swap key`, side),
    advertSequence: p.advertSequence,
    delegation: p.delegation,
    statedGainMicros: p.statedGainMicros,
  }
}

/**
 * Decodes encoded terms and checks their shape and internal consistency
 * (two distinct sides, price and payer): no time, delegation or signature.
 * Throws AgreementError.
 */
export function decodeAgreementTerms(termsBytes: Uint8Array): AgreementTerms {
  let pb: AgreementTermsPb
  try {
    pb = AgreementTermsPb.decode(termsBytes)
  } catch (err) {
    return rejectA(A.MALFORMED, `agreement terms do not decode: ${(err as Error).message}`)
  }
  // Rule: field shapes: two parties, keys, a non-zero class, an anchor key.
  const a = partyFromPb(pb.a, 'a')
  const b = partyFromPb(pb.b, 'b')
  const c = pb.instanceClass ?? rejectA(A.MALFORMED, 'agreement has no instance class')
  if (c.vcpus === 0 || c.memoryBytes === 0n || c.diskBytes === 0n)
    rejectA(A.MALFORMED, 'instance class has a zero size')
  const anchorKey = key(pb.anchorKey, 'anchor key')
  // Rule: two distinct sides, and no key acting for both.
  if (a.location === b.location) rejectA(A.SAME_LOCATION, 'both sides name the same location')
  if (same(a.agentKey, b.agentKey)) rejectA(A.SAME_AGENT, 'both sides name the same agent')
  if (same(a.swapKey, b.swapKey) || same(a.swapKey, b.agentKey) || same(b.swapKey, a.agentKey))
    rejectA(A.KEY_REUSE, "a swap key is the other side's swap or agent key")
  // Rule: a price iff a payer.
  let payer: Side | null
  if (pb.payer === AgreementPayer.AGREEMENT_PAYER_NONE) payer = null
  else if (pb.payer === AgreementPayer.AGREEMENT_PAYER_A) payer = 'a'
  else if (pb.payer === AgreementPayer.AGREEMENT_PAYER_B) payer = 'b'
  else return rejectA(A.MALFORMED, 'unknown payer')
  if ((payer === null) !== (pb.priceMicros === 0n))
    rejectA(A.BAD_PRICE, 'a price needs a payer, and a payer a price above 0')
  return {
    a,
    b,
    instanceClass: { vcpus: c.vcpus, memoryBytes: c.memoryBytes, diskBytes: c.diskBytes },
    priceMicros: pb.priceMicros,
    payer,
    issuedAtMs: u64(pb.issuedAtMs, 'issued_at_ms'),
    expiresAtMs: u64(pb.expiresAtMs, 'expires_at_ms'),
    anchorKey,
  }
}

/** A SignedAgreement decoded, shape-checked, not yet trusted. */
export interface ReadAgreement {
  terms: AgreementTerms
  termsBytes: Uint8Array
  signatures: Record<Side, Uint8Array>
  swapId: Uint8Array
}

/**
 * Decodes a SignedAgreement and checks its shape only (size, fields, two
 * distinct sides, price): no time, delegation or signature. The anchor reads
 * an agreement this way to look up the ledger before the costly checks.
 */
export function readAgreement(bytes: Uint8Array): ReadAgreement {
  // Rule: size before anything is decoded.
  if (bytes.length > MAX_SIGNED_AGREEMENT_BYTES)
    rejectA(A.OVERSIZED, `agreement of ${bytes.length} bytes exceeds ${MAX_SIGNED_AGREEMENT_BYTES}`)
  let env: SignedAgreement
  try {
    env = SignedAgreement.decode(bytes)
  } catch (err) {
    return rejectA(A.MALFORMED, `agreement does not decode: ${(err as Error).message}`)
  }
  const terms = decodeAgreementTerms(env.terms)
  // Rule: two signatures of Ed25519 size (whether they verify comes last).
  if (env.signatureA.length !== 64 || env.signatureB.length !== 64)
    rejectA(A.MALFORMED, 'agreement lacks a signature')
  return {
    terms,
    termsBytes: env.terms,
    signatures: { a: env.signatureA, b: env.signatureB },
    swapId: agreementSwapId(env.terms),
  }
}

const sameClass = (x: InstanceClass, y: InstanceClass): boolean =>
  x.vcpus === y.vcpus && x.memoryBytes === y.memoryBytes && x.diskBytes === y.diskBytes

export interface AgreementValidationContext {
  nowMs: number
  /** The anchor's key, when the checker is or trusts a particular anchor: the agreement must name it. */
  anchorKey?: Uint8Array
  /** The class the checker knows both locations (or adverts) to have. */
  instanceClass?: InstanceClass
}

/**
 * Decodes and validates a SignedAgreement: both signatures, both delegation
 * chains (each owner signed a delegation for exactly that side's agent key,
 * in force when the agreement was issued, the price within the payer's limit,
 * the payee allowed to be paid, each stated gain at or above its floor), the
 * class, the time. Returns the agreement only if every rule holds; throws
 * AgreementError or DelegationError (with `side`) otherwise. Pure: whether a
 * delegation is revoked, and who owns the locations, are the ledger's
 * questions (the anchor asks them before registering).
 */
export function validateAgreement(bytes: Uint8Array, ctx: AgreementValidationContext): SwapAgreement {
  const { terms: t, termsBytes, signatures, swapId } = readAgreement(bytes)
  // Rule: addressed to this anchor.
  if (ctx.anchorKey !== undefined && !same(t.anchorKey, ctx.anchorKey))
    rejectA(A.WRONG_ANCHOR, 'agreement names another anchor')
  // Rule: the class of the locations (only equal classes swap).
  if (ctx.instanceClass !== undefined && !sameClass(t.instanceClass, ctx.instanceClass))
    rejectA(A.CLASS_MISMATCH, 'agreement class differs from the class of the locations')
  // Rule: a bounded lifetime, issued now (within the clock-skew bound), not expired.
  if (t.expiresAtMs <= t.issuedAtMs || t.expiresAtMs - t.issuedAtMs > MAX_AGREEMENT_TTL_MS)
    rejectA(A.BAD_LIFETIME, `agreement lifetime is not within (0, ${MAX_AGREEMENT_TTL_MS / 3_600_000} h]`)
  if (t.issuedAtMs > ctx.nowMs + MAX_CLOCK_SKEW_MS)
    rejectA(A.FUTURE, `agreement issued ${t.issuedAtMs - ctx.nowMs} ms in the future`)
  if (t.expiresAtMs <= ctx.nowMs) ignoreA(A.EXPIRED, `agreement expired ${ctx.nowMs - t.expiresAtMs} ms ago`)

  // The delegation chains, shape first: the limits are cheap, the signatures are not.
  const read: Record<Side, Delegation> = {
    a: withSide('a', () => readDelegation(t.a.delegation)),
    b: withSide('b', () => readDelegation(t.b.delegation)),
  }
  if (t.payer !== null) {
    const payee = otherSide(t.payer)
    // Rule: the price within the payer's delegation limit.
    if (t.priceMicros > read[t.payer].limits.maxPriceMicros)
      rejectA(
        A.PRICE_ABOVE_LIMIT,
        `price ${t.priceMicros} is above side ${t.payer}'s delegation limit ${read[t.payer].limits.maxPriceMicros}`,
        t.payer,
      )
    // Rule: the payee's owner lets it be paid.
    if (!read[payee].limits.mayAcceptPayment)
      rejectA(A.PAYMENT_NOT_ALLOWED, `side ${payee}'s delegation does not allow it to be paid`, payee)
  }
  for (const side of SIDES) {
    // Rule: each side states a gain at or above its owner's floor.
    if (t[side].statedGainMicros < read[side].limits.minGainMicros)
      rejectA(
        A.GAIN_BELOW_FLOOR,
        `side ${side} states a gain of ${t[side].statedGainMicros}, below its delegation's floor ${read[side].limits.minGainMicros}`,
        side,
      )
  }
  // Rule: each delegation is its owner's, for exactly that side's agent key, in force at issue (signature checked).
  const delegations: Record<Side, VerifiedDelegation> = {
    a: withSide('a', () =>
      validateDelegation(t.a.delegation, {
        atMs: t.issuedAtMs,
        agentKey: t.a.agentKey,
        ownerKey: t.a.ownerKey,
      }),
    ),
    b: withSide('b', () =>
      validateDelegation(t.b.delegation, {
        atMs: t.issuedAtMs,
        agentKey: t.b.agentKey,
        ownerKey: t.b.ownerKey,
      }),
    ),
  }
  // Rule: both agents' signatures, last because they are the expensive check.
  for (const side of SIDES) {
    if (!verifyAgreementSignature(termsBytes, signatures[side], t[side].agentKey))
      rejectA(A.BAD_SIGNATURE, `side ${side}'s signature over the terms does not verify`, side)
  }
  return { ...t, swapId, signed: new Uint8Array(bytes) as Bytes, termsBytes, signatures, delegations }
}

/** Runs a delegation check, naming the side in its error. */
function withSide<T>(side: Side, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof DelegationError && err.side === undefined)
      throw new DelegationError(err.action, err.code as DelegationErrorCode, `side ${side}: ${err.message}`, {
        cause: err,
        side,
      })
    throw err
  }
}

/** The side whose agent or swap key `key` is, or null. */
export function sideOf(a: AgreementTerms, key: Uint8Array): Side | null {
  for (const side of SIDES) if (same(a[side].agentKey, key) || same(a[side].swapKey, key)) return side
  return null
}

/** The libp2p peer id of an Ed25519 public key (a swap key is its stateless swapper's node key). */
export function peerIdOfKey(publicKey: Uint8Array): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey))
}

/**
 * What the swapper executes (src/swapper/agent-options.ts `SwapAgreement`):
 * the swap id and, per role, the stateless swapper's peer id and swap key.
 * The peer id is derived from the swap key, since the stateless swapper's
 * libp2p node key IS its swap key. Side a is role a.
 */
export interface SwapperAgreement {
  swapId: Uint8Array
  parties: Record<Side, { peerId: PeerId; swapKey: Uint8Array }>
}

export function toSwapperAgreement(a: {
  swapId: Uint8Array
  a: Pick<AgreementParty, 'swapKey'>
  b: Pick<AgreementParty, 'swapKey'>
}): SwapperAgreement {
  return {
    swapId: a.swapId,
    parties: {
      a: { peerId: peerIdOfKey(a.a.swapKey), swapKey: a.a.swapKey },
      b: { peerId: peerIdOfKey(a.b.swapKey), swapKey: a.b.swapKey },
    },
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** JSON-safe form (keys as hex, amounts as decimal strings, delegations by id). */
export function agreementToJson(a: AgreementTerms & { swapId?: Uint8Array }): Record<string, unknown> {
  const party = (p: AgreementParty) => ({
    location: p.location,
    agentKey: hex(p.agentKey),
    ownerKey: hex(p.ownerKey),
    swapKey: hex(p.swapKey),
    advertSequence: p.advertSequence.toString(),
    delegationId: hex(readDelegation(p.delegation).id),
    statedGainMicros: p.statedGainMicros.toString(),
  })
  return {
    ...(a.swapId === undefined ? {} : { swapId: hex(a.swapId) }),
    a: party(a.a),
    b: party(a.b),
    instanceClass: {
      vcpus: a.instanceClass.vcpus,
      memoryBytes: a.instanceClass.memoryBytes.toString(),
      diskBytes: a.instanceClass.diskBytes.toString(),
    },
    priceMicros: a.priceMicros.toString(),
    payer: a.payer,
    issuedAt: new Date(a.issuedAtMs).toISOString(),
    expiresAt: new Date(a.expiresAtMs).toISOString(),
    anchorKey: hex(a.anchorKey),
  }
}
