/**
 * Robust profile statistics: from a time series of benchmark results per
 * resource, the advert's ResourceStat (median, spread, samples, window) and
 * the detection of lasting shifts.
 *
 * Spread. The advert's `spread` carries the scaled MAD, 1.4826 * median
 * |x - median|: a standard deviation under normal noise (utility.ts turns it
 * into the median's standard error), in the resource's own unit, and with a
 * 50 % breakdown point, so a few wild samples do not move it. p10 and p90 are
 * computed too for status output; they are not on the wire.
 *
 * Change detection: a two-sided CUSUM on the robust-standardised series.
 * Each new sample x becomes z = (x - m) / s with m, s the median and scaled
 * MAD of the current segment before x (s floored at 1 % of |m|), clipped to
 * ±CLIP; then S+ = max(0, S+ + z - K), S- = max(0, S- - z - K), and a change
 * is declared when either passes H. Parameters and what they guarantee:
 *   K = 0.5   shifts under half a spread are ignored (they are within what the
 *             utility's lower confidence bound discounts anyway);
 *   CLIP = 3  one sample adds at most CLIP - K = 2.5, however wild;
 *   H = 12    so up to 4 consecutive wild samples (4 * 2.5 = 10 < 12) never
 *             alarm by themselves: a single outlier or a transient dip of up
 *             to 4 samples does not move the profile; with normal noise after
 *             a 3-sample dip a false alarm has about e^-4.5 = 1 % probability.
 *   A lasting shift of d spreads is detected at the first n with
 *   n * (min(d, CLIP) - K) > H: 5 samples for d >= 3, 9 for d = 2, 25 for
 *   d = 1 (at one sample per 10 min: under an hour for a large shift, about
 *   four hours for a one-spread one); the shifted samples join the baseline
 *   they are measured against, which can add a sample or two.
 * The CUSUM was chosen over a two-window test because it needs no second
 * window length, reacts in proportion to the shift's size, and its delays
 * follow from H and K in closed form.
 * On a change, a new segment starts at the CUSUM's change-point estimate
 * (the sample after the side's sum was last zero): the profile then reports
 * only the new level, with its smaller sample count (so its confidence
 * bound is wide until the new location has been measured for a while).
 * The first WARMUP samples of a segment only build its baseline.
 */
import type { ResourceName, ResourceStat } from '../../protocols/advert.js'
import { MarketError } from './errors.js'

/** Scales a MAD to a standard deviation under normal noise. */
export const MAD_TO_SIGMA = 1.4826

export interface Sample {
  /** When the benchmark ran, ms since the epoch. */
  atMs: number
  value: number
}

export interface ChangeDetectionParams {
  /** Allowance per sample, in spreads. */
  k: number
  /** Decision threshold, in spreads. */
  h: number
  /** Clip of a standardised sample, in spreads. */
  clip: number
  /** Samples of a segment that only build its baseline. */
  warmup: number
  /** Floor on the spread used for standardising, as a fraction of |median|. */
  minRelativeSpread: number
}

export const DEFAULT_CHANGE_DETECTION: Readonly<ChangeDetectionParams> = {
  k: 0.5,
  h: 12,
  clip: 3,
  // Eight samples give a median and MAD worth standardising against (fewer and one odd sample sways the MAD).
  warmup: 8,
  // As utility.ts: benchmark repeatability is rarely better than 1 %.
  minRelativeSpread: 0.01,
}

export interface SeriesOptions {
  /** The profile covers at most this much time back from the newest sample, ms. */
  windowMs: number
  /** And at most this many samples (memory bound per resource). */
  maxSamples: number
  detection: ChangeDetectionParams
}

export const DEFAULT_SERIES_OPTIONS: Readonly<SeriesOptions> = {
  // A day: covers a daily cycle of the neighbours' load, the horizon's unit of belief.
  windowMs: 24 * 3600_000,
  // A week at one sample per 10 min; a day of samples is 144.
  maxSamples: 1008,
  detection: DEFAULT_CHANGE_DETECTION,
}

export interface RobustSummary {
  median: number
  /** Scaled MAD (a standard deviation under normal noise). */
  spread: number
  p10: number
  p90: number
  count: number
}

/** Quantile of sorted values by linear interpolation (type 7). */
function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo]!
  return a + (sorted[hi]! - a) * (pos - lo)
}

/** Median, scaled MAD, p10 and p90 of ascending values (NaN for none). */
export function summariseSorted(sorted: readonly number[]): RobustSummary {
  if (sorted.length === 0)
    return { median: Number.NaN, spread: Number.NaN, p10: Number.NaN, p90: Number.NaN, count: 0 }
  const median = quantileSorted(sorted, 0.5)
  const deviations = sorted.map((x) => Math.abs(x - median)).sort((a, b) => a - b)
  return {
    median,
    spread: MAD_TO_SIGMA * quantileSorted(deviations, 0.5),
    p10: quantileSorted(sorted, 0.1),
    p90: quantileSorted(sorted, 0.9),
    count: sorted.length,
  }
}

/** Robust summary of values in any order. */
export function summarise(values: readonly number[]): RobustSummary {
  return summariseSorted([...values].sort((a, b) => a - b))
}

/** A lasting shift found by the CUSUM. */
export interface ChangeEvent {
  /** The first sample of the new level (the change-point estimate), ms. */
  sinceMs: number
  /** When the shift was declared (the sample that crossed H), ms. */
  detectedAtMs: number
  direction: 'up' | 'down'
  /** Median of the segment before the change. */
  fromMedian: number
}

/**
 * One resource's series since its last change point, within the window,
 * with the CUSUM state. Feed samples in time order with `add`.
 */
export class ResourceSeries {
  private readonly samples: Sample[] = []
  /** The segment's values, ascending, mirror of `samples`. */
  private readonly sorted: number[] = []
  private up = 0
  private down = 0
  /** Index into `samples` of the sample after each sum was last zero. */
  private upStart = 0
  private downStart = 0
  private readonly options: SeriesOptions

  constructor(options: SeriesOptions = DEFAULT_SERIES_OPTIONS) {
    this.options = options
  }

  /** Adds a sample; returns the change it completes, if any. */
  add(sample: Sample): ChangeEvent | null {
    if (!Number.isFinite(sample.value) || !Number.isFinite(sample.atMs)) {
      throw new MarketError(
        'BAD_SAMPLE',
        `sample ${sample.value} at ${sample.atMs} is not finite: drop it at the source`,
      )
    }
    const last = this.samples[this.samples.length - 1]
    if (last !== undefined && sample.atMs < last.atMs) {
      throw new MarketError(
        'BAD_SAMPLE',
        `sample at ${sample.atMs} is older than the last one (${last.atMs}): feed in time order`,
      )
    }
    this.expire(sample.atMs)
    let event: ChangeEvent | null = null
    const d = this.options.detection
    if (this.samples.length >= d.warmup) {
      const base = summariseSorted(this.sorted)
      const s = Math.max(base.spread, d.minRelativeSpread * Math.abs(base.median), Number.MIN_VALUE)
      const z = Math.max(-d.clip, Math.min(d.clip, (sample.value - base.median) / s))
      const index = this.samples.length
      this.up = Math.max(0, this.up + z - d.k)
      if (this.up === 0) this.upStart = index + 1
      this.down = Math.max(0, this.down - z - d.k)
      if (this.down === 0) this.downStart = index + 1
      if (this.up > d.h || this.down > d.h) {
        const direction = this.up > d.h ? 'up' : 'down'
        const start = direction === 'up' ? this.upStart : this.downStart
        event = {
          sinceMs: this.samples[start]?.atMs ?? sample.atMs,
          detectedAtMs: sample.atMs,
          direction,
          fromMedian: base.median,
        }
        this.restartAt(start)
      }
    } else {
      this.upStart = this.downStart = this.samples.length + 1
    }
    this.push(sample)
    return event
  }

  /** The advert's statistic for this resource (median NaN when empty). */
  stat(): ResourceStat {
    const s = summariseSorted(this.sorted)
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    return {
      median: s.median,
      spread: s.spread,
      samples: s.count,
      windowMs: first !== undefined && last !== undefined ? last.atMs - first.atMs : 0,
    }
  }

  summary(): RobustSummary {
    return summariseSorted(this.sorted)
  }

  get size(): number {
    return this.samples.length
  }

  private push(sample: Sample): void {
    this.samples.push(sample)
    this.insertSorted(sample.value)
    if (this.samples.length > this.options.maxSamples) this.dropOldest(1)
  }

  private expire(nowMs: number): void {
    let n = 0
    while (n < this.samples.length && this.samples[n]!.atMs < nowMs - this.options.windowMs) n++
    if (n > 0) this.dropOldest(n)
  }

  private dropOldest(n: number): void {
    for (const s of this.samples.splice(0, n)) this.removeSorted(s.value)
    this.upStart = Math.max(0, this.upStart - n)
    this.downStart = Math.max(0, this.downStart - n)
  }

  /** Starts a new segment at samples[start]: earlier samples go, the sums restart. */
  private restartAt(start: number): void {
    this.dropOldest(Math.min(start, this.samples.length))
    this.up = this.down = 0
    this.upStart = this.downStart = this.samples.length + 1
  }

  private insertSorted(v: number): void {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.sorted[mid]! < v) lo = mid + 1
      else hi = mid
    }
    this.sorted.splice(lo, 0, v)
  }

  private removeSorted(v: number): void {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.sorted[mid]! < v) lo = mid + 1
      else hi = mid
    }
    if (this.sorted[lo] === v) this.sorted.splice(lo, 1)
  }
}

/** The series of every resource, and the profile they make. */
export class ProfileSeries {
  private readonly series = new Map<ResourceName, ResourceSeries>()

  constructor(private readonly options: SeriesOptions = DEFAULT_SERIES_OPTIONS) {}

  add(resource: ResourceName, sample: Sample): ChangeEvent | null {
    let s = this.series.get(resource)
    if (s === undefined) {
      s = new ResourceSeries(this.options)
      this.series.set(resource, s)
    }
    return s.add(sample)
  }

  /** The profile to advertise: one statistic per resource with samples. */
  profile(): Partial<Record<ResourceName, ResourceStat>> {
    const out: Partial<Record<ResourceName, ResourceStat>> = {}
    for (const [name, s] of this.series) if (s.size > 0) out[name] = s.stat()
    return out
  }
}
