/**
 * Small markets for the matching tests: sides from fast-check, candidates
 * from the real decision code (publicPair, decide) and the real graph rule
 * (ownCandidates), agents over the in-memory transport.
 */
import fc from 'fast-check'
import { DEFAULT_GRAPH_LIMITS, type GraphLimits, ownCandidates } from '../../../src/node/market/candidates.js'
import {
  DEFAULT_MARKET_POLICY,
  decide,
  type MarketPolicy,
  type PairTerms,
  publicPair,
  type SelfState,
} from '../../../src/node/market/decision.js'
import { InMemoryNetwork } from '../../../src/node/market/in-memory-transport.js'
import { type MatchCandidate, MatchingAgent, type MatchingParams } from '../../../src/node/market/matching.js'
import { advertisedLink, DEFAULT_UTILITY_MODEL } from '../../../src/node/market/utility.js'
import type { Profile, ResourceStat } from '../../../src/protocols/advert.js'

export const NOW = 1_000_000_000_000
export const DISK_BYTES = 20e9
export const MODEL = DEFAULT_UTILITY_MODEL
export const POLICY: MarketPolicy = DEFAULT_MARKET_POLICY

const stat = (median: number, rel = 0.05, samples = 60): ResourceStat => ({
  median,
  spread: median * rel,
  samples,
  windowMs: samples * 600_000,
})

/** One side: host factors on three resources, needs over them, an ask, maybe a recent swap. */
export const sideArb = fc.record({
  disk: fc.double({ min: 0.4, max: 2.5, noNaN: true }),
  cpu: fc.double({ min: 0.6, max: 1.6, noNaN: true }),
  rtt: fc.double({ min: 0.5, max: 2, noNaN: true }),
  wDisk: fc.double({ min: 0, max: 1, noNaN: true }),
  wCpu: fc.double({ min: 0, max: 1, noNaN: true }),
  wRtt: fc.double({ min: 0, max: 1, noNaN: true }),
  ask: fc.oneof(fc.constant(0), fc.integer({ min: 100_000, max: 3_000_000 })),
  recentSwap: fc.boolean(),
  reputation: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -14, max: 5 })),
})
export type SideSpec = typeof sideArb extends fc.Arbitrary<infer T> ? T : never

export function selfOf(spec: SideSpec, i: number): SelfState {
  const profile: Profile = {
    diskRead: stat(200 * spec.disk, 0.1),
    cpu: stat(1e9 * spec.cpu, 0.03),
    netRtt: stat(300 * spec.rtt, 0.08),
    netBw: stat(5000),
  }
  const sum = spec.wDisk + spec.wCpu + spec.wRtt || 1
  const self: SelfState = {
    vm: `vm${String(i).padStart(3, '0')}`,
    profile,
    needs: {
      diskRead: (0.99 * spec.wDisk) / sum,
      cpu: (0.99 * spec.wCpu) / sum,
      netRtt: (0.99 * spec.wRtt) / sum,
    },
    askMicros: BigInt(spec.ask),
  }
  if (spec.recentSwap) self.lastSwapAtMs = NOW - 3600_000
  return self
}

export interface Market {
  selves: SelfState[]
  specs: SideSpec[]
  net: InMemoryNetwork
  agents: MatchingAgent[]
  /** The private verdict of `i` on a pair with `j` under `terms`. */
  accepts(i: number, j: number, terms: PairTerms): boolean
}

/**
 * Builds the market. `noise` (0 = none) perturbs each agent's view of the
 * pair welfare by up to that fraction, as stale adverts would: the weights
 * two agents see for one pair then differ.
 */
export function buildMarket(
  specs: SideSpec[],
  opts: { params?: Partial<MatchingParams>; limits?: GraphLimits; noise?: number; seed?: number } = {},
): Market {
  const selves = specs.map(selfOf)
  const n = selves.length
  const index = new Map(selves.map((s, i) => [s.vm, i]))
  const link = (i: number, j: number) => advertisedLink(DISK_BYTES, selves[i]!.profile, selves[j]!.profile)
  // Reputation of j as i sees it: the spec's reputation of j, the same for every observer.
  const accepts = (i: number, j: number, terms: PairTerms): boolean =>
    decide(
      selves[i]!,
      { ...selves[j]!, reputation: specs[j]!.reputation },
      terms,
      link(i, j),
      NOW,
      MODEL,
      POLICY,
    ).accept
  let seed = opts.seed ?? 7
  const jitter = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return 1 + (opts.noise ?? 0) * (2 * (seed / 2 ** 32) - 1)
  }
  const pairs = new Map<string, ReturnType<typeof publicPair>>()
  const pairOf = (i: number, j: number) => {
    const key = i < j ? `${i}-${j}` : `${j}-${i}`
    if (!pairs.has(key)) {
      const [a, b] = i < j ? [i, j] : [j, i]
      pairs.set(key, publicPair(selves[a]!, selves[b]!, link(a, b), MODEL))
    }
    return pairs.get(key) ?? null
  }
  // Each agent's own ranking (partners it accepts) and everyone's public ranking, as it would compute them.
  const views: { peer: number; w: number; terms: PairTerms }[][] = selves.map(() => [])
  const publicViews: { peer: number; w: number }[][] = selves.map(() => [])
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue
      const p = pairOf(i, j)
      if (p === null) continue
      const w = p.welfareMicros * jitter()
      publicViews[i]!.push({ peer: j, w: p.welfareMicros })
      if (accepts(i, j, p.terms)) views[i]!.push({ peer: j, w, terms: p.terms })
    }
    views[i]!.sort((x, y) => y.w - x.w || x.peer - y.peer)
    publicViews[i]!.sort((x, y) => y.w - x.w || x.peer - y.peer)
  }
  const rank = publicViews.map((list) => new Map(list.map((e, r) => [selves[e.peer]!.vm, r])))
  const net = new InMemoryNetwork()
  const agents = selves.map((self, i) => {
    const ranking: MatchCandidate[] = views[i]!.map((e) => ({
      peer: selves[e.peer]!.vm,
      welfareMicros: e.w,
      terms: e.terms,
    }))
    const limits = opts.limits ?? DEFAULT_GRAPH_LIMITS
    // Proposers within our top L are taken on when they propose.
    const byPeer = new Map(ranking.slice(0, limits.reach).map((c) => [c.peer, c]))
    return new MatchingAgent({
      id: self.vm,
      candidates: ownCandidates(
        ranking,
        (peer) => (rank[index.get(peer)!]!.get(self.vm) ?? Infinity) < limits.reach,
        limits,
      ),
      evaluator: {
        evaluate: (peer) => byPeer.get(peer) ?? null,
        accepts: (peer, terms) => {
          const j = index.get(peer)
          return j !== undefined && accepts(i, j, terms)
        },
      },
      transport: net,
      params: opts.params ?? {},
    })
  })
  for (const a of agents) net.add(a)
  return { selves, specs, net, agents, accepts }
}

/** Pairs both of whose members are present and name each other, as index pairs. */
export function agreements(m: Market): [number, number][] {
  const index = new Map(m.selves.map((s, i) => [s.vm, i]))
  const out: [number, number][] = []
  for (const [i, a] of m.agents.entries()) {
    if (!m.net.present(a.id)) continue
    const r = a.result()
    if (r === null) continue
    const j = index.get(r.partner)!
    const back = m.agents[j]!.result()
    if (i < j && m.net.present(r.partner) && back?.partner === a.id) out.push([i, j])
  }
  return out
}
