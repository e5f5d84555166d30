/**
 * Adverts: the domain type, its signed encoding, and the pure validator.
 *
 * The validator follows lodestar's order: cheap checks first (size, schema,
 * topic, freshness, sequence), the signature last. It throws ValidationError
 * carrying IGNORE or REJECT; the gossip adapter in src/node maps those to
 * gossipsub results and metrics.
 */

import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAX_ADVERT_ENVELOPE_BYTES,
  MAX_ADVERT_TTL_MS,
  MAX_ATTESTATION_BYTES,
  MAX_ATTESTATIONS,
  MAX_CLOCK_SKEW_MS,
  MAX_LOCATION_LENGTH,
  MAX_NEEDS_ENTRIES,
  MAX_PEER_ID_BYTES,
  MAX_PROFILE_ENTRIES,
} from './constants.js'
import { ignore, reject } from './errors.js'
import { Advert as AdvertPb, Resource, SignedAdvert } from './proto/advert.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES, SignatureDomain, sign, verify } from './signing.js'

export { Resource }

/** The resources a profile measures, by their config/JSON names. */
export const RESOURCE_NAMES = {
  cpu: Resource.CPU,
  memoryBw: Resource.MEMORY_BW,
  diskRead: Resource.DISK_READ,
  diskWrite: Resource.DISK_WRITE,
  diskIops: Resource.DISK_IOPS,
  netBw: Resource.NET_BW,
  netRtt: Resource.NET_RTT,
} as const
export type ResourceName = keyof typeof RESOURCE_NAMES

export interface InstanceClass {
  vcpus: number
  memoryBytes: number
  diskBytes: number
}

export interface ResourceStat {
  median: number
  spread: number
  samples: number
  windowMs: number
}

export type Profile = Partial<Record<ResourceName, ResourceStat>>
export type Needs = Partial<Record<ResourceName, number>>

export interface Advert {
  /** The VM's peer id, as a string. */
  vm: string
  instanceClass: InstanceClass
  location: string
  profile: Profile
  needs: Needs
  askMicros: bigint
  attestations: Bytes[]
  sequence: bigint
  issuedAtMs: number
  expiresAtMs: number
}

/** Canonical id of an instance class; two VMs can swap only when their ids are equal. */
export function classId(c: InstanceClass): string {
  return `v${c.vcpus}-m${c.memoryBytes}-d${c.diskBytes}`
}

const resourceName = new Map<Resource, ResourceName>(
  Object.entries(RESOURCE_NAMES).map(([name, r]) => [r, name as ResourceName]),
)

function toPb(a: Advert): AdvertPb {
  return {
    vm: peerIdFromString(a.vm).toMultihash().bytes,
    instanceClass: {
      vcpus: a.instanceClass.vcpus,
      memoryBytes: BigInt(a.instanceClass.memoryBytes),
      diskBytes: BigInt(a.instanceClass.diskBytes),
    },
    location: a.location,
    profile: Object.entries(a.profile).map(([name, s]) => ({
      resource: RESOURCE_NAMES[name as ResourceName],
      median: s.median,
      spread: s.spread,
      samples: s.samples,
      windowMs: BigInt(s.windowMs),
    })),
    needs: Object.entries(a.needs).map(([name, weight]) => ({
      resource: RESOURCE_NAMES[name as ResourceName],
      weight,
    })),
    askMicros: a.askMicros,
    attestations: a.attestations,
    sequence: a.sequence,
    issuedAtMs: BigInt(a.issuedAtMs),
    expiresAtMs: BigInt(a.expiresAtMs),
  }
}

/** Encodes and signs an advert with the VM's raw 32-byte Ed25519 secret key. */
export function signAdvert(advert: Advert, secretKey: Uint8Array, publicKey: Bytes): Bytes {
  const payload = AdvertPb.encode(toPb(advert))
  const signature = sign(SignatureDomain.advert, payload, secretKey)
  return SignedAdvert.encode({ publicKey, payload, signature })
}

export interface AdvertValidationContext {
  /** The class id of the topic the advert arrived on. */
  topicClassId: string
  /** The gossip originator (gossipsub StrictSign `from`), when known. */
  from?: string
  nowMs: number
  /** Highest sequence accepted so far from this VM, if any. */
  lastSequence?: bigint
}

const u64ToNumber = (v: bigint, field: string): number => {
  // Rule: uint64 fields we treat as numbers must be exact in a double.
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) reject('FIELD_RANGE', `${field} is out of range`)
  return Number(v)
}

const finite = (v: number, field: string): number => {
  // Rule: no NaN or infinities in a profile; they poison every comparison.
  if (!Number.isFinite(v)) reject('FIELD_RANGE', `${field} is not a finite number`)
  return v
}

/**
 * Decodes and validates a signed advert. Returns the advert only if every rule
 * holds; throws ValidationError otherwise. Pure: the caller supplies the time,
 * the topic and the last accepted sequence.
 */
export function validateAdvert(data: Uint8Array, ctx: AdvertValidationContext): Advert {
  // Rule: size before anything is decoded.
  if (data.length > MAX_ADVERT_ENVELOPE_BYTES) {
    reject('OVERSIZED', `advert of ${data.length} bytes exceeds ${MAX_ADVERT_ENVELOPE_BYTES}`)
  }

  // Rule: the envelope and payload decode under the schema's limits.
  let env: SignedAdvert
  let pb: AdvertPb
  try {
    env = SignedAdvert.decode(data)
    pb = AdvertPb.decode(env.payload, {
      limits: { profile: MAX_PROFILE_ENTRIES, needs: MAX_NEEDS_ENTRIES, attestations: MAX_ATTESTATIONS },
    })
  } catch (err) {
    return reject('MALFORMED', `advert does not decode: ${(err as Error).message}`)
  }

  // Rule: field lengths and required fields.
  if (env.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) reject('MALFORMED', 'advert key is not Ed25519')
  if (pb.vm.length === 0 || pb.vm.length > MAX_PEER_ID_BYTES)
    reject('MALFORMED', 'advert vm id missing or too long')
  if (pb.instanceClass == null) reject('MALFORMED', 'advert has no instance class')
  if (pb.location.length === 0 || pb.location.length > MAX_LOCATION_LENGTH) {
    reject('MALFORMED', 'advert location missing or too long')
  }
  if (pb.attestations.some((a) => a.length > MAX_ATTESTATION_BYTES))
    reject('MALFORMED', 'attestation too long')

  const ic = pb.instanceClass!
  const instanceClass: InstanceClass = {
    vcpus: ic.vcpus,
    memoryBytes: u64ToNumber(ic.memoryBytes, 'memory_bytes'),
    diskBytes: u64ToNumber(ic.diskBytes, 'disk_bytes'),
  }
  // Rule: the advert's class is the topic's class (no cross-posting into another market).
  if (classId(instanceClass) !== ctx.topicClassId) {
    reject(
      'CLASS_MISMATCH',
      `advert of class ${classId(instanceClass)} on topic of class ${ctx.topicClassId}`,
    )
  }

  const profile: Profile = {}
  for (const s of pb.profile) {
    const name = resourceName.get(s.resource)
    // Rule: unknown resources are skipped (newer peers), duplicates are invalid.
    if (name === undefined) continue
    if (profile[name] !== undefined) reject('MALFORMED', `profile lists ${name} twice`)
    profile[name] = {
      median: finite(s.median, 'median'),
      spread: finite(s.spread, 'spread'),
      samples: s.samples,
      windowMs: u64ToNumber(s.windowMs, 'window_ms'),
    }
  }
  const needs: Needs = {}
  let weightSum = 0
  for (const n of pb.needs) {
    const name = resourceName.get(n.resource)
    if (name === undefined) continue
    // Rule: weights lie in [0, 1] and sum to at most 1.
    const w = finite(n.weight, 'weight')
    if (w < 0 || w > 1) reject('FIELD_RANGE', `weight of ${name} is outside [0, 1]`)
    if (needs[name] !== undefined) reject('MALFORMED', `needs list ${name} twice`)
    needs[name] = w
    weightSum += w
  }
  if (weightSum > 1 + 1e-9) reject('FIELD_RANGE', 'weights sum to more than 1')

  const issuedAtMs = u64ToNumber(pb.issuedAtMs, 'issued_at_ms')
  const expiresAtMs = u64ToNumber(pb.expiresAtMs, 'expires_at_ms')
  // Rule: not expired.
  if (expiresAtMs <= ctx.nowMs) ignore('EXPIRED', `advert expired ${ctx.nowMs - expiresAtMs} ms ago`)
  // Rule: not from the future beyond the clock-skew bound.
  if (issuedAtMs > ctx.nowMs + MAX_CLOCK_SKEW_MS) {
    reject('FUTURE', `advert issued ${issuedAtMs - ctx.nowMs} ms in the future`)
  }
  // Rule: lifetime bounded, so a stolen advert cannot be kept alive for long.
  if (expiresAtMs <= issuedAtMs || expiresAtMs - issuedAtMs > MAX_ADVERT_TTL_MS) {
    reject('FIELD_RANGE', 'advert lifetime is not within (0, 1 h]')
  }

  // Rule: the VM id is the peer id of the signing key, and (in gossip) the originator.
  let vm: string
  try {
    const signer = peerIdFromPublicKey(publicKeyFromRaw(env.publicKey))
    vm = peerIdFromMultihash(Digest.decode(pb.vm)).toString()
    if (signer.toString() !== vm) reject('SIGNER_MISMATCH', 'advert is signed by a key other than its VM')
  } catch (err) {
    if ((err as Error).name === 'ValidationError') throw err
    return reject('MALFORMED', 'advert vm id or key does not parse')
  }
  if (ctx.from !== undefined && ctx.from !== vm)
    reject('SIGNER_MISMATCH', 'advert published by a peer other than its VM')

  // Rule: sequence strictly increasing per VM (replays and rollbacks are dropped).
  if (ctx.lastSequence !== undefined && pb.sequence <= ctx.lastSequence) {
    ignore('STALE_SEQUENCE', `sequence ${pb.sequence} is not above ${ctx.lastSequence}`)
  }

  // Rule: the signature, last because it is the expensive check.
  if (!verify(SignatureDomain.advert, env.payload, env.signature, env.publicKey)) {
    reject('BAD_SIGNATURE', 'advert signature does not verify')
  }

  return {
    vm,
    instanceClass,
    location: pb.location,
    profile,
    needs,
    askMicros: pb.askMicros,
    attestations: pb.attestations,
    sequence: pb.sequence,
    issuedAtMs,
    expiresAtMs,
  }
}

/** JSON-safe form of an advert (bigints as decimal strings, attestations as counts). */
export function advertToJson(a: Advert): Record<string, unknown> {
  return {
    vm: a.vm,
    instanceClass: a.instanceClass,
    location: a.location,
    profile: a.profile,
    needs: a.needs,
    askMicros: a.askMicros.toString(),
    attestations: a.attestations.length,
    sequence: a.sequence.toString(),
    issuedAt: new Date(a.issuedAtMs).toISOString(),
    expiresAt: new Date(a.expiresAtMs).toISOString(),
  }
}
