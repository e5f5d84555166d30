/**
 * Domain-separated signatures (Ed25519).
 *
 * Every signed message type has one tag; the bytes signed are
 * `"vboom-sig\0" || tag || "\0" || payload`, so a signature made for one purpose
 * (an advert) can never be replayed as a signature for another (a swap
 * agreement). Build signables only through `signable()`.
 *
 * Signatures are made and checked by node:crypto (OpenSSL). Verification is
 * on the gossip hot path, measured here at ~12x @noble/ed25519's rate (see
 * docs/benchmarks.md, bench:mesh); a process's first @noble signature builds its tables
 * (~40 ms of CPU here, on the swap's critical path in each agent), where
 * node:crypto signs in ~0.1 ms. Ed25519 is deterministic (RFC 8032): both give
 * the same bytes, which unit tests check against @noble/ed25519.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { VBoomError } from './errors.js'

ed.hashes.sha512 = sha512

/** One tag per signed message type. Never reuse a tag for a new meaning: add a version. */
export const SignatureDomain = {
  advert: 'vboom/advert/v1',
  swapManifest: 'vboom/swap-manifest/v1',
  /** Both agents over a swap agreement's terms; its hash is the swap id (agreement.ts). */
  agreement: 'vboom/agreement/v1',
  /** An owner over a delegation to a VM's agent key (delegation.ts). */
  delegation: 'vboom/delegation/v1',
  /** An agent over a negotiation message (negotiation.ts). */
  negotiation: 'vboom/negotiation/v1',
  ledgerEntry: 'vboom/ledger-entry/v1',
  benchmark: 'vboom/benchmark/v1',
  probeResult: 'vboom/probe-result/v1',
  attestation: 'vboom/attestation/v1',
  controlRequest: 'vboom/control-request/v1',
  coordinator: 'vboom/coordinator/v1',
  bootImage: 'vboom/boot-image/v1',
  /** The anchor asks a VM's agent to boot its verification image (verification-boot.ts). */
  verificationBoot: 'vboom/verification-boot/v1',
  /** The anchor proves itself to its verification image, which dialled it (verification-boot.ts). */
  verificationSession: 'vboom/verification-session/v1',
} as const
export type SignatureDomainTag = (typeof SignatureDomain)[keyof typeof SignatureDomain]

const PREFIX = new TextEncoder().encode('vboom-sig\0')
const SEP = new Uint8Array([0])

/** Bytes backed by a plain ArrayBuffer: what protons-generated codecs take and return. */
export type Bytes = Uint8Array<ArrayBuffer>

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SECRET_KEY_BYTES = 32
const ED25519_SIGNATURE_BYTES = 64

export function signable(domain: SignatureDomainTag, payload: Uint8Array): Bytes {
  const tag = new TextEncoder().encode(domain)
  const out = new Uint8Array(PREFIX.length + tag.length + SEP.length + payload.length)
  out.set(PREFIX, 0)
  out.set(tag, PREFIX.length)
  out.set(SEP, PREFIX.length + tag.length)
  out.set(payload, PREFIX.length + tag.length + SEP.length)
  return out
}

export function sign(domain: SignatureDomainTag, payload: Uint8Array, secretKey: Uint8Array): Bytes {
  return Uint8Array.from(nodeSign(null, signable(domain, payload), privateKeyOf(secretKey))) as Bytes
}

/**
 * A secret key handed to sign or derive is not a 32-byte Ed25519 seed: a
 * caller's bug or a damaged key file, never network input. Code: BAD_SECRET_KEY_LENGTH.
 */
export class SigningKeyError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'SigningKeyError'
  }
}

/** A 32-byte secret key (seed) as node:crypto's key object. */
function privateKeyOf(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== ED25519_SECRET_KEY_BYTES)
    throw new SigningKeyError(
      'BAD_SECRET_KEY_LENGTH',
      `an Ed25519 secret key is a ${ED25519_SECRET_KEY_BYTES}-byte seed, got ${secretKey.length} bytes; pass the seed, not a 64-byte expanded key, or regenerate the key`,
    )
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' })
}

// DER prefix of an Ed25519 PKCS#8 private key (RFC 8410) holding a 32-byte seed.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

/**
 * The public key of a 32-byte secret key (seed), by node:crypto: the first
 * @noble call in a process builds its tables (~25 ms of CPU here, and a swap
 * starts three processes at once), node:crypto's costs ~0.05 ms. The same
 * RFC 8032 derivation; a unit test compares both.
 */
export function publicKeyOf(secretKey: Uint8Array): Bytes {
  const spki = createPublicKey(privateKeyOf(secretKey)).export({ format: 'der', type: 'spki' })
  return Uint8Array.from(spki.subarray(spki.length - ED25519_PUBLIC_KEY_BYTES)) as Bytes
}

export function generateSecretKey(): Bytes {
  return ed.utils.randomSecretKey() as Bytes
}

/** An Ed25519 key pair: the 32-byte secret key (seed) and its public key. */
export interface SigningKeyPair {
  secretKey: Uint8Array
  publicKey: Bytes
}

/** The key pair of a secret key (seed) read from a file or a flag. */
export function signingKeyPairOf(secretKey: Uint8Array): SigningKeyPair {
  return { secretKey, publicKey: publicKeyOf(secretKey) }
}

/** A fresh key pair: an owner's, a swap's, a test's. */
export function generateSigningKeyPair(): SigningKeyPair {
  return signingKeyPairOf(generateSecretKey())
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): what node:crypto imports.
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const keyCache = new Map<string, KeyObject>()
const KEY_CACHE_MAX = 4096

function nodeKey(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex')
  let key = keyCache.get(id)
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear()
    keyCache.set(id, key)
  }
  return key
}

/** True iff `signature` is `publicKey`'s signature over `payload` in `domain`. Never throws on bad input. */
export function verify(
  domain: SignatureDomainTag,
  payload: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES)
    return false
  try {
    return nodeVerify(null, signable(domain, payload), nodeKey(publicKey), signature)
  } catch {
    return false
  }
}
