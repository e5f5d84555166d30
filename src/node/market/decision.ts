/**
 * The decision rule: whether this VM agrees to a swap on given terms.
 *
 * A swap happens only when both sides gain by a margin (mutual terms, no
 * money), or when one side's gain covers the other's asking price (priced
 * terms: the payer pays the payee's posted ask). In numbers, with U each
 * side's utility (utility.ts, micro-credits over the horizon, from the lower
 * confidence bound) and M = minGainFraction times its value over the horizon:
 *   mutual:  U >= M on each side;
 *   priced:  payer U - ask >= M (its net still clears its margin) and
 *            payee U + ask >= M (the price covers its loss, and then some),
 *            ask > 0, ask <= the payer's maxPriceMicros.
 * Mutual and priced exclude each other (ask >= 0), so a pair has at most one
 * set of terms. The margin is hysteresis: as the Kubernetes descheduler
 * leaves a gap between its low and high thresholds and Storage DRS skips
 * moves below its imbalance threshold, a gain the size of measurement drift
 * or model error is not worth a reboot.
 *
 * Cooldown: a VM that swapped within cooldownMs agrees only to a large gain
 * (net >= largeGainFraction of its value). Reputation: a partner's claimed
 * profile counts with trust t in (0, 1] (its standard errors widened by
 * 1/t); at or below the ban threshold there is no trade at all.
 */
import type { Needs, Profile } from '../../protocols/advert.js'
import { MarketError } from './errors.js'
import { REPUTATION_BAN_THRESHOLD } from './reputation.js'
import {
  checkUtilityModel,
  type SwapLink,
  swapUtility,
  type UnevaluableReason,
  type UtilityModel,
  valueOverHorizon,
} from './utility.js'

/** A VM's private trading policy. Plain data; defaults below with their reasons. */
export interface MarketPolicy {
  /** Margin: the least net utility worth a swap, as a fraction of the VM's value over the horizon. */
  minGainFraction: number
  /** The most this VM pays for one swap, micro-credits. */
  maxPriceMicros: bigint
  /** After a swap, how long the VM trades only for a large gain, ms. */
  cooldownMs: number
  /** The net utility (fraction of value) that overrides the cooldown. */
  largeGainFraction: number
  /** Whether a probe of the partner must confirm its claims before an agreement. */
  requireProbe: boolean
  /** What this VM is worth to its owner per hour, micro-credits: turns utility into money. */
  valueMicrosPerHour: number
}

export const DEFAULT_MARKET_POLICY: Readonly<MarketPolicy> = {
  // 2 % of a week's value: the LCB already removes measurement noise; the margin covers the
  // linear value model's error and the drift of a median between two profiling windows.
  minGainFraction: 0.02,
  // 2 credits, about 12 % of a small VM's week (0.10 credit/h): beyond that a buyer should
  // rather have its claims attested by the anchor first, and a lost bet stays affordable.
  maxPriceMicros: 2_000_000n,
  // A day: after a swap the new location needs a day of samples (144 at one per 10 min) before
  // its profile is worth trading on, and each swap costs minutes of downtime.
  cooldownMs: 24 * 3600_000,
  // 15 %: waiting out a day's cooldown forgoes 1/7 of a week's gain; at 15 % that is 2 % of the
  // value, the margin itself, so waiting costs more than the churn a quick second swap brings.
  largeGainFraction: 0.15,
  // The design probes every candidate before offering (DESIGN.md, probe): claims are checked.
  requireProbe: true,
  // The utility model's reference value: an owner who says nothing values the VM at its price.
  valueMicrosPerHour: 100_000,
}

export function checkMarketPolicy(p: MarketPolicy): void {
  if (!(p.minGainFraction > 0 && p.minGainFraction < 1)) {
    throw new MarketError('BAD_POLICY', `minGainFraction must lie in (0, 1), got ${p.minGainFraction}`)
  }
  if (!(p.largeGainFraction >= p.minGainFraction)) {
    throw new MarketError('BAD_POLICY', 'largeGainFraction must be at least minGainFraction')
  }
  if (p.maxPriceMicros < 0n) throw new MarketError('BAD_POLICY', 'maxPriceMicros must be >= 0')
  if (!(p.cooldownMs >= 0)) throw new MarketError('BAD_POLICY', 'cooldownMs must be >= 0')
  if (!(Number.isFinite(p.valueMicrosPerHour) && p.valueMicrosPerHour > 0)) {
    throw new MarketError('BAD_POLICY', 'valueMicrosPerHour must be a positive number')
  }
}

/**
 * Trust in a peer's claims from its reputation score (reputation.ts): 1 at
 * or above 0, falling linearly to 0 at the ban threshold. One caught lie
 * (-10 of -15) leaves a third: its standard errors count three times over.
 */
export function trustOf(score: number): number {
  if (score >= 0) return 1
  if (score <= REPUTATION_BAN_THRESHOLD) return 0
  return 1 - score / REPUTATION_BAN_THRESHOLD
}

/** One side of a pair as the market sees it (its advert). */
export interface MarketSide {
  vm: string
  profile: Profile
  needs: Needs
  askMicros: bigint
}

/** The terms of a pair: who pays whom how much. Mutual terms have no payer and price 0. */
export interface PairTerms {
  payer: string | null
  priceMicros: bigint
}

export const MUTUAL: PairTerms = Object.freeze({ payer: null, priceMicros: 0n })

export function sameTerms(a: PairTerms, b: PairTerms): boolean {
  return a.payer === b.payer && a.priceMicros === b.priceMicros
}

/** Money this side receives (positive) or pays (negative) under the terms. */
function priceFor(vm: string, terms: PairTerms): bigint {
  if (terms.payer === null) return 0n
  return terms.payer === vm ? -terms.priceMicros : terms.priceMicros
}

/** Terms from two utilities and asks, under one margin and price cap; null when none work. */
function termsFor(
  a: { vm: string; u: number; margin: number; ask: bigint },
  b: { vm: string; u: number; margin: number; ask: bigint },
  maxPrice: bigint,
): PairTerms | null {
  if (a.u >= a.margin && b.u >= b.margin) return MUTUAL
  // a pays b's ask, or b pays a's ask; at most one can hold (see the header).
  for (const [payer, payee] of [
    [a, b],
    [b, a],
  ] as const) {
    const price = payee.ask
    if (price <= 0n || price > maxPrice) continue
    const p = Number(price)
    if (payer.u - p >= payer.margin && payee.u + p >= payee.margin) {
      return { payer: payer.vm, priceMicros: price }
    }
  }
  return null
}

/**
 * The public view of a pair: both utilities from the adverts alone with the
 * public model (reference value, full trust, default margin and price cap),
 * so the two agents compute the same welfare and terms (matching.ts ranks by
 * the welfare; each side then decides privately with `decide`).
 */
export interface PublicPair {
  /** Utility of a (resp. b), micro-credits over the horizon. */
  aMicros: number
  bMicros: number
  /** aMicros + bMicros: what the pair is worth to the market (a price only moves it between them). */
  welfareMicros: number
  terms: PairTerms
}

export function publicPair(
  a: MarketSide,
  b: MarketSide,
  link: SwapLink,
  model: UtilityModel,
  publicPolicy: Pick<MarketPolicy, 'minGainFraction' | 'maxPriceMicros'> = DEFAULT_MARKET_POLICY,
): PublicPair | null {
  const v = model.referenceValueMicrosPerHour
  const ua = swapUtility(a.needs, a.profile, b.profile, link, model, v)
  if (!ua.ok) return null
  const ub = swapUtility(b.needs, b.profile, a.profile, link, model, v)
  if (!ub.ok) return null
  const margin = publicPolicy.minGainFraction * ua.valueMicros
  const terms = termsFor(
    { vm: a.vm, u: ua.netMicros, margin, ask: a.askMicros },
    { vm: b.vm, u: ub.netMicros, margin, ask: b.askMicros },
    publicPolicy.maxPriceMicros,
  )
  if (terms === null) return null
  return { aMicros: ua.netMicros, bMicros: ub.netMicros, welfareMicros: ua.netMicros + ub.netMicros, terms }
}

/** This VM's own state as the decision needs it. */
export interface SelfState extends MarketSide {
  /** When this VM last swapped, ms since the epoch; absent if never. */
  lastSwapAtMs?: number
}

export type DecisionRejectReason =
  | 'banned'
  | UnevaluableReason
  | 'below-margin'
  | 'price-above-max'
  | 'price-below-ask'
  | 'not-a-party'
  | 'cooldown'

export type Decision =
  | {
      accept: true
      /** Own utility after the price, micro-credits over the horizon. */
      netMicros: number
      /** Whether to probe the partner before signing. */
      needsProbe: boolean
    }
  | { accept: false; reason: DecisionRejectReason; netMicros?: number }

/**
 * Whether `self` agrees to swap with `partner` on `terms`, by its own
 * policy, its own profile (measured) and the partner's claimed profile
 * discounted by the partner's reputation.
 */
export function decide(
  self: SelfState,
  partner: MarketSide & { reputation: number },
  terms: PairTerms,
  link: SwapLink,
  nowMs: number,
  model: UtilityModel,
  policy: MarketPolicy,
): Decision {
  checkUtilityModel(model)
  checkMarketPolicy(policy)
  const trust = trustOf(partner.reputation)
  if (trust <= 0) return { accept: false, reason: 'banned' }
  if (terms.payer !== null && terms.payer !== self.vm && terms.payer !== partner.vm) {
    return { accept: false, reason: 'not-a-party' }
  }
  const u = swapUtility(
    self.needs,
    self.profile,
    partner.profile,
    link,
    model,
    policy.valueMicrosPerHour,
    trust,
  )
  if (!u.ok) return { accept: false, reason: u.reason }
  const price = priceFor(self.vm, terms)
  if (price < 0n && -price > policy.maxPriceMicros) return { accept: false, reason: 'price-above-max' }
  // The payee holds to its posted ask; a lower price is a different (refused) offer.
  if (price > 0n && price < self.askMicros) return { accept: false, reason: 'price-below-ask' }
  const netMicros = u.netMicros + Number(price)
  const value = valueOverHorizon(policy.valueMicrosPerHour, model)
  if (netMicros < policy.minGainFraction * value) return { accept: false, reason: 'below-margin', netMicros }
  const recent = self.lastSwapAtMs !== undefined && nowMs - self.lastSwapAtMs < policy.cooldownMs
  if (recent && netMicros < policy.largeGainFraction * value) {
    return { accept: false, reason: 'cooldown', netMicros }
  }
  return { accept: true, netMicros, needsProbe: policy.requireProbe || trust < 1 }
}

/** A candidate partner as the matching ranks it: the public pair and this side's private verdict. */
export interface Evaluation {
  pair: PublicPair
  decision: Decision
}

/**
 * Evaluates a partner from this VM's side: the public pair (welfare and
 * terms) and whether this VM accepts those terms. Null when the pair has no
 * terms at all. Also used to estimate the partner's own verdict: call it
 * with the roles exchanged and the partner's (public) state.
 */
export function evaluatePartner(
  self: SelfState,
  partner: MarketSide & { reputation: number },
  link: SwapLink,
  nowMs: number,
  model: UtilityModel,
  policy: MarketPolicy,
): Evaluation | null {
  const pair = publicPair(self, partner, link, model)
  if (pair === null) return null
  return { pair, decision: decide(self, partner, pair.terms, link, nowMs, model, policy) }
}
