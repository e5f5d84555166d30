/**
 * Typed errors of the testnet's host supervisor, its client and its VM disks:
 * one code per cause, a stable `name`.
 */
import { VBoomError } from '../../protocols/errors.js'

export const SupervisorErrorCode = {
  /** The supervisor's socket cannot be reached (no supervisor runs for this host, or it died). */
  UNREACHABLE: 'SUPERVISOR_UNREACHABLE',
  /** The connection closed before an answer. */
  DISCONNECTED: 'SUPERVISOR_DISCONNECTED',
  /** No answer within the call's deadline. */
  TIMEOUT: 'SUPERVISOR_TIMEOUT',
  /** A message that does not parse or breaks the protocol (either way). */
  PROTOCOL: 'SUPERVISOR_PROTOCOL',
  /** A message larger than MAX_FRAME_BYTES. */
  FRAME_TOO_LARGE: 'SUPERVISOR_FRAME_TOO_LARGE',
  /** The request does not fit the host's state (reboot stateless without stateless boot parameters...). */
  WRONG_STATE: 'SUPERVISOR_WRONG_STATE',
  /** The host is busy: a verification image or a swap runs. */
  BUSY: 'SUPERVISOR_BUSY',
  /** No verification session of that id. */
  NO_SESSION: 'SUPERVISOR_NO_SESSION',
  /** The verification image exited before it answered. */
  IMAGE_EXITED: 'IMAGE_EXITED',
  /** The verification image request was aborted. */
  IMAGE_ABORTED: 'IMAGE_ABORTED',
  /** The supervisor did not start (its entry failed, or it did not listen in time). */
  START_FAILED: 'SUPERVISOR_START_FAILED',
  /** The VM's /workload/spec.json names no kind, or one with no runner in this build. */
  NO_WORKLOAD_RUNNER: 'SUPERVISOR_NO_WORKLOAD_RUNNER',
  /** The supervisor failed on its side. */
  INTERNAL: 'SUPERVISOR_INTERNAL',
} as const
export type SupervisorErrorCode = (typeof SupervisorErrorCode)[keyof typeof SupervisorErrorCode]

export class SupervisorError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'SupervisorError'
  }
}

export const VmDiskErrorCode = {
  /** mkfs.ext4 or debugfs failed, or is missing. */
  TOOL_FAILED: 'VM_DISK_TOOL_FAILED',
  /** /vboom/vm.json is missing: the disk holds no VM. */
  NO_VM: 'VM_DISK_NO_VM',
  /** /vboom/vm.json does not parse or breaks a rule. */
  BAD_IDENTITY: 'VM_DISK_BAD_IDENTITY',
  /** The tree does not fit the image's size. */
  TOO_SMALL: 'VM_DISK_TOO_SMALL',
  /** Mounting, unmounting or attaching the loop device failed. */
  MOUNT_FAILED: 'VM_DISK_MOUNT_FAILED',
} as const
export type VmDiskErrorCode = (typeof VmDiskErrorCode)[keyof typeof VmDiskErrorCode]

export class VmDiskError extends VBoomError {
  constructor(code: VmDiskErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'VmDiskError'
  }
}
