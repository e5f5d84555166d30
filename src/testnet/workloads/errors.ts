/**
 * The workloads' one error class; `code` names the cause.
 *
 * SPEC_MISSING     the VM's disk has no /workload/spec.json
 * SPEC_INVALID     the spec is not JSON or breaks a rule of its kind (which: in the message)
 * STATE_INVALID    a state file on the VM's disk does not parse (the workload cannot resume from it)
 * NO_VM_NAME       neither the spec nor /vboom/vm.json names the VM
 * NO_SERVICE_PORT  the spec asks for a service port the host does not have
 * BAD_MESSAGE      a peer sent a line that is not a message of the protocol (counted; the connection is closed)
 * LINE_TOO_LONG    a peer sent a line longer than MAX_LINE_BYTES
 */
import { VBoomError } from '../../protocols/errors.js'

export type WorkloadErrorCode =
  | 'SPEC_MISSING'
  | 'SPEC_INVALID'
  | 'STATE_INVALID'
  | 'NO_VM_NAME'
  | 'NO_SERVICE_PORT'
  | 'BAD_MESSAGE'
  | 'LINE_TOO_LONG'

export class WorkloadError extends VBoomError {
  declare readonly code: WorkloadErrorCode

  constructor(code: WorkloadErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'WorkloadError'
  }
}
