/**
 * Who swaps with whom, decided for the owners from their VMs' adverts: the
 * market core's own rule (src/node/market/decision.ts over utility.ts), as
 * the agents apply it. Every pair's public terms come from the two adverts'
 * profiles and needs (publicPair); each side then decides by its own policy
 * (decide); pairs both sides accept are taken by welfare, best first, each
 * VM in at most one swap. The agents' negotiation service will take this
 * over: a run needs only a SwapDecider, and this module is the one to
 * replace by it.
 */

import {
  DEFAULT_MARKET_POLICY,
  type DecisionRejectReason,
  decide,
  type MarketPolicy,
  publicPair,
} from '../../node/market/decision.js'
import { advertisedLink, DEFAULT_UTILITY_MODEL, type UtilityModel } from '../../node/market/utility.js'
import type { Needs, Profile } from '../../protocols/advert.js'

/** A VM as its advert shows it to the market. */
export interface SwapCandidate {
  vm: string
  location: string
  profile: Profile
  needs: Needs
  askMicros: bigint
  /** Its instance class's disk, bytes (what a swap moves at most). */
  diskBytes: number
  /** When it last swapped, ms since the epoch. */
  lastSwapAtMs?: number
}

export interface PlannedSwap {
  /** Side a and side b of the agreement. */
  a: SwapCandidate
  b: SwapCandidate
  /** Each side's net utility, micro-credits over the horizon (after the price). */
  aMicros: number
  bMicros: number
  welfareMicros: number
}

/** Why a pair was not taken, for the run's log. */
export interface PairVerdict {
  vms: [string, string]
  taken: boolean
  why: 'no-terms' | DecisionRejectReason | 'accepted' | 'a-side-taken'
}

export interface SwapDecider {
  /** The swaps to register now among `candidates`, and a verdict per pair. */
  decide(
    candidates: readonly SwapCandidate[],
    nowMs: number,
  ): { swaps: PlannedSwap[]; verdicts: PairVerdict[] }
}

export interface MarketRuleOptions {
  model?: UtilityModel
  policy?: MarketPolicy
}

/** The market core's rule, applied for every owner with the defaults the agents use. */
export function marketRuleDecider(o: MarketRuleOptions = {}): SwapDecider {
  const model = o.model ?? DEFAULT_UTILITY_MODEL
  const policy = o.policy ?? DEFAULT_MARKET_POLICY
  return {
    decide(candidates, nowMs) {
      const verdicts: PairVerdict[] = []
      const accepted: PlannedSwap[] = []
      for (let i = 0; i < candidates.length; i++)
        for (let j = i + 1; j < candidates.length; j++) {
          const a = candidates[i]!
          const b = candidates[j]!
          const vms: [string, string] = [a.vm, b.vm]
          const link = advertisedLink(Math.max(a.diskBytes, b.diskBytes), a.profile, b.profile)
          const pair = publicPair(a, b, link, model)
          if (pair === null) {
            verdicts.push({ vms, taken: false, why: 'no-terms' })
            continue
          }
          const da = decide(a, { ...b, reputation: 0 }, pair.terms, link, nowMs, model, policy)
          const db = decide(b, { ...a, reputation: 0 }, pair.terms, link, nowMs, model, policy)
          if (!da.accept || !db.accept) {
            verdicts.push({
              vms,
              taken: false,
              why: !da.accept ? da.reason : (db as { reason: DecisionRejectReason }).reason,
            })
            continue
          }
          accepted.push({
            a,
            b,
            aMicros: da.netMicros,
            bMicros: db.netMicros,
            welfareMicros: da.netMicros + db.netMicros,
          })
        }
      accepted.sort((x, y) => y.welfareMicros - x.welfareMicros)
      const busy = new Set<string>()
      const swaps: PlannedSwap[] = []
      for (const s of accepted) {
        const free = !busy.has(s.a.vm) && !busy.has(s.b.vm)
        verdicts.push({ vms: [s.a.vm, s.b.vm], taken: free, why: free ? 'accepted' : 'a-side-taken' })
        if (!free) continue
        busy.add(s.a.vm)
        busy.add(s.b.vm)
        swaps.push(s)
      }
      return { swaps, verdicts }
    },
  }
}
