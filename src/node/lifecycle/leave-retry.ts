/**
 * When an agent holding an agreement in force cannot leave for its swap yet,
 * it tries again on a timer until the agreement expires or resolves: the
 * causes that pass by themselves (the partner's address not known yet, the
 * partner's agent restarting, a store or platform call that failed) are
 * retried with a bounded, jittered exponential back-off; the causes no wait
 * can change (no platform, a damaged agreement, another swap on record) are
 * not.
 */
import type { AgreementView } from '../negotiation/agreement-store.js'
import { LifecycleErrorCode } from './errors.js'

/**
 * First retry 5 s after a failed attempt: identify and the DHT usually learn
 * a restarting partner's addresses within seconds of its start.
 */
export const LEAVE_RETRY_FIRST_DELAY_MS = 5_000
/**
 * Delays double up to 60 s: over an agreement's default hour that is at most
 * ~65 attempts, each one peer-store read and at most one DHT lookup bounded
 * by PEER_LOOKUP_TIMEOUT_MS, while a partner that appears late is still
 * found within a minute (well inside the coordinator's decision timeout).
 */
export const LEAVE_RETRY_MAX_DELAY_MS = 60_000
/**
 * Each delay is drawn uniformly within ±20 % of its nominal value, so the
 * two sides of an agreement (and many agents after one outage) do not retry
 * and look each other up in lockstep.
 */
export const LEAVE_RETRY_JITTER = 0.2

export interface LeaveRetryTuning {
  firstDelayMs: number
  maxDelayMs: number
  /** Uniform in [0, 1): Math.random outside tests. */
  random: () => number
}

export const DEFAULT_LEAVE_RETRY: LeaveRetryTuning = {
  firstDelayMs: LEAVE_RETRY_FIRST_DELAY_MS,
  maxDelayMs: LEAVE_RETRY_MAX_DELAY_MS,
  random: Math.random,
}

/** The delay before retry number `failures` (1 after the first failed attempt), in ms. */
export function leaveRetryDelayMs(failures: number, tuning: LeaveRetryTuning): number {
  const nominal = Math.min(tuning.maxDelayMs, tuning.firstDelayMs * 2 ** Math.max(0, failures - 1))
  const factor = 1 - LEAVE_RETRY_JITTER + 2 * LEAVE_RETRY_JITTER * tuning.random()
  return Math.round(nominal * factor)
}

/**
 * Codes no wait changes: the agent runs without a platform or an anchor, the
 * agreement or a record is damaged, it does not name this VM, or another
 * swap is on record. Everything else (NO_PEER_ADDRESS, an unexpected failure
 * of the store or the platform) is retried.
 */
const PERMANENT: ReadonlySet<string> = new Set([
  LifecycleErrorCode.NO_PLATFORM,
  LifecycleErrorCode.NO_ANCHOR,
  LifecycleErrorCode.BAD_LEAVE_REQUEST,
  LifecycleErrorCode.ALREADY_LEAVING,
  LifecycleErrorCode.NOT_A_PARTY,
  LifecycleErrorCode.RECORD_CORRUPT,
  LifecycleErrorCode.BAD_AGREEMENT,
])

export function isRetryableLeaveCode(code: string): boolean {
  return !PERMANENT.has(code) && !code.startsWith('BOOT_PARAMS_')
}

/**
 * Where the leave for one agreement stands in this process:
 * - 'left': the boot parameters are stored and the reboot asked;
 * - 'retrying': the last attempt failed for a passing cause, the next is at `nextRetryAtMs`;
 * - 'refused': the last attempt failed for a cause no wait changes (`lastErrorCode`);
 * - 'expired' / 'resolved' / 'settled': retries stopped because the agreement
 *   expired, was resolved at the anchor without this side, or its swap ended.
 */
export type LeaveState = 'left' | 'retrying' | 'refused' | 'expired' | 'resolved' | 'settled'

export interface LeaveStatus {
  state: LeaveState
  /** Attempts made in this process (the first included). */
  attempts: number
  /** Unix ms of the next attempt while 'retrying', else null. */
  nextRetryAtMs: number | null
  /** The code of the last failed attempt (a LifecycleError code, or FAILED), null if none failed. */
  lastErrorCode: string | null
  /** Its message (what happened and what to do). */
  lastError: string | null
}

/** What `vboom agreements` lists: an agreement and, when this process tried to leave for it, where that stands. */
export interface AgreementLeaveView extends AgreementView {
  leave: LeaveStatus | null
}
