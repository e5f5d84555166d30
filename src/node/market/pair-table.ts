/**
 * Fast evaluation of many pairs: an agent ranking its whole class market
 * (thousands of adverts) computes publicPair for each. Here each side is
 * compiled once (log-medians, standard errors, weights in typed arrays) and
 * a pair costs a few dozen flops. The result is the same as publicPair
 * (decision.ts); test/node/market/pair-table.test.ts holds them equal.
 */
import { RESOURCE_NAMES, type ResourceName } from '../../protocols/advert.js'
import {
  DEFAULT_MARKET_POLICY,
  type MarketPolicy,
  type MarketSide,
  MUTUAL,
  type PairTerms,
} from './decision.js'
import { LOWER_IS_BETTER, logMedian, type UtilityModel, valueOverHorizon } from './utility.js'

const NAMES = Object.keys(RESOURCE_NAMES) as ResourceName[]
const R = NAMES.length

/** One side, compiled. */
export interface CompiledSide {
  vm: string
  ask: bigint
  askNumber: number
  /** Weights per resource (0 where not weighed). */
  weight: Float64Array
  /** Signed log-median per resource (negated where lower is better, so higher is always better). */
  log: Float64Array
  /** Standard error of the log-median. */
  se: Float64Array
  /** Whether the resource is evaluable (present, enough samples, positive median). */
  ok: Uint8Array
  /** The side's netBw median, Mbit/s (0 when unknown). */
  netMbit: number
}

export function compileSide(side: MarketSide, model: UtilityModel): CompiledSide {
  const weight = new Float64Array(R)
  const log = new Float64Array(R)
  const se = new Float64Array(R)
  const ok = new Uint8Array(R)
  for (let r = 0; r < R; r++) {
    const name = NAMES[r]!
    weight[r] = Math.max(0, side.needs[name] ?? 0)
    const m = logMedian(side.profile[name], model)
    if (typeof m === 'string') continue
    ok[r] = 1
    log[r] = LOWER_IS_BETTER[name] ? -m.log : m.log
    se[r] = m.se
  }
  return {
    vm: side.vm,
    ask: side.askMicros,
    askNumber: Number(side.askMicros),
    weight,
    log,
    se,
    ok,
    netMbit: side.profile.netBw?.median ?? 0,
  }
}

/** Net utility fraction of `a` moving to `b`'s location (NaN when unevaluable), cost excluded. */
function gainLcb(a: CompiledSide, b: CompiledSide, model: UtilityModel): number {
  let mean = 0
  let variance = 0
  const max = model.maxLogRatio
  for (let r = 0; r < R; r++) {
    const w = a.weight[r]!
    if (w <= 0) continue
    if (a.ok[r] === 0 || b.ok[r] === 0) return Number.NaN
    let change = b.log[r]! - a.log[r]!
    if (change > max) change = max
    else if (change < -max) change = -max
    mean += w * change
    const sa = a.se[r]!
    const sb = b.se[r]!
    variance += w * w * (sa * sa + sb * sb)
  }
  return mean - model.confidenceZ * Math.sqrt(variance)
}

export interface FastPair {
  aMicros: number
  bMicros: number
  welfareMicros: number
  terms: PairTerms
}

/** publicPair of two compiled sides (null when the pair has no terms). */
export function fastPublicPair(
  a: CompiledSide,
  b: CompiledSide,
  diskBytes: number,
  model: UtilityModel,
  publicPolicy: Pick<MarketPolicy, 'minGainFraction' | 'maxPriceMicros'> = DEFAULT_MARKET_POLICY,
): FastPair | null {
  const ga = gainLcb(a, b, model)
  if (Number.isNaN(ga)) return null
  const gb = gainLcb(b, a, model)
  if (Number.isNaN(gb)) return null
  const mbit = Math.min(a.netMbit, b.netMbit)
  const rate = (mbit * 1e6) / 8
  const transferMs = rate > 0 ? ((diskBytes * model.deltaFraction) / rate) * 1000 : Infinity
  const cost = (model.rebootOverheadMs + transferMs) / model.horizonMs
  const value = valueOverHorizon(model.referenceValueMicrosPerHour, model)
  const ua = (ga - cost) * value
  const ub = (gb - cost) * value
  const margin = publicPolicy.minGainFraction * value
  let terms: PairTerms | null = null
  if (ua >= margin && ub >= margin) terms = MUTUAL
  else if (
    b.ask > 0n &&
    b.ask <= publicPolicy.maxPriceMicros &&
    ua - b.askNumber >= margin &&
    ub + b.askNumber >= margin
  ) {
    terms = { payer: a.vm, priceMicros: b.ask }
  } else if (
    a.ask > 0n &&
    a.ask <= publicPolicy.maxPriceMicros &&
    ub - a.askNumber >= margin &&
    ua + a.askNumber >= margin
  ) {
    terms = { payer: b.vm, priceMicros: a.ask }
  }
  if (terms === null) return null
  return { aMicros: ua, bMicros: ub, welfareMicros: ua + ub, terms }
}
