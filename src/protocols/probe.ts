/**
 * The probe (agent to agent): A asks B to run anchor-signed benchmarks with
 * A's fresh nonce; B answers with the results signed by its VM key, bound to
 * the nonce, to A, to B and to each module's hash. The validators here are
 * pure; running the benchmarks and judging the claims is src/node/probe/.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAX_FAILURE_LENGTH,
  MAX_PROBE_BENCHMARKS,
  MAX_PROBE_REQUEST_BYTES,
  MAX_PROBE_RESPONSE_BYTES,
  PROBE_ANSWER_SKEW_MS,
  PROBE_NONCE_BYTES,
} from './anchor-constants.js'
import { MAX_PEER_ID_BYTES } from './constants.js'
import { reject } from './errors.js'
import { ProbeRequest, ProbeResponse, ProbeResult } from './proto/probe.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES, SignatureDomain, sign, verify } from './signing.js'

export interface ProbeMeasurement {
  moduleSha256: Bytes
  name: string
  value: number
  unit: string
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

export function encodeProbeRequest(nonce: Uint8Array, modules: Uint8Array[]): Bytes {
  return ProbeRequest.encode({ nonce: new Uint8Array(nonce), modules: modules.map((m) => new Uint8Array(m)) })
}

/** The probed side's check of a request: size, shape, a nonce of the right length, a bounded, duplicate-free set. */
export function validateProbeRequest(bytes: Uint8Array): { nonce: Bytes; modules: Bytes[] } {
  if (bytes.length > MAX_PROBE_REQUEST_BYTES) reject('OVERSIZED', 'probe request too large')
  let r: ProbeRequest
  try {
    r = ProbeRequest.decode(bytes, { limits: { modules: MAX_PROBE_BENCHMARKS } })
  } catch {
    return reject('MALFORMED', 'probe request does not decode')
  }
  if (r.nonce.length !== PROBE_NONCE_BYTES) reject('MALFORMED', `nonce must have ${PROBE_NONCE_BYTES} bytes`)
  if (r.modules.length === 0) reject('MALFORMED', 'probe names no benchmark')
  const seen = new Set<string>()
  for (const m of r.modules) {
    const h = Buffer.from(m).toString('hex')
    if (m.length !== 32 || seen.has(h)) reject('MALFORMED', 'module hashes must be distinct sha256 values')
    seen.add(h)
  }
  return { nonce: r.nonce, modules: r.modules }
}

/** The probed side's answer: the result signed with its raw 32-byte Ed25519 secret key. */
export function signProbeResponse(
  r: { nonce: Uint8Array; prober: string; vm: string; measurements: ProbeMeasurement[]; issuedAtMs: number },
  key: { secretKey: Uint8Array; publicKey: Uint8Array },
): Bytes {
  const result = ProbeResult.encode({
    nonce: new Uint8Array(r.nonce),
    prober: peerIdFromString(r.prober).toMultihash().bytes,
    vm: peerIdFromString(r.vm).toMultihash().bytes,
    measurements: r.measurements.map((m) => ({ ...m, moduleSha256: new Uint8Array(m.moduleSha256) })),
    issuedAtMs: BigInt(r.issuedAtMs),
  })
  return ProbeResponse.encode({
    publicKey: new Uint8Array(key.publicKey),
    result,
    signature: sign(SignatureDomain.probeResult, result, key.secretKey),
    failureCode: '',
    failureMessage: '',
  })
}

/**
 * Refusals that say "not now" rather than "no": the peer is running another
 * prober's benchmarks (one at a time, or they would measure each other), or
 * this prober asked more often than its rate allows. Neither tells anything
 * about the peer's honesty.
 */
export const ProbeRefusal = {
  BUSY: 'BUSY',
  RATE_LIMITED: 'RATE_LIMITED',
} as const

/** The refusal code of a probe answer that is a refusal, or null (an answer, or bytes that do not decode). */
export function probeRefusalCode(bytes: Uint8Array): string | null {
  if (bytes.length > MAX_PROBE_RESPONSE_BYTES) return null
  try {
    const env = ProbeResponse.decode(bytes)
    return env.failureCode.length > 0 ? env.failureCode.slice(0, 64) : null
  } catch {
    return null
  }
}

export function encodeProbeFailure(code: string, message: string): Bytes {
  return ProbeResponse.encode({
    publicKey: new Uint8Array(0),
    result: new Uint8Array(0),
    signature: new Uint8Array(0),
    failureCode: code,
    failureMessage: message.slice(0, MAX_FAILURE_LENGTH),
  })
}

export interface ProbeExpectations {
  /** The nonce this probe sent: an answer to any other nonce is a replay. */
  nonce: Uint8Array
  /** Our peer id (the prober). */
  prober: string
  /** The probed peer's id: the answer must be signed by its key. */
  vm: string
  /** Module hashes asked for, in order. */
  modules: Uint8Array[]
  nowMs: number
}

/**
 * The prober's check of an answer. Cheap rules first, the signature last.
 * Throws ValidationError; a refusal by the peer comes back as `PROBE_REFUSED`.
 */
export function validateProbeResponse(bytes: Uint8Array, ctx: ProbeExpectations): ProbeMeasurement[] {
  // Rule: size before decode.
  if (bytes.length > MAX_PROBE_RESPONSE_BYTES) reject('OVERSIZED', 'probe response too large')
  let env: ProbeResponse
  let r: ProbeResult
  try {
    env = ProbeResponse.decode(bytes)
    if (env.failureCode.length > 0)
      reject('PROBE_REFUSED', `peer refused the probe: ${env.failureCode.slice(0, 64)}`)
    r = ProbeResult.decode(env.result, { limits: { measurements: MAX_PROBE_BENCHMARKS } })
  } catch (err) {
    if ((err as Error).name === 'ValidationError') throw err
    return reject('MALFORMED', 'probe response does not decode')
  }
  if (env.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) reject('MALFORMED', 'probe key is not Ed25519')
  if (r.vm.length > MAX_PEER_ID_BYTES || r.prober.length > MAX_PEER_ID_BYTES)
    reject('MALFORMED', 'peer id too long')
  // Rule: the answer is to this probe (our nonce): an old answer replayed is refused.
  if (!same(r.nonce, ctx.nonce)) reject('STALE_NONCE', 'probe answer is bound to another nonce (replayed?)')
  // Rule: addressed to us, from the peer probed, signed by that peer's key.
  let vm: string
  let prober: string
  let signer: string
  try {
    vm = peerIdFromMultihash(Digest.decode(r.vm)).toString()
    prober = peerIdFromMultihash(Digest.decode(r.prober)).toString()
    signer = peerIdFromPublicKey(publicKeyFromRaw(env.publicKey)).toString()
  } catch {
    return reject('MALFORMED', 'probe peer ids do not parse')
  }
  if (prober !== ctx.prober) reject('WRONG_PROBER', 'probe answer is addressed to another prober')
  if (vm !== ctx.vm || signer !== ctx.vm)
    reject('SIGNER_MISMATCH', 'probe answer is not from the probed peer')
  // Rule: exactly the modules asked for, in order, with finite values.
  if (r.measurements.length !== ctx.modules.length)
    reject('WRONG_MEASUREMENTS', 'probe answer lacks or adds results')
  r.measurements.forEach((m, i) => {
    if (!same(m.moduleSha256, ctx.modules[i]!))
      reject('WRONG_MEASUREMENTS', 'probe result for a module not asked for')
    if (!Number.isFinite(m.value) || m.value < 0)
      reject('FIELD_RANGE', 'probe result is not a finite, non-negative number')
  })
  // Rule: issued around now (the nonce already binds it; this bounds clock games).
  if (
    r.issuedAtMs > BigInt(Number.MAX_SAFE_INTEGER) ||
    Math.abs(Number(r.issuedAtMs) - ctx.nowMs) > PROBE_ANSWER_SKEW_MS
  )
    reject('STALE', 'probe answer time is off')
  // Rule: the signature, last.
  if (!verify(SignatureDomain.probeResult, env.result, env.signature, env.publicKey))
    reject('BAD_SIGNATURE', 'probe answer signature does not verify')
  return r.measurements.map((m) => ({
    moduleSha256: m.moduleSha256,
    name: m.name,
    value: m.value,
    unit: m.unit,
  }))
}
