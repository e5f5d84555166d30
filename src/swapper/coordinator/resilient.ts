/**
 * The coordinator as one swap side uses it, built once per side over any
 * Coordinator:
 * - calls lost in transit are repeated: the anchor may be restarting or
 *   briefly unreachable, and every transition is idempotent, so a call is
 *   retried until `retryForMs`; refusals are not retried;
 * - `watch` waits for the swap's status to change through the coordinator's
 *   long poll, in slices (a lost answer costs at most one), and falls back
 *   to polling with growing pauses where the coordinator has no long poll:
 *   only on CoordinatorUnsupportedError, never on a garbled or refused call,
 *   which fails the wait.
 * `signal` cuts waits short; transitions are never cut short, so that an
 * abort vote made after a cancellation still reaches the coordinator.
 */

import { VBoomError } from '../../protocols/errors.js'
import { pause, untilAborted } from '../cancellable.js'
import { CoordinatorUnsupportedError } from '../errors.js'
import type { Role } from '../index/manifest.js'
import { COORDINATOR_RETRY_MS, POLL_FIRST_MS, POLL_MAX_MS, WATCH_SLICE_MS } from '../tuning.js'
import type { Coordinator, SwapStatus } from './coordinator.js'
import { sameSwapState } from './state-machine.js'

export interface ResilientCoordinatorOptions {
  /** How long a call that fails in transit is repeated before its error is thrown (ms). */
  retryForMs: number
  /** Ends waits (`watch`) early with its reason. */
  signal?: AbortSignal
  /** Told of every retry and of the switch to polling. */
  onNote?: (message: string) => void
}

/** A call that failed on the way (link down, coordinator restarting), not one the coordinator refused. */
function failedInTransit(err: unknown): boolean {
  // errors that are not VBoom's come from the transport (sockets, IPC)
  return !(err instanceof VBoomError) || err.code === 'COORDINATOR_UNREACHABLE'
}

export class ResilientCoordinator implements Coordinator {
  /** Set once the coordinator turned out to have no long poll: every later wait polls. */
  private polling: boolean

  constructor(
    private readonly inner: Coordinator,
    private readonly o: ResilientCoordinatorOptions,
  ) {
    this.polling = inner.watch === undefined
  }

  status(swapId: string): Promise<SwapStatus> {
    return this.retry(() => this.inner.status(swapId))
  }

  prepare(swapId: string, role: Role): Promise<SwapStatus> {
    return this.retry(() => this.inner.prepare(swapId, role))
  }

  commit(swapId: string): Promise<SwapStatus> {
    return this.retry(() => this.inner.commit(swapId))
  }

  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus> {
    return this.retry(() => this.inner.abort(swapId, role, reason))
  }

  complete(swapId: string, role: Role): Promise<SwapStatus> {
    return this.retry(() => this.inner.complete(swapId, role))
  }

  /**
   * The status once it differs from `seen`, or as it is after `timeoutMs`.
   * Rejects with the signal's reason when the signal ends the wait, and with
   * the coordinator's error when a long poll fails other than as unsupported.
   */
  watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    return untilAborted(this.waitForChange(swapId, seen, Date.now() + timeoutMs), this.o.signal)
  }

  /** The wrapped coordinator belongs to whoever made it: closing this one closes that. */
  close(): Promise<void> {
    return this.inner.close()
  }

  private async waitForChange(swapId: string, seen: SwapStatus, deadline: number): Promise<SwapStatus> {
    let pauseMs = POLL_FIRST_MS
    for (;;) {
      // a cancelled wait stops here too, not only where its caller stopped listening
      this.o.signal?.throwIfAborted()
      const left = Math.max(0, deadline - Date.now())
      let s: SwapStatus
      if (!this.polling) {
        try {
          s = await this.retry(
            () => this.inner.watch!(swapId, seen, Math.min(WATCH_SLICE_MS, left)),
            this.o.signal,
          )
        } catch (err) {
          if (!(err instanceof CoordinatorUnsupportedError)) throw err
          this.polling = true
          this.o.onNote?.(`the coordinator has no long poll (${err.message}); polling instead`)
          continue
        }
      } else {
        // 5, 10, 20 ... 250 ms: see POLL_FIRST_MS
        await pause(Math.min(pauseMs, left), this.o.signal)
        pauseMs = Math.min(POLL_MAX_MS, pauseMs * 2)
        s = await this.retry(() => this.inner.status(swapId), this.o.signal)
      }
      if (!sameSwapState(s, seen) || Date.now() >= deadline) return s
    }
  }

  /** `fn` until it succeeds or fails other than in transit; `signal` ends the pauses between tries (waits only). */
  private async retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + this.o.retryForMs
    for (;;) {
      try {
        return await fn()
      } catch (err) {
        if (!failedInTransit(err) || Date.now() > deadline) throw err
        this.o.onNote?.(`coordinator unreachable (${(err as Error).message}), retrying`)
        await pause(COORDINATOR_RETRY_MS, signal)
      }
    }
  }
}
