/**
 * The host emulation layer's one error class; `code` names the cause.
 *
 * PROFILE_INVALID    a profile field is missing, negative or not a number
 * MODE_UNAVAILABLE   root mode was forced where it cannot run (why: in the message)
 * COMMAND_FAILED     a system command (ip, tc, losetup, mkfs, mount) failed while building a host
 * CGROUP_FAILED      writing a cgroup file failed
 * RELAY_FAILED       the delay relay could not start or bind
 * UNALIGNED_IO       a HostFile offset or length is not a multiple of IO_ALIGN
 * NOT_IN_HOST        the host runtime was asked for outside a process started in a host
 * FABRIC_CLOSED      the hosts were already removed
 * TEARDOWN_INCOMPLETE something the run created could not be removed (listed in the message)
 * TOOL_MISSING       a verification tool (fio, iperf3, sockperf) is not installed
 * TOOL_OUTPUT        a verification tool's output could not be read
 * INTERRUPTED        the run was interrupted (SIGINT, SIGTERM) while the hosts were being built
 */
import { VBoomError } from '../../protocols/errors.js'

export type HostErrorCode =
  | 'PROFILE_INVALID'
  | 'MODE_UNAVAILABLE'
  | 'COMMAND_FAILED'
  | 'CGROUP_FAILED'
  | 'RELAY_FAILED'
  | 'UNALIGNED_IO'
  | 'NOT_IN_HOST'
  | 'FABRIC_CLOSED'
  | 'TEARDOWN_INCOMPLETE'
  | 'TOOL_MISSING'
  | 'TOOL_OUTPUT'
  | 'INTERRUPTED'

export class HostEmulationError extends VBoomError {
  declare readonly code: HostErrorCode

  constructor(code: HostErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'HostEmulationError'
  }
}
