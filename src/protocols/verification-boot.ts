/**
 * Verification of a VM that runs its own agent (the Linux platform): the
 * wire between the anchor, the VM's agent and the anchor's verification
 * image booted on the VM.
 *
 * 1. Boot request, anchor -> agent (BOOT_PROTOCOL, one request, one answer):
 *    the anchor signs `{v, session, location, vm, notAfter}` (JSON, domain
 *    `vboom/verification-boot/v1`); the agent checks the signature against
 *    its configured anchor key, that the location and VM are its own and that
 *    the request is fresh, answers, then boots the signed image.
 * 2. Session, image -> anchor (SESSION_PROTOCOL, one framed channel): the
 *    image, which listens on nothing, dials the anchor and says which session
 *    it serves; the anchor answers with its signature over the session id
 *    and the image's peer id (domain `vboom/verification-session/v1`), which
 *    the image checks against the anchor key built into it: it talks to the
 *    anchor and nobody else. Then the anchor sends the run request, the image
 *    answers with the measurements, and the anchor says `done`: the image
 *    reboots into the VM's own disk.
 * Session frames are JSON; byte strings travel as {"$b64": "..."}.
 */
import { VBoomError } from './errors.js'
import { SignatureDomain, type SignatureDomainTag, sign, verify } from './signing.js'

/** Anchor -> agent: boot the verification image for this session. */
export const VERIFICATION_BOOT_PROTOCOL = '/vboom/verification-boot/1.0.0'
/** Verification image -> anchor: the channel of one verification. */
export const VERIFICATION_SESSION_PROTOCOL = '/vboom/verification-session/1.0.0'

/** A boot request is ~300 bytes of JSON and a signature. */
export const MAX_BOOT_REQUEST_BYTES = 4 * 1024
/** The agent's answer: ok, or a refusal with its reason. */
export const MAX_BOOT_ANSWER_BYTES = 2 * 1024
/** A session frame carries at most the suite: 8 benchmarks of at most 4 MiB (the sandbox's MAX_MODULE_BYTES), in base64. */
export const MAX_SESSION_FRAME_BYTES = 48 * 1024 * 1024
/** 128 random bits: sessions never collide by chance. */
export const SESSION_ID_BYTES = 16
/**
 * How long a boot request stays valid: the agent checks it and kexecs within
 * seconds; a minute leaves room for a loaded machine and clock skew without
 * letting a recorded request be replayed later.
 */
export const BOOT_REQUEST_VALIDITY_MS = 60_000

export class VerificationBootError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'VerificationBootError'
  }
}

export interface BootRequest {
  v: 1
  /** hex, SESSION_ID_BYTES. */
  session: string
  location: string
  /** The VM's peer id. */
  vm: string
  /** ms since the epoch. */
  notAfter: number
}

export interface SignedBootRequest {
  /** The request's JSON, exactly as signed. */
  request: string
  /** hex. */
  signature: string
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const HEX = (n: number): RegExp => new RegExp(`^[0-9a-f]{${n * 2}}$`)

export function signBootRequest(r: BootRequest, anchorSecretKey: Uint8Array): Uint8Array {
  const request = JSON.stringify(r)
  const signature = Buffer.from(sign(SignatureDomain.verificationBoot, utf8(request), anchorSecretKey))
  return utf8(JSON.stringify({ request, signature: signature.toString('hex') } satisfies SignedBootRequest))
}

/**
 * The agent's check of a boot request that crossed the network: the anchor's
 * signature, the shape, that it names this location and VM, and that it is
 * still valid. Throws VerificationBootError.
 */
export function verifyBootRequest(
  bytes: Uint8Array,
  o: { anchorKey: Uint8Array; location: string; vm: string; nowMs?: number },
): BootRequest {
  const bad = (code: string, message: string): never => {
    throw new VerificationBootError(code, message)
  }
  let outer: Partial<SignedBootRequest>
  try {
    outer = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<SignedBootRequest>
  } catch {
    return bad('MALFORMED', 'the boot request is not JSON')
  }
  if (
    typeof outer?.request !== 'string' ||
    typeof outer.signature !== 'string' ||
    !HEX(64).test(outer.signature)
  )
    return bad('MALFORMED', 'the boot request has no request or signature')
  // rule: signed by the anchor this agent trusts, before anything in it is believed
  if (
    !verify(
      SignatureDomain.verificationBoot,
      utf8(outer.request),
      Buffer.from(outer.signature, 'hex'),
      o.anchorKey,
    )
  )
    return bad('BAD_SIGNATURE', "the boot request is not signed by this agent's anchor; refused")
  let r: Partial<BootRequest>
  try {
    r = JSON.parse(outer.request) as Partial<BootRequest>
  } catch {
    return bad('MALFORMED', 'the signed boot request is not JSON')
  }
  if (
    r?.v !== 1 ||
    typeof r.session !== 'string' ||
    !HEX(SESSION_ID_BYTES).test(r.session) ||
    typeof r.location !== 'string' ||
    typeof r.vm !== 'string' ||
    typeof r.notAfter !== 'number' ||
    !Number.isSafeInteger(r.notAfter)
  )
    return bad('MALFORMED', 'the signed boot request is malformed')
  // rule: for this machine's location and this VM
  if (r.location !== o.location)
    return bad('WRONG_LOCATION', `the boot request is for ${r.location}, this machine is ${o.location}`)
  if (r.vm !== o.vm) return bad('WRONG_VM', `the boot request is for VM ${r.vm}, this agent is ${o.vm}`)
  // rule: fresh (a recorded request cannot be replayed later)
  const now = o.nowMs ?? Date.now()
  if (now > r.notAfter) return bad('EXPIRED', 'the boot request has expired; the anchor may ask again')
  if (r.notAfter > now + 2 * BOOT_REQUEST_VALIDITY_MS)
    return bad(
      'MALFORMED',
      'the boot request is valid for too long; check the clocks of the anchor and this VM',
    )
  return r as BootRequest
}

/** The agent's answer to a boot request. */
export type BootAnswer = { ok: true } | { ok: false; code: string; message: string }

export function encodeBootAnswer(a: BootAnswer): Uint8Array {
  return utf8(JSON.stringify(a))
}

export function decodeBootAnswer(bytes: Uint8Array): BootAnswer {
  let a: Partial<{ ok: unknown; code: unknown; message: unknown }>
  try {
    a = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new VerificationBootError('MALFORMED', "the agent's answer to the boot request is not JSON")
  }
  if (a?.ok === true) return { ok: true }
  if (a?.ok === false && typeof a.code === 'string' && typeof a.message === 'string')
    return { ok: false, code: a.code.slice(0, 64), message: a.message.slice(0, 512) }
  throw new VerificationBootError('MALFORMED', "the agent's answer to the boot request is malformed")
}

/** The payload the anchor signs to prove itself to its image: session id, then the image's peer id (utf-8). */
function sessionPayload(session: string, imagePeer: string): Uint8Array {
  return utf8(`${session}\0${imagePeer}`)
}

const SESSION_DOMAIN: SignatureDomainTag = SignatureDomain.verificationSession

export function signSessionProof(session: string, imagePeer: string, anchorSecretKey: Uint8Array): string {
  return Buffer.from(sign(SESSION_DOMAIN, sessionPayload(session, imagePeer), anchorSecretKey)).toString(
    'hex',
  )
}

export function checkSessionProof(
  proof: unknown,
  o: { session: string; imagePeer: string; anchorKey: Uint8Array },
): void {
  if (typeof proof !== 'string' || !HEX(64).test(proof))
    throw new VerificationBootError('MALFORMED', "the anchor's session proof is malformed")
  if (!verify(SESSION_DOMAIN, sessionPayload(o.session, o.imagePeer), Buffer.from(proof, 'hex'), o.anchorKey))
    throw new VerificationBootError(
      'BAD_SIGNATURE',
      'the peer the image dialled is not the anchor built into it; the image answers nobody else',
    )
}

/** Session frames: JSON, Uint8Arrays as {"$b64": ...}. */
export function encodeSessionFrame(message: unknown): Uint8Array {
  // the holder's own value, not v: JSON.stringify has already turned a Buffer into {type, data} by toJSON
  return utf8(
    JSON.stringify(message, function (this: Record<string, unknown>, k: string, v: unknown) {
      const own = this[k]
      return own instanceof Uint8Array ? { $b64: Buffer.from(own).toString('base64') } : v
    }),
  )
}

export function decodeSessionFrame(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), (_k, v: unknown) => {
      const b = v as { $b64?: unknown } | null
      return typeof b === 'object' && b !== null && typeof b.$b64 === 'string' && Object.keys(b).length === 1
        ? new Uint8Array(Buffer.from(b.$b64, 'base64'))
        : v
    })
  } catch {
    throw new VerificationBootError('MALFORMED', 'a verification session frame is not JSON')
  }
}
