/**
 * Typed errors of a testnet run (`vboom testnet`): one code per cause, a
 * stable `name`.
 */
import { VBoomError } from '../../protocols/errors.js'

export const TestnetRunErrorCode = {
  /** A flag or scenario parameter outside its range. */
  BAD_OPTION: 'TESTNET_BAD_OPTION',
  /** No scenario of that name. */
  UNKNOWN_SCENARIO: 'TESTNET_UNKNOWN_SCENARIO',
  /** The run did not reach a state in the time it had. */
  TIMEOUT: 'TESTNET_TIMEOUT',
  /** The run was interrupted (SIGINT, SIGTERM). */
  INTERRUPTED: 'TESTNET_INTERRUPTED',
} as const
export type TestnetRunErrorCode = (typeof TestnetRunErrorCode)[keyof typeof TestnetRunErrorCode]

export class TestnetRunError extends VBoomError {
  constructor(code: TestnetRunErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'TestnetRunError'
  }
}
