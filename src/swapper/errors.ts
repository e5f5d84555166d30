/**
 * Typed errors of the disk swap. Each has a stable `name` (tests assert on it)
 * and a `code` naming the rule that failed, in the style of
 * src/protocols/errors.ts.
 */
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
  constructor(code: string, message: string) {
    super(code, message)
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

/** Staging's direct I/O (O_DIRECT) found no aligned memory although its probe at open did. */
export class DirectIoError extends SwapError {
  constructor(dir: string) {
    super(
      'DIRECT_IO_ALIGN',
      `no memory offset was accepted for direct I/O (O_DIRECT) on the filesystem of ${dir} although its probe at open was; put the swap's state directory on another filesystem and run the swap again`,
    )
    this.name = 'DirectIoError'
  }
}
