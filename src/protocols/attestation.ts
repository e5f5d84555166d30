/**
 * Anchor attestations: the anchor's signed statement of a location's profile,
 * measured by its own code on the location's host (verification). Adverts
 * carry them; agents check them against the anchor key they trust and against
 * the advert's own claims.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import type { Advert } from './advert.js'
import { MAX_FAILURE_LENGTH } from './anchor-constants.js'
import { type ClaimCheck, checkClaims } from './claims.js'
import { MAX_ATTESTATION_BYTES, MAX_LOCATION_LENGTH, MAX_PEER_ID_BYTES } from './constants.js'
import { reject } from './errors.js'
import { Attestation as AttestationPb, SignedAttestation } from './proto/anchor.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES, SignatureDomain, sign, verify } from './signing.js'

export { SignedAttestation }

/** Measurements per attestation: the standard suite has six. */
export const MAX_ATTESTED_MEASUREMENTS = 8

export interface AttestedMeasurement {
  resource: string
  name: string
  value: number
  unit: string
}

export interface Attestation {
  location: string
  /** The VM's peer id, as a string. */
  vm: string
  measurements: AttestedMeasurement[]
  measuredAtMs: number
  expiresAtMs: number
  anchorKey: Bytes
}

/** The peer id string of a raw Ed25519 public key (how the ledger names a VM). */
export function peerIdOfKey(raw: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(raw)).toString()
}

/** Encodes and signs an attestation (the anchor's side); returns SignedAttestation bytes. */
export function signAttestation(a: Attestation, anchorSecretKey: Uint8Array): Bytes {
  const attestation = AttestationPb.encode({
    location: a.location,
    vm: peerIdFromString(a.vm).toMultihash().bytes,
    measurements: a.measurements,
    measuredAtMs: BigInt(a.measuredAtMs),
    expiresAtMs: BigInt(a.expiresAtMs),
    anchorKey: new Uint8Array(a.anchorKey),
  })
  const signature = sign(SignatureDomain.attestation, attestation, anchorSecretKey)
  return SignedAttestation.encode({ attestation, signature })
}

/**
 * Decodes and checks one attestation: size, shape, the trusted anchor, then
 * the signature. Freshness and binding to an advert are `checkAttestation`'s.
 */
export function decodeAttestation(bytes: Uint8Array, trustedAnchorKey: Uint8Array): Attestation {
  // Rule: size before decode.
  if (bytes.length > MAX_ATTESTATION_BYTES) reject('ATTESTATION_OVERSIZED', 'attestation too large')
  let env: SignedAttestation
  let pb: AttestationPb
  try {
    env = SignedAttestation.decode(bytes)
    pb = AttestationPb.decode(env.attestation, { limits: { measurements: MAX_ATTESTED_MEASUREMENTS } })
  } catch {
    return reject('ATTESTATION_MALFORMED', 'attestation does not decode')
  }
  if (pb.location.length === 0 || pb.location.length > MAX_LOCATION_LENGTH)
    reject('ATTESTATION_MALFORMED', 'attestation location missing or too long')
  if (pb.vm.length === 0 || pb.vm.length > MAX_PEER_ID_BYTES)
    reject('ATTESTATION_MALFORMED', 'attestation vm id missing')
  if (pb.anchorKey.length !== ED25519_PUBLIC_KEY_BYTES)
    reject('ATTESTATION_MALFORMED', 'attestation anchor key is not Ed25519')
  for (const m of pb.measurements) {
    if (
      !Number.isFinite(m.value) ||
      m.resource.length > 32 ||
      m.name.length > MAX_FAILURE_LENGTH ||
      m.unit.length > 32
    )
      reject('ATTESTATION_MALFORMED', 'attestation measurement malformed')
  }
  if (pb.measuredAtMs > BigInt(Number.MAX_SAFE_INTEGER) || pb.expiresAtMs > BigInt(Number.MAX_SAFE_INTEGER))
    reject('ATTESTATION_MALFORMED', 'attestation time out of range')
  // Rule: signed by the anchor we trust (the key named inside must be it, and the signature by it).
  if (!Buffer.from(pb.anchorKey).equals(Buffer.from(trustedAnchorKey)))
    reject('ATTESTATION_UNTRUSTED', 'attestation names an anchor we do not trust')
  let vm: string
  try {
    vm = peerIdFromMultihash(Digest.decode(pb.vm)).toString()
  } catch {
    return reject('ATTESTATION_MALFORMED', 'attestation vm id does not parse')
  }
  // Rule: the signature, last.
  if (!verify(SignatureDomain.attestation, env.attestation, env.signature, trustedAnchorKey))
    reject('ATTESTATION_BAD_SIGNATURE', 'attestation signature does not verify')
  return {
    location: pb.location,
    vm,
    measurements: pb.measurements.map((m) => ({
      resource: m.resource,
      name: m.name,
      value: m.value,
      unit: m.unit,
    })),
    measuredAtMs: Number(pb.measuredAtMs),
    expiresAtMs: Number(pb.expiresAtMs),
    anchorKey: pb.anchorKey,
  }
}

export interface AttestationCheckContext {
  trustedAnchorKey: Uint8Array
  nowMs: number
  /** Accepted shortfall of a claim against the attested measurement (see checkClaims). */
  tolerance: number
}

/**
 * Checks the attestations an advert carries: each must be the trusted
 * anchor's, about this advert's location and VM, unexpired, and every claim
 * of the advert it measured must agree with it within the tolerance. Returns
 * the claim checks made; throws ValidationError (REJECT) on the first failure.
 */
export function checkAdvertAttestations(advert: Advert, ctx: AttestationCheckContext): ClaimCheck[] {
  const checks: ClaimCheck[] = []
  for (const bytes of advert.attestations) {
    const a = decodeAttestation(bytes, ctx.trustedAnchorKey)
    // Rule: about this location and this VM (an attestation cannot be lent to another advert).
    if (a.location !== advert.location)
      reject('ATTESTATION_WRONG_LOCATION', 'attestation is about another location')
    if (a.vm !== advert.vm) reject('ATTESTATION_WRONG_VM', 'attestation is about another VM')
    // Rule: within its validity.
    if (a.expiresAtMs <= ctx.nowMs) reject('ATTESTATION_EXPIRED', 'attestation has expired')
    // Rule: the advert's claims agree with what the anchor measured.
    for (const c of checkClaims(advert.profile, a.measurements, ctx.tolerance)) {
      checks.push(c)
      if (!c.ok) {
        reject(
          'ATTESTATION_MISMATCH',
          `advert claims ${c.resource} ${c.claimed}, the anchor measured ${c.measured.toFixed(2)}`,
        )
      }
    }
  }
  return checks
}
