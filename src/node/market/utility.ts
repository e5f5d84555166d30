/**
 * The utility of a swap for one side: what its workload gains by running on
 * the partner's location instead of its own, minus what the swap's downtime
 * costs. Unit: micro-credits over the planning horizon, so a price (also in
 * micro-credits) is added or subtracted as it is.
 *
 * Normalisation. Per resource the change is the log-ratio of the two
 * medians, signed so that better is positive: ln(dest/own) where higher is
 * better (CPU, bandwidths, IOPS), ln(own/dest) for RTT. A log-ratio has no
 * unit (MB/s, IOPS and µs compare), is antisymmetric (the partner sees
 * exactly the negative change of the same resource) and equals the relative
 * change for small changes. Weighted by the needs (weights sum to at most 1)
 * it reads as the fraction by which the workload's value changes: a
 * disk-bound VM (weight 0.6 on disk read) moving from 100 to 150 MB/s gains
 * 0.6 * ln 1.5 = 0.24 of its value. Times the VM's value over the horizon
 * (value per hour * horizon hours) that is micro-credits.
 *
 * Confidence. A median of n samples with spread s (the advert's spread: the
 * scaled MAD, a standard deviation, see profile-stats.ts) has a standard
 * error of about 1.2533 * s / sqrt(n) (the median's asymptotic efficiency
 * under normal noise); in log terms that is divided by the median. n is
 * capped (MAX_EFFECTIVE_SAMPLES) because successive benchmark runs are
 * correlated and the future differs from the window measured. The gain used
 * is the LOWER confidence bound: mean - z * se over the weighted sum
 * (resources taken as independent), so a difference within the noise never
 * looks like a gain. A partner with a poor reputation has its claimed
 * standard errors widened by 1/trust (decision.ts).
 *
 * Cost. Downtime = reboot overhead + the bytes that differ / the link rate;
 * both VMs are down for it (the swap is symmetric). Its cost is the VM's
 * value over the downtime, a fraction downtime/horizon of the value over the
 * horizon.
 */
import type { Needs, Profile, ResourceName, ResourceStat } from '../../protocols/advert.js'
import { MarketError } from './errors.js'

/** Which way is better, per resource. */
export const LOWER_IS_BETTER: Readonly<Record<ResourceName, boolean>> = {
  cpu: false,
  memoryBw: false,
  diskRead: false,
  diskWrite: false,
  diskIops: false,
  netBw: false,
  netRtt: true,
}

/** Ratio of the median's standard error to s/sqrt(n) under normal noise (sqrt(pi/2)). */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2)

/**
 * The public utility model: the parameters every agent of a class uses to
 * rank pairs, so two agents looking at the same two adverts compute the same
 * pair welfare (matching.ts relies on it). Private choices (margins,
 * cooldown, reputation, the owner's own valuation) live in MarketPolicy.
 */
export interface UtilityModel {
  /** Planning horizon, ms: how long a profile difference is believed to last. */
  horizonMs: number
  /** One-sided z of the lower confidence bound. */
  confidenceZ: number
  /** Cap on the samples counted per median. */
  maxEffectiveSamples: number
  /** A resource with fewer samples than this on either side cannot be evaluated. */
  minSamples: number
  /** Floor on spread / median, so a quiet host never claims a perfectly exact median. */
  minRelativeSpread: number
  /** Per-resource log-ratios are clamped to ±this. */
  maxLogRatio: number
  /** Downtime a swap costs besides moving bytes, ms. */
  rebootOverheadMs: number
  /** Expected fraction of the disk that differs between the two VMs and must cross the link. */
  deltaFraction: number
  /** Value of one VM of the class per hour, micro-credits, used for the partner's side of a pair. */
  referenceValueMicrosPerHour: number
}

/** Defaults, each with its reason. */
export const DEFAULT_UTILITY_MODEL: Readonly<UtilityModel> = {
  // A week: noisy neighbours come and go over days; a gain believed for longer than the
  // profiling window (a day) by a factor of seven is already optimistic.
  horizonMs: 7 * 24 * 3600_000,
  // 95 % one-sided: a swap has a real cost, so a gain has to be more likely real than not by far.
  confidenceZ: 1.645,
  // Benchmarks every 10 min are correlated over about an hour; 30 effectively independent
  // samples is what a day of them is worth, and no amount of history makes the future certain.
  maxEffectiveSamples: 30,
  // Fewer than 5 runs give a median whose MAD means nothing (profile-stats warm-up).
  minSamples: 5,
  // Benchmark-to-benchmark repeatability on a quiet host is rarely better than 1 %.
  minRelativeSpread: 0.01,
  // Beyond 4x either way the linear value model means nothing and a claim is more likely wrong.
  maxLogRatio: Math.log(4),
  // Two reboots (into the stateless agent and back), staging verification: about 3 min.
  rebootOverheadMs: 180_000,
  // Two VMs of a class from similar images share OS blocks and have zero (skipped) space;
  // half the disk differing is a conservative middle until the two block indexes are known.
  deltaFraction: 0.5,
  // 0.10 credit per hour: the order of a small VM's price; only a scale, equal on both sides.
  referenceValueMicrosPerHour: 100_000,
}

/** Rejects a model outside its ranges (typed, so a bad config is reported, not propagated as NaN). */
export function checkUtilityModel(m: UtilityModel): void {
  const positive: (keyof UtilityModel)[] = [
    'horizonMs',
    'confidenceZ',
    'maxEffectiveSamples',
    'minSamples',
    'maxLogRatio',
    'referenceValueMicrosPerHour',
  ]
  for (const k of positive) {
    if (!(Number.isFinite(m[k]) && m[k] > 0)) {
      throw new MarketError('BAD_POLICY', `utility model ${k} must be a positive number, got ${m[k]}`)
    }
  }
  if (!(m.minRelativeSpread >= 0 && m.rebootOverheadMs >= 0)) {
    throw new MarketError('BAD_POLICY', 'utility model minRelativeSpread and rebootOverheadMs must be >= 0')
  }
  if (!(m.deltaFraction >= 0 && m.deltaFraction <= 1)) {
    throw new MarketError(
      'BAD_POLICY',
      `utility model deltaFraction must lie in [0, 1], got ${m.deltaFraction}`,
    )
  }
}

/** Why a pair could not be evaluated. */
export type UnevaluableReason = 'missing-resource' | 'too-few-samples' | 'non-positive-median'

export interface Unevaluable {
  ok: false
  reason: UnevaluableReason
  resource: ResourceName
}

/** A gain as a fraction of the VM's value: mean, standard error, lower confidence bound. */
export interface GainEstimate {
  ok: true
  mean: number
  se: number
  lcb: number
}

/**
 * A resource's log-median and its standard error (the median's, relative:
 * spread floored at minRelativeSpread, samples capped at
 * maxEffectiveSamples), or why the stat cannot enter a gain. The one rule
 * for utility.ts and its compiled forms (pair-table.ts, market-scan.ts).
 */
export function logMedian(
  s: ResourceStat | undefined,
  model: UtilityModel,
): { log: number; se: number } | UnevaluableReason {
  if (s === undefined) return 'missing-resource'
  if (s.samples < model.minSamples) return 'too-few-samples'
  if (!(s.median > 0)) return 'non-positive-median'
  const spread = Math.max(s.spread, model.minRelativeSpread * s.median)
  const n = Math.min(s.samples, model.maxEffectiveSamples)
  return { log: Math.log(s.median), se: (MEDIAN_SE_FACTOR * spread) / Math.sqrt(n) / s.median }
}

/** Log-median and its standard error, or why there is none. */
function logStat(
  s: ResourceStat | undefined,
  name: ResourceName,
  model: UtilityModel,
): { log: number; se: number } | Unevaluable {
  const m = logMedian(s, model)
  return typeof m === 'string' ? { ok: false, reason: m, resource: name } : m
}

/**
 * The weighted profile change of moving from `own` to `dest`, as a fraction
 * of the VM's value, with its lower confidence bound. `destTrust` in (0, 1]
 * widens the destination's standard errors by 1/destTrust (a claim from a
 * peer with lies caught counts for less). Resources the needs do not weigh
 * are ignored; a weighed resource missing or under-sampled on either side
 * makes the pair unevaluable.
 */
export function profileGain(
  needs: Needs,
  own: Profile,
  dest: Profile,
  model: UtilityModel,
  destTrust = 1,
): GainEstimate | Unevaluable {
  let mean = 0
  let variance = 0
  for (const [key, weight] of Object.entries(needs)) {
    const name = key as ResourceName
    if (weight === undefined || weight <= 0) continue
    const a = logStat(own[name], name, model)
    if ('ok' in a) return a
    const b = logStat(dest[name], name, model)
    if ('ok' in b) return b
    const raw = LOWER_IS_BETTER[name] ? a.log - b.log : b.log - a.log
    const change = Math.max(-model.maxLogRatio, Math.min(model.maxLogRatio, raw))
    const destSe = b.se / destTrust
    mean += weight * change
    variance += weight * weight * (a.se * a.se + destSe * destSe)
  }
  const se = Math.sqrt(variance)
  return { ok: true, mean, se, lcb: mean - model.confidenceZ * se }
}

/** What the cost side of a swap needs to know. */
export interface SwapLink {
  /** The class's disk size, bytes. */
  diskBytes: number
  /** Measured (or, before a probe, estimated) rate between the two VMs, bytes per second. */
  linkBytesPerSecond: number
  /** Fraction of the disk expected to differ; the model's default when absent. */
  deltaFraction?: number
}

/** Expected downtime of a swap, ms. */
export function swapDowntimeMs(link: SwapLink, model: UtilityModel): number {
  const delta = link.deltaFraction ?? model.deltaFraction
  const transferMs =
    link.linkBytesPerSecond > 0 ? ((link.diskBytes * delta) / link.linkBytesPerSecond) * 1000 : Infinity
  return model.rebootOverheadMs + transferMs
}

/**
 * A link estimate from two adverts before any probe: the slower side's
 * netBw median (Mbit/s) as the rate both directions share. Unknown netBw
 * gives a zero rate, i.e. an infinite cost: no swap on a guess.
 */
export function advertisedLink(diskBytes: number, a: Profile, b: Profile): SwapLink {
  const mbit = Math.min(a.netBw?.median ?? 0, b.netBw?.median ?? 0)
  return { diskBytes, linkBytesPerSecond: (mbit * 1e6) / 8 }
}

/** One side's utility of a swap. */
export interface SwapUtility {
  ok: true
  /** The profile gain, fraction of value (mean, se, lower bound). */
  gain: GainEstimate
  /** Downtime over the horizon, fraction of value. */
  costFraction: number
  /** gain.lcb - costFraction. */
  netFraction: number
  /** netFraction times the VM's value over the horizon, micro-credits. */
  netMicros: number
  /** The VM's value over the horizon, micro-credits: the unit a margin is a fraction of. */
  valueMicros: number
  downtimeMs: number
}

/** The VM's value over the model's horizon, micro-credits. */
export function valueOverHorizon(valueMicrosPerHour: number, model: UtilityModel): number {
  return (valueMicrosPerHour * model.horizonMs) / 3600_000
}

/**
 * The utility for a VM with `needs` on `own` of moving to `dest`, in
 * micro-credits over the horizon, from the lower confidence bound.
 */
export function swapUtility(
  needs: Needs,
  own: Profile,
  dest: Profile,
  link: SwapLink,
  model: UtilityModel,
  valueMicrosPerHour: number,
  destTrust = 1,
): SwapUtility | Unevaluable {
  const gain = profileGain(needs, own, dest, model, destTrust)
  if (!gain.ok) return gain
  const downtimeMs = swapDowntimeMs(link, model)
  const costFraction = downtimeMs / model.horizonMs
  const netFraction = gain.lcb - costFraction
  const valueMicros = valueOverHorizon(valueMicrosPerHour, model)
  return {
    ok: true,
    gain,
    costFraction,
    netFraction,
    netMicros: netFraction * valueMicros,
    valueMicros,
    downtimeMs,
  }
}
