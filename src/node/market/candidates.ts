/**
 * Which partners an agent negotiates with: its edges in the market graph.
 *
 * Every agent ranks its class market by pair welfare (pair-table.ts or
 * decision.ts publicPair), among the partners it accepts. Listing its own
 * top K alone makes the graph lopsided: the same few locations top every
 * list, each must answer hundreds of proposals, and everyone else waits on
 * them in vain while their real chances go unlisted. So an agent lists the
 * best K (by welfare) of the partners that rank IT within their top L:
 * partners for which it is a real option. It can tell, computing their
 * rankings from the adverts. A partner accepts a proposal from anyone within
 * its own top L (evaluated on demand). An agent's degree is then at most
 * K + L: its own K, and at most L proposers (only agents it ranks within
 * its top L may list it). K = 32, L = 64; bench:market prints the optimum
 * over this graph against the LP bound over it, and where it is computed,
 * the graph's figures.
 */
import type { MatchCandidate } from './matching.js'

export interface GraphLimits {
  /** K: partners an agent picks from its own ranking. */
  own: number
  /** L: how far down the other's ranking an agent may be and still be picked. */
  reach: number
}

/**
 * K = 32: at 10,000 VMs half the lists that are not empty fill K = 16, and
 * K = 32 raises the welfare reached by 5.6 % (bench:market, seed 1: 11,985
 * credits against 11,353, above the K = 16 graph's optimum of 11,944); at
 * 100 and 1,000 VMs it changes the welfare by under 0.4 %.
 */
export const DEFAULT_GRAPH_LIMITS: Readonly<GraphLimits> = { own: 32, reach: 64 }

/** Maximum degree of an agent in the market graph. */
export function maxDegree(limits: GraphLimits): number {
  return limits.own + limits.reach
}

/**
 * The agent's own list. `ownRanking`: the partners it accepts, best first.
 * `ranksMe(peer)`: whether this agent is within `peer`'s top `reach`, as it
 * computes `peer`'s ranking from the adverts.
 */
export function ownCandidates(
  ownRanking: Iterable<MatchCandidate>,
  ranksMe: (peer: string) => boolean,
  limits: GraphLimits = DEFAULT_GRAPH_LIMITS,
): MatchCandidate[] {
  const out: MatchCandidate[] = []
  for (const c of ownRanking) {
    if (out.length >= limits.own) break
    if (ranksMe(c.peer)) out.push(c)
  }
  return out
}
