/**
 * Typed errors of the swap lifecycle: one code per cause, a stable `name`.
 */
import { VBoomError } from '../../protocols/errors.js'

/** Why stored boot parameters (or their encoding) were refused. */
export const BootParamsErrorCode = {
  /** Larger than MAX_BOOT_PARAMS_BYTES. */
  TOO_LARGE: 'BOOT_PARAMS_TOO_LARGE',
  /** Not JSON, or a field missing or of the wrong shape. */
  MALFORMED: 'BOOT_PARAMS_MALFORMED',
  /** Written by a version of the format this code does not read. */
  VERSION: 'BOOT_PARAMS_VERSION',
  /** The secret swap key is not the one the swap names for this side. */
  KEY_MISMATCH: 'BOOT_PARAMS_KEY_MISMATCH',
  /** The agreement carried does not read, or names another swap id or other swap keys. */
  AGREEMENT_MISMATCH: 'BOOT_PARAMS_AGREEMENT_MISMATCH',
} as const
export type BootParamsErrorCode = (typeof BootParamsErrorCode)[keyof typeof BootParamsErrorCode]

export class BootParamsError extends VBoomError {
  constructor(code: BootParamsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'BootParamsError'
  }
}

/** Why the agent cannot leave for a swap, or what its lifecycle found wrong. */
export const LifecycleErrorCode = {
  /** The agent runs without a platform: it cannot reboot, so it cannot swap. */
  NO_PLATFORM: 'NO_PLATFORM',
  /** The agent's config names no anchor (bootstrap and anchorKey): the swap needs its coordinator. */
  NO_ANCHOR: 'NO_ANCHOR',
  /** A leave request that does not parse or breaks a rule. */
  BAD_LEAVE_REQUEST: 'BAD_LEAVE_REQUEST',
  /** The agent is already leaving for another swap. */
  ALREADY_LEAVING: 'ALREADY_LEAVING',
  /** The agreement names neither side as this VM's agent. */
  NOT_A_PARTY: 'NOT_A_PARTY',
  /** A lifecycle record in the agent's database does not decode. */
  RECORD_CORRUPT: 'LIFECYCLE_RECORD_CORRUPT',
  /** No direct transport address of the swap partner is known (peer store and DHT). */
  NO_PEER_ADDRESS: 'NO_PEER_ADDRESS',
  /** The stored agreement no longer validates (damaged record, or signed for another anchor). */
  BAD_AGREEMENT: 'BAD_AGREEMENT',
  /** The platform failed to leave after the agent quieted its services (a kexec load refused, say); they run again. */
  LEAVE_FAILED: 'LEAVE_FAILED',
} as const
export type LifecycleErrorCode = (typeof LifecycleErrorCode)[keyof typeof LifecycleErrorCode]

export class LifecycleError extends VBoomError {
  constructor(code: LifecycleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'LifecycleError'
  }
}
