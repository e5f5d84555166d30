/**
 * Time as the profiler and the needs learner see it: the wall clock and
 * timers, injectable so tests drive schedules without waiting.
 */

export interface Clock {
  /** ms since the epoch. */
  now(): number
  /** Calls `fn` once after `ms`; returns a cancel. Timers never keep the process alive. */
  setTimer(fn: () => void, ms: number): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms))
    t.unref()
    return () => clearTimeout(t)
  },
}
