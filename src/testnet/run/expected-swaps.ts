/**
 * Which swaps the market's rule expects among the VMs of a run, from their
 * adverts: the market core's own rule (src/node/market/decision.ts over
 * utility.ts) with the public model and the default policy, as each agent
 * estimates its partner's verdict. Every pair's public terms come from the
 * two adverts' profiles and needs (publicPair); each side then decides
 * (decide); pairs both sides accept are taken by welfare, best first, each
 * VM in at most one swap. The run does not act on it: the agents negotiate
 * and register their swaps themselves; this is the yardstick the run's
 * verdict holds their agreements to, and what tells a run that has nothing
 * left to find from one whose agents are still measuring.
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

export interface ExpectedSwap {
  /** The pair: a is the first of the two in the candidates. */
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

export interface Expectation {
  /** The swaps the rule takes now, best first. */
  swaps: ExpectedSwap[]
  /** A verdict per pair. */
  verdicts: PairVerdict[]
}

export interface MarketRuleOptions {
  model?: UtilityModel
  policy?: MarketPolicy
}

/** The market core's rule over `candidates`, for every owner with the defaults the agents use. */
export function expectedSwaps(
  candidates: readonly SwapCandidate[],
  nowMs: number,
  o: MarketRuleOptions = {},
): Expectation {
  const model = o.model ?? DEFAULT_UTILITY_MODEL
  const policy = o.policy ?? DEFAULT_MARKET_POLICY
  const verdicts: PairVerdict[] = []
  const accepted: ExpectedSwap[] = []
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
  const swaps: ExpectedSwap[] = []
  for (const s of accepted) {
    const free = !busy.has(s.a.vm) && !busy.has(s.b.vm)
    verdicts.push({ vms: [s.a.vm, s.b.vm], taken: free, why: free ? 'accepted' : 'a-side-taken' })
    if (!free) continue
    busy.add(s.a.vm)
    busy.add(s.b.vm)
    swaps.push(s)
  }
  return { swaps, verdicts }
}
