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

/** How a disk is in use (disk-use.ts): each has its own remedy. */
export type DiskUseKind = 'swap' | 'mounted' | 'held' | 'loop' | 'writer'

/** The disk is mounted, backs a loop device, or is open for writing by another process. */
export class DiskInUseError extends SwapError {
  readonly path: string
  readonly use: DiskUseKind

  /** `detail`: what uses it; `remedy`: what frees it. */
  constructor(path: string, use: DiskUseKind, detail: string, remedy: string) {
    super('DISK_IN_USE', `disk ${path} is in use: ${detail}; ${remedy}, then run the swap again`)
    this.name = 'DiskInUseError'
    this.path = path
    this.use = use
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
 * The swap was cancelled (its AbortSignal) before the commit point: this side
 * voted abort, removed its staging and left its disk as it was.
 */
export class SwapCancelledError extends SwapError {
  constructor(swapId: string, options?: { cause?: unknown }) {
    super(
      'SWAP_CANCELLED',
      `swap ${swapId} cancelled before its commit point: nothing was changed, both disks hold their original images and this side's staging is removed; start a new swap to try again`,
      options,
    )
    this.name = 'SwapCancelledError'
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

// ---------------------------------------------------------------------------
// Disk I/O, indexing, planning and the local swap command.
// ---------------------------------------------------------------------------

/**
 * A broken invariant: a bug in VBoom, never a fault of the disks, the peer or
 * the user. `safe` says what state the disks are in when it is thrown, so the
 * user knows what the failure cost them.
 */
export class SwapInternalError extends SwapError {
  constructor(code: string, what: string, safe: string) {
    super(code, `${what}. This is a bug in VBoom, please report it with this message; ${safe}`)
    this.name = 'SwapInternalError'
  }
}

/** Planning runs before the commit point, so an internal error there leaves both disks as they were. */
export const PLANNING_IS_SAFE =
  'planning runs before the commit point, so neither disk has been written: the swap aborts and both disks keep their own images'

/** How a disk read, write or fsync failed: one code per cause, the remedy in the message. */
export const DiskIoCode = {
  /** The OS failed a read (EIO from a failing device, a vanished network disk, ...). */
  READ: 'DISK_READ',
  /** The OS failed a write (EIO, ENOSPC under a sparse image, a read-only remount, ...). */
  WRITE: 'DISK_WRITE',
  /** fsync failed: what was written since the last fsync may not be on the device. */
  FLUSH: 'DISK_FLUSH',
  /** The disk ended before a read inside its size was filled: it shrank since it was opened. */
  SHORT_READ: 'DISK_SHORT_READ',
} as const
export type DiskIoCode = (typeof DiskIoCode)[keyof typeof DiskIoCode]

/** A read, write or fsync of a disk failed. */
export class DiskIoError extends SwapError {
  declare readonly code: DiskIoCode
  readonly path: string

  constructor(code: DiskIoCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'DiskIoError'
    this.path = path
  }
}

/** A block device whose size sysfs does not give: it cannot be used as a disk. */
export class DiskSizeUnknownError extends SwapError {
  readonly path: string

  constructor(path: string, sysfsFile: string) {
    super(
      'DISK_SIZE_UNKNOWN',
      `cannot use ${path} as a disk: its size is not readable from ${sysfsFile}; check that /sys is mounted and the device still exists`,
    )
    this.name = 'DiskSizeUnknownError'
    this.path = path
  }
}

/** A block size the index cannot use (not a power of two, or outside what a manifest may carry). */
export class BlockSizeError extends SwapError {
  readonly blockSize: number

  constructor(blockSize: number, rule: string) {
    super(
      'BLOCK_SIZE',
      `block size ${blockSize} is not ${rule}: choose one such as 4096 (the default) or 65536`,
    )
    this.name = 'BlockSizeError'
    this.blockSize = blockSize
  }
}

/** A hashing worker thread failed or exited while indexing a disk. */
export class HashWorkerError extends SwapError {
  constructor(
    code: 'HASH_WORKER_EXIT' | 'HASH_WORKER_FAILED',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      code,
      `a hashing worker thread ${detail}; run the swap again with the same arguments: it resumes from its journal`,
      options,
    )
    this.name = 'HashWorkerError'
  }
}

/** Direct I/O to staging was accepted at open but no buffer address is accepted any more. */
export class DirectIoError extends SwapError {
  readonly dir: string

  constructor(dir: string) {
    super(
      'DIRECT_IO_REFUSED',
      `the filesystem of ${dir} accepted O_DIRECT when staging opened but now refuses every buffer address; run the swap again (it resumes from its journal), and if this repeats put its work directory (--work-dir) on another filesystem`,
    )
    this.name = 'DirectIoError'
    this.dir = dir
  }
}

/** The swap would write more blocks than the in-place planner's tables hold. */
export class PlanTooLargeError extends SwapError {
  readonly writes: number
  readonly limit: number

  constructor(writes: number, limit: number) {
    super(
      'PLAN_TOO_MANY_WRITES',
      `the swap would write ${writes} blocks, more than the planner handles (${limit}); swap with a larger block size (--block-size 8192 halves the count); nothing has been written`,
    )
    this.name = 'PlanTooLargeError'
    this.writes = writes
    this.limit = limit
  }
}

/** An agent process of a local swap kept dying; its journal holds where it got to. */
export class AgentCrashedError extends SwapError {
  readonly role: string
  readonly attempts: number

  constructor(role: string, how: string, attempts: number) {
    super(
      'AGENT_CRASHED',
      `agent ${role} died (${how}) ${attempts} times in a row; see its output above for why, then run the swap again with the same arguments: it resumes from the journals`,
    )
    this.name = 'AgentCrashedError'
    this.role = role
    this.attempts = attempts
  }
}

/**
 * The two disks are the pair a completed swap left, unchanged since: a new
 * run would swap them back. Thrown only when the caller did not ask for a new
 * swap (`again`).
 */
export class SwapAlreadyCompletedError extends SwapError {
  readonly swapId: string
  readonly completedAt: string

  constructor(aPath: string, bPath: string, swapId: string, completedAt: string) {
    super(
      'SWAP_ALREADY_COMPLETED',
      `${aPath} and ${bPath} were swapped at ${completedAt} (swap ${swapId}) and neither has changed since: running the swap again would swap them back. Nothing was done; to swap them back, run it again with --again`,
    )
    this.name = 'SwapAlreadyCompletedError'
    this.swapId = swapId
    this.completedAt = completedAt
  }
}

/**
 * The swap was cancelled after its commit point: this side stopped at a
 * durable point (an apply window recorded, or its disk already the peer's
 * image). The swap stays committed; only a rerun finishes it.
 */
export class SwapInterruptedError extends SwapError {
  constructor(swapId: string, stateDir: string, where: string) {
    super(
      'SWAP_INTERRUPTED',
      `swap ${swapId} is committed and was stopped ${where}; run it again with the same state directory (${stateDir}) to resume and finish it`,
    )
    this.name = 'SwapInterruptedError'
  }
}
