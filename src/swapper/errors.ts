/**
 * Typed errors of the disk swap. Each has a stable `name` (tests assert on it)
 * and a `code` naming the rule that failed, in the style of
 * src/protocols/errors.ts.
 */
import { CoordinatorFailureCode } from '../protocols/coordinator-wire.js'
import { VBoomError } from '../protocols/errors.js'

/** Base class: anything that stops a swap. */
export class SwapError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'SwapError'
  }
}

/** The two disks differ in size: a swap needs equally sized disks. */
export class DiskSizeMismatchError extends SwapError {
  readonly sizeA: number
  readonly sizeB: number

  constructor(sizeA: number, sizeB: number, detail = '') {
    super(
      'DISK_SIZE_MISMATCH',
      `disks differ in size: ${sizeA} bytes vs ${sizeB} bytes${detail === '' ? '' : ` (${detail})`}; only equally sized disks can swap`,
    )
    this.name = 'DiskSizeMismatchError'
    this.sizeA = sizeA
    this.sizeB = sizeB
  }
}

/** The disk is mounted, backs a loop device, or is open for writing by another process. */
export class DiskInUseError extends SwapError {
  readonly path: string

  constructor(path: string, reason: string) {
    super('DISK_IN_USE', `disk ${path} is in use: ${reason}`)
    this.name = 'DiskInUseError'
    this.path = path
  }
}

/** The path is neither a regular file nor a block device, or cannot be opened. */
export class DiskOpenError extends SwapError {
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('DISK_OPEN', `cannot use ${path} as a disk: ${reason}`, options)
    this.name = 'DiskOpenError'
  }
}

/** Staging would not fit in the free space of the staging directory's filesystem. */
export class InsufficientStagingSpaceError extends SwapError {
  readonly needed: number
  readonly available: number

  constructor(dir: string, needed: number, available: number) {
    super(
      'STAGING_SPACE',
      `staging needs ${needed} bytes in ${dir} but only ${available} bytes are available (after the reserve)`,
    )
    this.name = 'InsufficientStagingSpaceError'
    this.needed = needed
    this.available = available
  }
}

/** A manifest failed a rule: size, signature, swap id, signer, Merkle root. */
export class ManifestError extends SwapError {
  constructor(code: string, message: string) {
    super(code, message)
    this.name = 'ManifestError'
  }
}

/** The peer we talk to is not the one the agreement names. */
export class PeerNotInAgreementError extends SwapError {
  constructor(message: string) {
    super('PEER_NOT_IN_AGREEMENT', message)
    this.name = 'PeerNotInAgreementError'
  }
}

/** The peer sent more bad blocks (hash mismatch, malformed batch) than allowed; it is dropped. */
export class BadPeerError extends SwapError {
  readonly badBlocks: number

  constructor(badBlocks: number, limit: number) {
    super('BAD_PEER', `peer sent ${badBlocks} bad blocks (limit ${limit}); peer dropped`)
    this.name = 'BadPeerError'
    this.badBlocks = badBlocks
  }
}

/** A protocol message from the peer was malformed or out of order. */
export class SwapProtocolError extends SwapError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'SwapProtocolError'
  }
}

/** The swap was aborted before its commit point: both disks are untouched. */
export class SwapAbortedError extends SwapError {
  readonly reason: string

  constructor(swapId: string, reason: string, options?: { cause?: unknown }) {
    super('SWAP_ABORTED', `swap ${swapId} aborted before commit, disks untouched: ${reason}`, options)
    this.name = 'SwapAbortedError'
    this.reason = reason
  }
}

/** Staging, journal or the final check found state that contradicts the manifests. */
export class SwapStateError extends SwapError {
  constructor(code: string, message: string) {
    super(code, message)
    this.name = 'SwapStateError'
  }
}

/** The coordinator refused a transition (e.g. commit after abort). */
export class CoordinatorError extends SwapError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'CoordinatorError'
  }
}

/**
 * The coordinator does not offer this operation (an anchor without the long
 * poll, say). Thrown only for that answer, never for a garbled or refused
 * call, so a caller may fall back (to polling) on this class alone.
 */
export class CoordinatorUnsupportedError extends SwapError {
  readonly operation: string

  constructor(operation: string, detail = '') {
    super(
      'COORDINATOR_UNSUPPORTED',
      `the coordinator does not offer ${operation}${detail === '' ? '' : ` (${detail})`}`,
    )
    this.name = 'CoordinatorUnsupportedError'
    this.operation = operation
  }
}

/*
 * The swap coordinator's refusals and failures: one class per cause, the same
 * class whichever coordinator (the local one, the anchor's, either through the
 * IPC bridge or the network) refused. Codes are the coordinator wire's
 * (CoordinatorFailureCode) where the refusal crosses it.
 */

/** The local coordinator's database is held by another process. */
export class CoordinatorLockedError extends CoordinatorError {
  constructor(path: string, options?: { cause?: unknown }) {
    super(
      'COORDINATOR_LOCKED',
      `coordinator database ${path} is in use by another process (another \`vboom swap-images\` on the same work directory?); wait for it to finish or pass another --work-dir`,
      options,
    )
    this.name = 'CoordinatorLockedError'
  }
}

/** `complete` before the commit (or after an abort): only a committed swap completes. */
export class SwapNotCommittedError extends CoordinatorError {
  constructor(message: string) {
    super(CoordinatorFailureCode.NOT_COMMITTED, message)
    this.name = 'SwapNotCommittedError'
  }
}

/** The swap already has as many watches open as a coordinator holds. */
export class CoordinatorBusyError extends CoordinatorError {
  constructor(message: string) {
    super(CoordinatorFailureCode.TOO_MANY_WATCHERS, message)
    this.name = 'CoordinatorBusyError'
  }
}

/** The caller acted for a side of the swap that is not its own. */
export class CoordinatorNotPartyError extends CoordinatorError {
  constructor(message: string) {
    super(CoordinatorFailureCode.NOT_PARTY, message)
    this.name = 'CoordinatorNotPartyError'
  }
}

/** The coordinator knows no such swap (the anchor coordinates only swaps agreed in its ledger). */
export class UnknownSwapError extends CoordinatorError {
  constructor(message: string) {
    super(CoordinatorFailureCode.UNKNOWN_SWAP, message)
    this.name = 'UnknownSwapError'
  }
}

/** What to do about a call the coordinator refused as ill-formed, by the rule it broke. */
const CALL_ADVICE: Record<string, string> = {
  [CoordinatorFailureCode.STALE_CALL]:
    "sync this machine's clock (NTP): a signed call must be within 5 minutes of the anchor's clock",
  [CoordinatorFailureCode.BAD_SIGNATURE]: 'sign calls with the VM key the ledger names for this side',
}
const CALL_ADVICE_DEFAULT =
  'this agent and the coordinator disagree on the protocol: run the same VBoom version on both'

/** The coordinator refused the call itself (malformed, stale, badly signed): the code names the rule. */
export class CoordinatorCallRejectedError extends CoordinatorError {
  constructor(code: string, detail: string) {
    super(
      code,
      `the coordinator refused the call (${code}: ${detail}); ${CALL_ADVICE[code] ?? CALL_ADVICE_DEFAULT}`,
    )
    this.name = 'CoordinatorCallRejectedError'
  }
}

/** The coordinator failed on its side (INTERNAL, or a code this side does not know). */
export class CoordinatorRemoteError extends CoordinatorError {
  constructor(code: string, detail: string) {
    super(
      code,
      `the coordinator failed (${code}: ${detail}); try again later, and read the coordinator's log if it persists`,
    )
    this.name = 'CoordinatorRemoteError'
  }
}

/**
 * The coordinator's answer breaks the protocol: it does not decode, is too
 * large, or is about another swap. Never read as "unsupported": a garbled
 * answer is not an old coordinator.
 */
export class CoordinatorAnswerError extends CoordinatorError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'COORDINATOR_BAD_ANSWER',
      `the coordinator's answer breaks the protocol (${detail}); check that the coordinator runs a VBoom version compatible with this agent`,
      options,
    )
    this.name = 'CoordinatorAnswerError'
  }
}

/** The call did not reach the coordinator or its answer was lost; every call is safe to repeat. */
export class CoordinatorUnreachableError extends CoordinatorError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'COORDINATOR_UNREACHABLE',
      `cannot reach the coordinator (${detail}); the call is safe to repeat: check the anchor's address and the network`,
      options,
    )
    this.name = 'CoordinatorUnreachableError'
  }
}

/** An agent process lost its IPC channel to the coordinator: the parent `vboom swap-images` is gone. */
export class CoordinatorGoneError extends CoordinatorError {
  constructor() {
    super(
      'COORDINATOR_GONE',
      'no IPC channel to the coordinator: the parent `vboom swap-images` process is gone; rerun the same command to resume the swap',
    )
    this.name = 'CoordinatorGoneError'
  }
}
