/**
 * The swap coordinator's wire format: signed calls from the two VMs, status
 * replies from the anchor, and the pure validator the anchor runs on a call.
 * The status shape mirrors the swapper's `SwapStatus` (protocols imports
 * nothing of ours, so it is restated here).
 */
import { reader } from 'protons-runtime'
import {
  COORDINATOR_CALL_SKEW_MS,
  COORDINATOR_SWAP_ID_BYTES,
  MAX_ABORT_REASON_BYTES,
  MAX_COORDINATOR_WATCH_MS,
  MAX_FAILURE_LENGTH,
} from './anchor-constants.js'
import { reject } from './errors.js'
import {
  CoordinatorCall,
  CoordinatorOp,
  CoordinatorRequest,
  CoordinatorResponse,
  type RpcFailure,
  type SwapStatusMessage,
} from './proto/anchor.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES, SignatureDomain, sign, verify } from './signing.js'

export { CoordinatorOp }

/**
 * The codes of a coordinator's refusal (`RpcFailure.code`), one per cause. A
 * client decides on these alone: UNSUPPORTED_OP, and only it, says the
 * coordinator does not offer the operation, so a caller may fall back.
 */
export const CoordinatorFailureCode = {
  /** The request, or a field of it, does not decode or breaks a shape rule. */
  MALFORMED: 'MALFORMED',
  /** The call names an operation this coordinator does not offer (a newer caller). */
  UNSUPPORTED_OP: 'UNSUPPORTED_OP',
  /** The swap id is not COORDINATOR_SWAP_ID_BYTES long. */
  BAD_SWAP_ID: 'BAD_SWAP_ID',
  /** PREPARE, ABORT and COMPLETE need the role a or b. */
  BAD_ROLE: 'BAD_ROLE',
  /** A WATCH's status is about another swap. */
  WRONG_SWAP: 'WRONG_SWAP',
  /** Issued too far from the coordinator's clock (COORDINATOR_CALL_SKEW_MS). */
  STALE_CALL: 'STALE_CALL',
  /** The signature does not verify. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** No such swap agreed in the ledger. */
  UNKNOWN_SWAP: 'UNKNOWN_SWAP',
  /** The signer is not the VM of the side it acts for. */
  NOT_PARTY: 'NOT_PARTY',
  /** COMPLETE before the commit, or after an abort. */
  NOT_COMMITTED: 'NOT_COMMITTED',
  /** The swap already has MAX_COORDINATOR_WATCHERS watches open. */
  TOO_MANY_WATCHERS: 'TOO_MANY_WATCHERS',
  /** The coordinator failed on its side. */
  INTERNAL: 'INTERNAL',
} as const
export type CoordinatorFailureCode = (typeof CoordinatorFailureCode)[keyof typeof CoordinatorFailureCode]
const C = CoordinatorFailureCode

export type WireRole = 'a' | 'b'
export type WireDecision = 'pending' | 'committed' | 'aborted'

export interface WireSwapStatus {
  swapId: string
  decision: WireDecision
  prepared: Record<WireRole, boolean>
  completed: Record<WireRole, boolean>
  reason?: string
}

export interface CoordinatorCallBody {
  op: CoordinatorOp
  /** Hex of the ledger's 32-byte swap id. */
  swapId: string
  role?: WireRole
  reason?: string
  /** WATCH: the status the caller last saw, and the longest wait for a change (ms). */
  seen?: WireSwapStatus
  waitMs?: number
}

export interface VerifiedCall extends CoordinatorCallBody {
  swapIdBytes: Bytes
  signer: Bytes
  issuedAtMs: number
}

const hexToBytes = (h: string): Bytes => new Uint8Array(Buffer.from(h, 'hex'))
const isHexId = (h: string): boolean => new RegExp(`^[0-9a-f]{${COORDINATOR_SWAP_ID_BYTES * 2}}$`).test(h)
const utf8 = new TextEncoder()

/** `text` cut to at most `maxBytes` of UTF-8, never inside a character. */
export function clipUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text
  const { read } = utf8.encodeInto(text, new Uint8Array(maxBytes))
  return text.slice(0, read)
}

/** Encodes and signs a call with the VM's raw Ed25519 secret key. */
export function signCoordinatorCall(
  body: CoordinatorCallBody,
  key: { secretKey: Uint8Array; publicKey: Uint8Array },
  nowMs: number = Date.now(),
): Bytes {
  if (!isHexId(body.swapId))
    reject(C.BAD_SWAP_ID, `swap id must be ${COORDINATOR_SWAP_ID_BYTES} bytes of hex`)
  const call = CoordinatorCall.encode({
    op: body.op,
    swapId: hexToBytes(body.swapId),
    role: body.role ?? '',
    reason: clipUtf8(body.reason ?? '', MAX_ABORT_REASON_BYTES),
    issuedAtMs: BigInt(nowMs),
    signer: new Uint8Array(key.publicKey),
    seen: body.seen === undefined ? undefined : statusToPb(body.seen),
    waitMs: body.waitMs ?? 0,
  })
  return CoordinatorRequest.encode({
    call,
    signature: sign(SignatureDomain.coordinator, call, key.secretKey),
  })
}

/**
 * Decodes and checks a signed call: shape, freshness, then the signature.
 * Who may sign (the VM of the role) is the coordinator's rule, against the ledger.
 */
export function validateCoordinatorRequest(bytes: Uint8Array, nowMs: number): VerifiedCall {
  let req: CoordinatorRequest
  try {
    req = CoordinatorRequest.decode(bytes)
  } catch {
    return reject(C.MALFORMED, 'coordinator request does not decode')
  }
  let call: CoordinatorCall
  try {
    call = CoordinatorCall.decode(req.call)
  } catch {
    // Rule: an operation we do not know is unsupported (a newer caller), not malformed.
    const op = unknownOp(req.call)
    if (op !== undefined) reject(C.UNSUPPORTED_OP, `this coordinator does not offer operation ${op}`)
    return reject(C.MALFORMED, 'coordinator call does not decode')
  }
  // Rule: an operation, on a ledger-sized swap id.
  if (call.op === CoordinatorOp.COORDINATOR_OP_UNSPECIFIED) reject(C.MALFORMED, 'the call names no operation')
  if (call.swapId.length !== COORDINATOR_SWAP_ID_BYTES) reject(C.BAD_SWAP_ID, 'swap id is not 32 bytes')
  // Rule: prepare, abort and complete act for one role.
  const needsRole =
    call.op === CoordinatorOp.PREPARE || call.op === CoordinatorOp.ABORT || call.op === CoordinatorOp.COMPLETE
  if (needsRole && call.role !== 'a' && call.role !== 'b') reject(C.BAD_ROLE, 'role must be a or b')
  if (Buffer.byteLength(call.reason) > MAX_ABORT_REASON_BYTES)
    reject(C.MALFORMED, `an abort reason has at most ${MAX_ABORT_REASON_BYTES} bytes`)
  if (call.signer.length !== ED25519_PUBLIC_KEY_BYTES) reject(C.MALFORMED, 'signer is not an Ed25519 key')
  // Rule: a watch says what it saw, about this swap, and waits no longer than a coordinator holds a call.
  let seen: WireSwapStatus | undefined
  if (call.op === CoordinatorOp.WATCH) {
    if (call.seen === undefined) reject(C.MALFORMED, 'a watch needs the status last seen')
    else seen = statusFromPb(call.seen)
    if (seen?.swapId !== Buffer.from(call.swapId).toString('hex'))
      reject(C.WRONG_SWAP, 'a watch must name the status of the swap it watches')
    if (call.waitMs > MAX_COORDINATOR_WATCH_MS)
      reject(C.MALFORMED, `a watch waits at most ${MAX_COORDINATOR_WATCH_MS} ms`)
  }
  // Rule: fresh, so a recorded call cannot be replayed much later.
  if (call.issuedAtMs > BigInt(Number.MAX_SAFE_INTEGER)) reject(C.MALFORMED, 'issued_at_ms out of range')
  const issuedAtMs = Number(call.issuedAtMs)
  if (Math.abs(issuedAtMs - nowMs) > COORDINATOR_CALL_SKEW_MS)
    reject(C.STALE_CALL, 'coordinator call is not fresh')
  // Rule: the signature, last.
  if (!verify(SignatureDomain.coordinator, req.call, req.signature, call.signer))
    reject(C.BAD_SIGNATURE, 'coordinator call signature does not verify')
  return {
    op: call.op,
    swapId: Buffer.from(call.swapId).toString('hex'),
    swapIdBytes: call.swapId,
    role: needsRole ? (call.role as WireRole) : undefined,
    reason: call.reason,
    signer: call.signer,
    issuedAtMs,
    seen,
    waitMs: seen === undefined ? undefined : call.waitMs,
  }
}

/**
 * The operation number of a call that did not decode, when that number alone
 * is why: the call decodes once field 1 (`op`) is left out. Undefined for a
 * call broken anywhere else.
 */
function unknownOp(call: Uint8Array): number | undefined {
  try {
    const r = reader(call)
    const rest: Uint8Array[] = []
    let op: number | undefined
    while (r.pos < r.len) {
      const start = r.pos
      const tag = r.uint32()
      if (tag >>> 3 === 1 && (tag & 7) === 0) op = r.int32()
      else {
        r.skipType(tag & 7)
        rest.push(call.subarray(start, r.pos))
      }
    }
    if (op === undefined) return undefined
    CoordinatorCall.decode(Buffer.concat(rest))
    return op
  } catch {
    return undefined
  }
}

function statusToPb(s: WireSwapStatus): SwapStatusMessage {
  return {
    swapId: hexToBytes(s.swapId),
    decision: s.decision,
    preparedA: s.prepared.a,
    preparedB: s.prepared.b,
    completedA: s.completed.a,
    completedB: s.completed.b,
    reason: s.reason ?? '',
  }
}

export function encodeCoordinatorResponse(r: { status: WireSwapStatus } | { failure: RpcFailure }): Bytes {
  if ('status' in r) return CoordinatorResponse.encode({ status: statusToPb(r.status) })
  return CoordinatorResponse.encode({
    failure: { code: r.failure.code, message: r.failure.message.slice(0, MAX_FAILURE_LENGTH) },
  })
}

/** Decodes the anchor's answer; a refusal comes back as `failure`. Throws ValidationError on junk. */
export function decodeCoordinatorResponse(
  bytes: Uint8Array,
  expectSwapId: string,
): { status: WireSwapStatus } | { failure: RpcFailure } {
  let r: CoordinatorResponse
  try {
    r = CoordinatorResponse.decode(bytes)
  } catch {
    return reject(C.MALFORMED, 'coordinator response does not decode')
  }
  if (r.failure !== undefined) {
    return {
      failure: {
        code: /^[A-Z_]{1,64}$/.test(r.failure.code) ? r.failure.code : 'REMOTE',
        message: r.failure.message.slice(0, MAX_FAILURE_LENGTH),
      },
    }
  }
  const status = statusFromPb(
    r.status ?? reject(C.MALFORMED, 'coordinator response has neither status nor failure'),
  )
  // Rule: the answer is about the swap asked for.
  if (status.swapId !== expectSwapId) reject(C.WRONG_SWAP, 'coordinator answered about another swap')
  return { status }
}

/** A status off the wire, checked: a known decision, a bounded reason. */
function statusFromPb(s: SwapStatusMessage): WireSwapStatus {
  if (s.decision !== 'pending' && s.decision !== 'committed' && s.decision !== 'aborted')
    reject(C.MALFORMED, 'unknown swap decision')
  const status: WireSwapStatus = {
    swapId: Buffer.from(s.swapId).toString('hex'),
    decision: s.decision as WireDecision,
    prepared: { a: s.preparedA, b: s.preparedB },
    completed: { a: s.completedA, b: s.completedB },
  }
  if (s.reason.length > 0) status.reason = clipUtf8(s.reason, MAX_ABORT_REASON_BYTES)
  return status
}
