/**
 * The swap coordinator's wire format: signed calls from the two VMs, status
 * replies from the anchor, and the pure validator the anchor runs on a call.
 * The status shape mirrors the swapper's `SwapStatus` (protocols imports
 * nothing of ours, so it is restated here).
 */
import {
  COORDINATOR_CALL_SKEW_MS,
  COORDINATOR_SWAP_ID_BYTES,
  MAX_COORDINATOR_WATCH_MS,
  MAX_FAILURE_LENGTH,
  MAX_REASON_LENGTH,
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

/** True when two statuses of a swap record the same state (the reason aside: it only comes with an abort). */
export function sameSwapStatus(x: WireSwapStatus, y: WireSwapStatus): boolean {
  return (
    x.decision === y.decision &&
    x.prepared.a === y.prepared.a &&
    x.prepared.b === y.prepared.b &&
    x.completed.a === y.completed.a &&
    x.completed.b === y.completed.b
  )
}

const hexToBytes = (h: string): Bytes => new Uint8Array(Buffer.from(h, 'hex'))
const isHexId = (h: string): boolean => new RegExp(`^[0-9a-f]{${COORDINATOR_SWAP_ID_BYTES * 2}}$`).test(h)

/** Encodes and signs a call with the VM's raw Ed25519 secret key. */
export function signCoordinatorCall(
  body: CoordinatorCallBody,
  key: { secretKey: Uint8Array; publicKey: Uint8Array },
  nowMs: number = Date.now(),
): Bytes {
  if (!isHexId(body.swapId))
    reject('BAD_SWAP_ID', `swap id must be ${COORDINATOR_SWAP_ID_BYTES} bytes of hex`)
  const call = CoordinatorCall.encode({
    op: body.op,
    swapId: hexToBytes(body.swapId),
    role: body.role ?? '',
    reason: (body.reason ?? '').slice(0, MAX_REASON_LENGTH),
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
  let call: CoordinatorCall
  try {
    req = CoordinatorRequest.decode(bytes)
    call = CoordinatorCall.decode(req.call)
  } catch {
    return reject('MALFORMED', 'coordinator request does not decode')
  }
  // Rule: a known operation on a ledger-sized swap id.
  if (call.op === CoordinatorOp.COORDINATOR_OP_UNSPECIFIED || !Object.values(CoordinatorOp).includes(call.op))
    reject('MALFORMED', 'unknown coordinator operation')
  if (call.swapId.length !== COORDINATOR_SWAP_ID_BYTES) reject('BAD_SWAP_ID', 'swap id is not 32 bytes')
  // Rule: prepare, abort and complete act for one role.
  const needsRole =
    call.op === CoordinatorOp.PREPARE || call.op === CoordinatorOp.ABORT || call.op === CoordinatorOp.COMPLETE
  if (needsRole && call.role !== 'a' && call.role !== 'b') reject('BAD_ROLE', 'role must be a or b')
  if (call.reason.length > MAX_REASON_LENGTH) reject('MALFORMED', 'abort reason too long')
  if (call.signer.length !== ED25519_PUBLIC_KEY_BYTES) reject('MALFORMED', 'signer is not an Ed25519 key')
  // Rule: a watch says what it saw, about this swap, and waits no longer than the anchor holds a call.
  let seen: WireSwapStatus | undefined
  if (call.op === CoordinatorOp.WATCH) {
    if (call.seen === undefined) reject('MALFORMED', 'a watch needs the status last seen')
    else seen = statusFromPb(call.seen)
    if (seen?.swapId !== Buffer.from(call.swapId).toString('hex'))
      reject('WRONG_SWAP', 'a watch must name the status of the swap it watches')
    if (call.waitMs > MAX_COORDINATOR_WATCH_MS)
      reject('MALFORMED', `a watch waits at most ${MAX_COORDINATOR_WATCH_MS} ms`)
  }
  // Rule: fresh, so a recorded call cannot be replayed much later.
  if (call.issuedAtMs > BigInt(Number.MAX_SAFE_INTEGER)) reject('MALFORMED', 'issued_at_ms out of range')
  const issuedAtMs = Number(call.issuedAtMs)
  if (Math.abs(issuedAtMs - nowMs) > COORDINATOR_CALL_SKEW_MS)
    reject('STALE_CALL', 'coordinator call is not fresh')
  // Rule: the signature, last.
  if (!verify(SignatureDomain.coordinator, req.call, req.signature, call.signer))
    reject('BAD_SIGNATURE', 'coordinator call signature does not verify')
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
    return reject('MALFORMED', 'coordinator response does not decode')
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
    r.status ?? reject('MALFORMED', 'coordinator response has neither status nor failure'),
  )
  // Rule: the answer is about the swap asked for.
  if (status.swapId !== expectSwapId) reject('WRONG_SWAP', 'coordinator answered about another swap')
  return { status }
}

/** A status off the wire, checked: a known decision, a bounded reason. */
function statusFromPb(s: SwapStatusMessage): WireSwapStatus {
  if (s.decision !== 'pending' && s.decision !== 'committed' && s.decision !== 'aborted')
    reject('MALFORMED', 'unknown swap decision')
  const status: WireSwapStatus = {
    swapId: Buffer.from(s.swapId).toString('hex'),
    decision: s.decision as WireDecision,
    prepared: { a: s.preparedA, b: s.preparedB },
    completed: { a: s.completedA, b: s.completedB },
  }
  if (s.reason.length > 0) status.reason = s.reason.slice(0, MAX_REASON_LENGTH)
  return status
}
