/**
 * The swap coordinator's rules, as one pure state machine: a swap's status
 * and an event in; the next status, the one effect a coordinator must make
 * durable before it answers, or a typed refusal out. No I/O: the local
 * coordinator (LevelCoordinator, over LevelDB) and the anchor's (over its
 * ledger and database) both decide every transition here and keep only
 * their persistence.
 *
 * States: `decision` x the two votes (`prepared`) x the two completions.
 *   pending    any votes, no completion, no reason
 *   committed  both votes; completions accumulate
 *   aborted    any votes, no completion, a reason
 * Events and their rules:
 *   prepare(r)    pending: records r's vote (once). Decided: changes nothing,
 *                 and the answer says so (a vote after an abort is moot).
 *   commit        pending with both votes: commits. Otherwise changes nothing.
 *   abort(r, why) pending: aborts, recording `r: why` (MAX_ABORT_REASON_BYTES).
 *                 Decided: changes nothing (the first decision wins).
 *   complete(r)   committed: records r's completion (once). Otherwise refused:
 *                 SwapNotCommittedError.
 * Every event is idempotent: repeated, it changes nothing and answers the
 * same status, so callers may retry any call whose answer was lost.
 * A watch (the long poll) is admitted by `admitWatch` and answered once the
 * status differs from what the caller saw (`sameSwapState`).
 */
import {
  MAX_ABORT_REASON_BYTES,
  MAX_COORDINATOR_WATCH_MS,
  MAX_COORDINATOR_WATCHERS,
} from '../../protocols/anchor-constants.js'
import { CoordinatorFailureCode, clipUtf8 } from '../../protocols/coordinator-wire.js'
import { CoordinatorBusyError, CoordinatorCallRejectedError, SwapNotCommittedError } from '../errors.js'
import type { Role } from '../index/manifest.js'

export type SwapDecision = 'pending' | 'committed' | 'aborted'

export interface SwapStatus {
  swapId: string
  decision: SwapDecision
  prepared: Record<Role, boolean>
  /** Side has applied and verified the peer's image (only after commit). */
  completed: Record<Role, boolean>
  /** Only with `aborted`: who aborted and why, `<role>: <reason>`. */
  reason?: string
}

export type CoordinatorEvent =
  | { kind: 'prepare'; role: Role }
  | { kind: 'commit' }
  | { kind: 'abort'; role: Role; reason: string }
  | { kind: 'complete'; role: Role }

/** What a coordinator writes, durably, before it answers: the transition counts once this is on disk. */
export type CoordinatorEffect =
  | { kind: 'record-vote'; role: Role }
  | { kind: 'record-commit' }
  /** `reason` is the text to record, already `<role>: <reason>` and cut to MAX_ABORT_REASON_BYTES. */
  | { kind: 'record-abort'; role: Role; reason: string }
  | { kind: 'record-completion'; role: Role }

export interface CoordinatorStep {
  /** The status after the event: the answer. */
  status: SwapStatus
  /** Null when the event changes nothing (repeated, or moot after the decision). */
  effect: CoordinatorEffect | null
}

/** A swap nothing has happened to: what a coordinator answers for a swap it has no record of. */
export function initialStatus(swapId: string): SwapStatus {
  return { swapId, decision: 'pending', prepared: { a: false, b: false }, completed: { a: false, b: false } }
}

/** The text an abort by `role` records. */
export function abortReason(role: Role, reason: string): string {
  return clipUtf8(`${role}: ${reason}`, MAX_ABORT_REASON_BYTES)
}

const copy = (s: SwapStatus): SwapStatus => {
  const c: SwapStatus = {
    swapId: s.swapId,
    decision: s.decision,
    prepared: { ...s.prepared },
    completed: { ...s.completed },
  }
  if (s.reason !== undefined) c.reason = s.reason
  return c
}

const unchanged = (s: SwapStatus): CoordinatorStep => ({ status: copy(s), effect: null })

function checkRole(role: unknown): asserts role is Role {
  if (role !== 'a' && role !== 'b')
    throw new CoordinatorCallRejectedError(
      CoordinatorFailureCode.BAD_ROLE,
      `role must be a or b, not ${String(role)}`,
    )
}

/** The next status of `state` after `event`, and what to record; throws the event's refusal. */
export function step(state: SwapStatus, event: CoordinatorEvent): CoordinatorStep {
  const next = copy(state)
  switch (event.kind) {
    case 'prepare':
      checkRole(event.role)
      if (state.decision !== 'pending' || state.prepared[event.role]) return unchanged(state)
      next.prepared[event.role] = true
      return { status: next, effect: { kind: 'record-vote', role: event.role } }
    case 'commit':
      if (state.decision !== 'pending' || !state.prepared.a || !state.prepared.b) return unchanged(state)
      next.decision = 'committed'
      return { status: next, effect: { kind: 'record-commit' } }
    case 'abort': {
      checkRole(event.role)
      if (state.decision !== 'pending') return unchanged(state)
      const reason = abortReason(event.role, String(event.reason))
      next.decision = 'aborted'
      next.reason = reason
      return { status: next, effect: { kind: 'record-abort', role: event.role, reason } }
    }
    case 'complete':
      checkRole(event.role)
      if (state.decision !== 'committed')
        throw new SwapNotCommittedError(
          `swap ${state.swapId} is ${state.decision}: side ${event.role} cannot complete it; ${state.decision === 'aborted' ? 'it was aborted, so neither disk may change' : 'a side completes only after the commit: wait for the decision'}`,
        )
      if (state.completed[event.role]) return unchanged(state)
      next.completed[event.role] = true
      return { status: next, effect: { kind: 'record-completion', role: event.role } }
  }
}

/** True when two statuses of a swap record the same state (the reason aside: it only comes with an abort). */
export function sameSwapState(x: SwapStatus, y: SwapStatus): boolean {
  return (
    x.decision === y.decision &&
    x.prepared.a === y.prepared.a &&
    x.prepared.b === y.prepared.b &&
    x.completed.a === y.completed.a &&
    x.completed.b === y.completed.b
  )
}

export interface WatchRequest {
  swapId: string
  /** How long the caller will wait for a change (ms); 0 or less asks for the status now. */
  waitMs: number
  /** Watches already open on this swap. */
  open: number
  /** The coordinator is closing: every watch is answered at once. */
  closing?: boolean
}

/**
 * How long to hold a watch (ms), at most MAX_COORDINATOR_WATCH_MS; 0 means
 * answer with the status at once. Throws CoordinatorBusyError when the swap
 * already has MAX_COORDINATOR_WATCHERS open, and CoordinatorCallRejectedError
 * for a wait that is not a number.
 */
export function admitWatch(w: WatchRequest): number {
  if (typeof w.waitMs !== 'number' || Number.isNaN(w.waitMs))
    throw new CoordinatorCallRejectedError(CoordinatorFailureCode.MALFORMED, 'a watch needs a wait in ms')
  if (w.closing === true || w.waitMs <= 0) return 0
  if (w.open >= MAX_COORDINATOR_WATCHERS)
    throw new CoordinatorBusyError(
      `swap ${w.swapId} already has ${w.open} watches open, the most a coordinator holds; wait a moment and ask again, or read its status`,
    )
  return Math.min(MAX_COORDINATOR_WATCH_MS, Math.floor(w.waitMs))
}

const isRoleFlags = (x: unknown): x is Record<Role, boolean> =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as Record<string, unknown>).a === 'boolean' &&
  typeof (x as Record<string, unknown>).b === 'boolean'

/** Whether `x` has the shape of a status (one that crossed a process boundary, say). */
export function isSwapStatus(x: unknown): x is SwapStatus {
  if (typeof x !== 'object' || x === null) return false
  const s = x as Record<string, unknown>
  return (
    typeof s.swapId === 'string' &&
    (s.decision === 'pending' || s.decision === 'committed' || s.decision === 'aborted') &&
    isRoleFlags(s.prepared) &&
    isRoleFlags(s.completed) &&
    (s.reason === undefined || typeof s.reason === 'string')
  )
}
