/** The profiler's and the needs learner's typed errors: one code per cause. */
import { VBoomError } from '../../protocols/errors.js'

export type ProfilerErrorCode =
  /** A schedule or budget option is outside its range (a caller bug: the config validates them). */
  'BAD_OPTIONS'

export class ProfilerError extends VBoomError {
  declare readonly code: ProfilerErrorCode

  constructor(code: ProfilerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'ProfilerError'
  }
}
