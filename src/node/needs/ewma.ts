/**
 * Exponentially weighted moving averages of the interval signals, with a
 * half-life in time rather than in samples: an interval of dt moves an
 * average by alpha = 1 - 2^(-dt / halfLife) of the way to the interval's
 * value, so irregular intervals (a busy event loop, a restart's gap) weigh by
 * the time they cover. A signal's first value starts its average (no bias
 * towards zero); a signal missing in an interval keeps its average.
 */
import type { IntervalSignals, SignalName } from './signals.js'

export interface Smoothed {
  values: Partial<Record<SignalName, number>>
  /** Total time covered by the intervals averaged, ms. */
  observedMs: number
  /** End of the last interval averaged, ms since the epoch. */
  updatedAtMs: number
}

export const ewmaAlpha = (dtMs: number, halfLifeMs: number): number => 1 - 2 ** (-dtMs / halfLifeMs)

export function smooth(
  prev: Smoothed | null,
  s: IntervalSignals,
  atMs: number,
  halfLifeMs: number,
): Smoothed {
  const alpha = ewmaAlpha(s.dtMs, halfLifeMs)
  const values: Smoothed['values'] = { ...prev?.values }
  for (const [key, v] of Object.entries(s) as [keyof IntervalSignals, number | null][]) {
    if (key === 'dtMs' || v === null || !Number.isFinite(v)) continue
    const old = values[key]
    values[key] = old === undefined ? v : old + alpha * (v - old)
  }
  return { values, observedMs: (prev?.observedMs ?? 0) + s.dtMs, updatedAtMs: atMs }
}
