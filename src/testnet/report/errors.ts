/**
 * The reports' one error class; `code` names the cause.
 *
 * RESULTS_INVALID  the scenario's results break the schema (which rule: in the message)
 * RENDER_FAILED    a chart could not be drawn (the plotting library's reason in the message)
 */
import { VBoomError } from '../../protocols/errors.js'

export type ReportErrorCode = 'RESULTS_INVALID' | 'RENDER_FAILED'

export class ReportError extends VBoomError {
  declare readonly code: ReportErrorCode

  constructor(code: ReportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'ReportError'
  }
}
