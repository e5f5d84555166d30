/**
 * Delegations: an owner authorises a VM's agent key to act for the VM within
 * limits (the most it may pay for a swap, the least net gain it must see,
 * whether it may be paid), from not-before to expiry. The owner signs
 * `signable('vboom/delegation/v1', delegation)` once, offline; the VM holds
 * only the signed bytes (on its disk, /vboom/delegation.bin), so the owner key
 * never has to live on a VM. The agent key IS the VM's identity, so a
 * delegation follows its VM through swaps.
 *
 * Partners check a delegation in every negotiation message (negotiation.ts),
 * the anchor in every agreement (agreement.ts); an owner ends one early with
 * a DelegationRevoked ledger entry, which the anchor answers queries about.
 *
 * The validator follows advert.ts: cheap checks first (size, shape, times,
 * keys), the signature last, a `// Rule:` per check, typed errors.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  DELEGATION_ID_BYTES,
  MAX_CLOCK_SKEW_MS,
  MAX_DELEGATION_BYTES,
  MAX_DELEGATION_TTL_MS,
} from './constants.js'
import { type ValidationAction, ValidationError } from './errors.js'
import { Delegation as DelegationPb, SignedDelegation } from './proto/delegation.js'
import {
  type Bytes,
  ED25519_PUBLIC_KEY_BYTES,
  SignatureDomain,
  SigningKeyError,
  sign,
  verify,
} from './signing.js'

export interface DelegationLimits {
  /** The most the agent may agree to pay for one swap, micro-credits. */
  maxPriceMicros: bigint
  /**
   * The least net gain the agent must state for a swap it signs: utility
   * after the price, micro-credits over the public model's horizon
   * (src/node/market/utility.ts).
   */
  minGainMicros: bigint
  /** Whether the agent may agree to be paid (sell its location for a price). */
  mayAcceptPayment: boolean
}

export interface Delegation {
  /** DELEGATION_ID_BYTES random bytes, unique per owner: revocations name it. */
  id: Uint8Array
  /** Raw Ed25519 public key of the owner, the signer. */
  ownerKey: Uint8Array
  /** Raw Ed25519 public key of the VM's agent: the VM. */
  agentKey: Uint8Array
  limits: DelegationLimits
  notBeforeMs: number
  expiresAtMs: number
}

/** A delegation that passed the validator, with the exact bytes it came in and their hash. */
export interface VerifiedDelegation extends Delegation {
  /** The SignedDelegation bytes. */
  signed: Uint8Array
  /** SHA-256 of `signed`: how a negotiation message names a delegation already sent. */
  hash: Uint8Array
}

/** The codes of a delegation's refusal, one per rule. */
export const DelegationErrorCode = {
  /** Larger than MAX_DELEGATION_BYTES. */
  OVERSIZED: 'OVERSIZED',
  /** Does not decode, or a field has the wrong shape (id, key lengths, missing limits). */
  MALFORMED: 'MALFORMED',
  /** The owner delegates to its own key: that key would have to live on the VM. */
  SELF_DELEGATION: 'SELF_DELEGATION',
  /** Not-before is not before the expiry, or the lifetime exceeds MAX_DELEGATION_TTL_MS. */
  BAD_LIFETIME: 'BAD_LIFETIME',
  /** Delegates to another agent key than the one acting. */
  WRONG_AGENT: 'WRONG_AGENT',
  /** Signed by another owner than the one expected. */
  WRONG_OWNER: 'WRONG_OWNER',
  /** Used before its not-before (beyond the clock-skew bound). */
  NOT_YET_VALID: 'NOT_YET_VALID',
  /** Used at or after its expiry. */
  EXPIRED: 'EXPIRED',
  /** Revoked by its owner (a DelegationRevoked ledger entry). */
  REVOKED: 'REVOKED',
  /** The owner's signature does not verify. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
} as const
export type DelegationErrorCode = (typeof DelegationErrorCode)[keyof typeof DelegationErrorCode]
const D = DelegationErrorCode

/** A delegation failed a rule. `side` says whose, when it came inside an agreement. */
export class DelegationError extends ValidationError {
  readonly side: 'a' | 'b' | undefined

  constructor(
    action: ValidationAction,
    code: DelegationErrorCode,
    message: string,
    options?: { cause?: unknown; side?: 'a' | 'b' },
  ) {
    super(action, code, message, options)
    this.name = 'DelegationError'
    this.side = options?.side
  }
}

const rejectD = (code: DelegationErrorCode, message: string): never => {
  throw new DelegationError('REJECT', code, message)
}
const ignoreD = (code: DelegationErrorCode, message: string): never => {
  throw new DelegationError('IGNORE', code, message)
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

/** A fresh random delegation id. */
export function newDelegationId(): Bytes {
  return new Uint8Array(randomBytes(DELEGATION_ID_BYTES))
}

/** SHA-256 of a SignedDelegation's bytes. */
export function delegationHash(signed: Uint8Array): Bytes {
  return new Uint8Array(createHash('sha256').update(signed).digest())
}

/** The key revocations are indexed by: a delegation id is unique per owner only. */
export function delegationKey(ownerKey: Uint8Array, id: Uint8Array): string {
  return `${hex(ownerKey)}/${hex(id)}`
}

/**
 * Encodes and signs a delegation with the owner's raw 32-byte secret key;
 * returns the SignedDelegation bytes. Throws SigningKeyError when the key is
 * not the delegation's owner key (a caller's mistake, never network input).
 */
export function signDelegation(
  d: Delegation,
  owner: { secretKey: Uint8Array; publicKey: Uint8Array },
): Bytes {
  if (!same(owner.publicKey, d.ownerKey))
    throw new SigningKeyError(
      'WRONG_SIGNING_KEY',
      'the delegation names another owner key than the one signing it; sign with the owner key it names',
    )
  const delegation = DelegationPb.encode({
    id: new Uint8Array(d.id),
    ownerKey: new Uint8Array(d.ownerKey),
    agentKey: new Uint8Array(d.agentKey),
    limits: {
      maxPriceMicros: d.limits.maxPriceMicros,
      minGainMicros: d.limits.minGainMicros,
      mayAcceptPayment: d.limits.mayAcceptPayment,
    },
    notBeforeMs: BigInt(d.notBeforeMs),
    expiresAtMs: BigInt(d.expiresAtMs),
  })
  return SignedDelegation.encode({
    delegation,
    signature: sign(SignatureDomain.delegation, delegation, owner.secretKey),
  })
}

export interface DelegationValidationContext {
  /** The time it is used at, unix ms: now, or when an agreement under it was issued. */
  atMs: number
  /** The agent key acting under it, when known: it must be the delegate. */
  agentKey?: Uint8Array
  /** The owner it must come from, when known (the owner of record of the location). */
  ownerKey?: Uint8Array
}

const u64 = (v: bigint, field: string): number => {
  // Rule: times are exact in a double.
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) rejectD(D.MALFORMED, `${field} is out of range`)
  return Number(v)
}

interface Decoded {
  delegation: Delegation
  payload: Uint8Array
  signature: Uint8Array
}

/** Size, decode and shape rules: what holds of a delegation at any time. */
function decode(bytes: Uint8Array): Decoded {
  // Rule: size before anything is decoded.
  if (bytes.length > MAX_DELEGATION_BYTES)
    rejectD(D.OVERSIZED, `delegation of ${bytes.length} bytes exceeds ${MAX_DELEGATION_BYTES}`)
  // Rule: envelope and payload decode.
  let env: SignedDelegation
  let pb: DelegationPb
  try {
    env = SignedDelegation.decode(bytes)
    pb = DelegationPb.decode(env.delegation)
  } catch (err) {
    return rejectD(D.MALFORMED, `delegation does not decode: ${(err as Error).message}`)
  }
  // Rule: field shapes: an id, two Ed25519 keys, limits.
  if (pb.id.length !== DELEGATION_ID_BYTES)
    rejectD(D.MALFORMED, `delegation id is not ${DELEGATION_ID_BYTES} bytes`)
  if (pb.ownerKey.length !== ED25519_PUBLIC_KEY_BYTES) rejectD(D.MALFORMED, 'owner key is not an Ed25519 key')
  if (pb.agentKey.length !== ED25519_PUBLIC_KEY_BYTES) rejectD(D.MALFORMED, 'agent key is not an Ed25519 key')
  const limits = pb.limits ?? rejectD(D.MALFORMED, 'delegation has no limits')
  // Rule: an owner never delegates to its own key (it would have to live on the VM).
  if (same(pb.ownerKey, pb.agentKey))
    rejectD(D.SELF_DELEGATION, 'delegation to the owner key itself; delegate to the VM agent key instead')
  const notBeforeMs = u64(pb.notBeforeMs, 'not_before_ms')
  const expiresAtMs = u64(pb.expiresAtMs, 'expires_at_ms')
  // Rule: a bounded lifetime, so a forgotten delegation does not act for ever.
  if (expiresAtMs <= notBeforeMs || expiresAtMs - notBeforeMs > MAX_DELEGATION_TTL_MS)
    rejectD(
      D.BAD_LIFETIME,
      `delegation lifetime is not within (0, ${MAX_DELEGATION_TTL_MS / 86_400_000} days]`,
    )
  return {
    delegation: {
      id: pb.id,
      ownerKey: pb.ownerKey,
      agentKey: pb.agentKey,
      limits: {
        maxPriceMicros: limits.maxPriceMicros,
        minGainMicros: limits.minGainMicros,
        mayAcceptPayment: limits.mayAcceptPayment,
      },
      notBeforeMs,
      expiresAtMs,
    },
    payload: env.delegation,
    signature: env.signature,
  }
}

/**
 * Decodes a SignedDelegation and checks its shape only: no time, no
 * signature. For showing one to a human, never for trusting it.
 */
export function readDelegation(bytes: Uint8Array): Delegation {
  return decode(bytes).delegation
}

/**
 * Decodes and validates a SignedDelegation at `ctx.atMs`. Returns it only if
 * every rule holds; throws DelegationError otherwise. Pure: revocation is the
 * caller's question (a ledger query), asked after this.
 */
export function validateDelegation(bytes: Uint8Array, ctx: DelegationValidationContext): VerifiedDelegation {
  const { delegation: d, payload, signature } = decode(bytes)
  // Rule: the delegate is the agent acting.
  if (ctx.agentKey !== undefined && !same(d.agentKey, ctx.agentKey))
    rejectD(D.WRONG_AGENT, `delegation is for agent ${hex(d.agentKey)}, not ${hex(ctx.agentKey)}`)
  // Rule: the signer is the owner expected.
  if (ctx.ownerKey !== undefined && !same(d.ownerKey, ctx.ownerKey))
    rejectD(D.WRONG_OWNER, `delegation is from owner ${hex(d.ownerKey)}, not ${hex(ctx.ownerKey)}`)
  // Rule: in force at the time of use (not-before within the clock-skew bound).
  if (d.notBeforeMs > ctx.atMs + MAX_CLOCK_SKEW_MS)
    ignoreD(D.NOT_YET_VALID, `delegation is valid only from ${new Date(d.notBeforeMs).toISOString()}`)
  if (d.expiresAtMs <= ctx.atMs)
    ignoreD(
      D.EXPIRED,
      `delegation expired at ${new Date(d.expiresAtMs).toISOString()}; the owner must renew it`,
    )
  // Rule: the owner's signature, last because it is the expensive check.
  if (!verify(SignatureDomain.delegation, payload, signature, d.ownerKey))
    rejectD(D.BAD_SIGNATURE, 'delegation signature does not verify')
  const signed = new Uint8Array(bytes) as Bytes
  return { ...d, signed, hash: delegationHash(signed) }
}

/** JSON-safe form (keys and ids as hex, amounts as decimal strings). */
export function delegationToJson(d: Delegation): Record<string, unknown> {
  return {
    id: hex(d.id),
    ownerKey: hex(d.ownerKey),
    agentKey: hex(d.agentKey),
    maxPriceMicros: d.limits.maxPriceMicros.toString(),
    minGainMicros: d.limits.minGainMicros.toString(),
    mayAcceptPayment: d.limits.mayAcceptPayment,
    notBefore: new Date(d.notBeforeMs).toISOString(),
    expiresAt: new Date(d.expiresAtMs).toISOString(),
  }
}
