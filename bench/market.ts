/**
 * bench:market — the decentralized matching against the centralized optimum
 * on random markets of one instance class (no pass/fail; figures printed).
 *
 * For N VMs (default 100, 1,000, 10,000; MARKET_SIZES=100,1000 to choose):
 * random locations (per-resource host factors, log-normal, with realistic
 * spreads and sample counts), random needs (disk-, CPU-, network-bound or
 * mixed), 30 % of the VMs asking a price, 10 % in their cooldown. Each agent
 * evaluates its whole class market (market-scan.ts, the same numbers as
 * decision.ts publicPair; one pass over the n(n-1)/2 pairs gives every
 * agent's public top L and its own), lists the best K = 16 partners by pair welfare
 * among those it accepts that rank it within their top L = 64
 * (candidates.ts), and runs the matching (matching.ts) over the in-memory
 * transport. The market graph is every agent's list, keeping the pairs both
 * sides accept by their private decisions.
 *
 * Yardsticks on that graph: the exact maximum-weight matching (blossom,
 * per connected component) when N <= MARKET_EXACT_MAX (default 10,000;
 * O(n^3) in the largest component: at 10,000 VMs only about 4,600 have an
 * edge, and it takes about 25 s), and always the LP upper bound
 * (optimum.ts), which is within 0.1 % of the exact optimum where both are
 * known (0.02 % at 10,000).
 *
 * Wall times per phase: ranking the market (all pairs), picking the
 * candidates, the matching session, and the two yardsticks; "market" is the
 * first three (what the agents do), "market CPU" the CPU time they took
 * (user + system, what the process got of the cores). Each row also gives the 1-minute load
 * average when it ended: on a shared machine times are only comparable at
 * similar loads.
 *
 * --dump DIR writes market-N.json per size: the agents, every mutually
 * acceptable pair of the graph with both sides' utilities, and both matchings.
 * --table FILE also writes the printed table there (Markdown).
 * Knobs: MARKET_SIZES, MARKET_EXACT_MAX, MARKET_SEED (1), MARKET_CRASH
 * (fraction of agents that crash mid-pairing, default 0), MARKET_PARAMS
 * (JSON: matching parameters other than the defaults), MARKET_GRAPH (JSON:
 * graph limits K = own, L = reach other than the defaults; with a larger K
 * give the matching a candidateLimit as large through MARKET_PARAMS).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_GRAPH_LIMITS, type GraphLimits, ownCandidates } from '../src/node/market/candidates.js'
import { DEFAULT_MARKET_POLICY, type MarketSide, type PairTerms } from '../src/node/market/decision.js'
import { InMemoryNetwork } from '../src/node/market/in-memory-transport.js'
import { MarketTable } from '../src/node/market/market-scan.js'
import {
  DEFAULT_MATCHING_PARAMS,
  evaluatorOf,
  type MatchCandidate,
  MatchingAgent,
  type MatchingParams,
  messageBound,
  sessionRounds,
} from '../src/node/market/matching.js'
import {
  matchingUpperBound,
  matchingWeight,
  maxWeightMatching,
  type WeightedEdge,
} from '../src/node/market/optimum.js'
import type { FastPair } from '../src/node/market/pair-table.js'
import { DEFAULT_UTILITY_MODEL, valueOverHorizon } from '../src/node/market/utility.js'
import type { Needs, Profile, ResourceName } from '../src/protocols/advert.js'

const SIZES = (process.env.MARKET_SIZES ?? '100,1000,10000').split(',').map(Number)
const EXACT_MAX = Number(process.env.MARKET_EXACT_MAX ?? 10_000)
const SEED = Number(process.env.MARKET_SEED ?? 1)
const CRASH = Number(process.env.MARKET_CRASH ?? 0)
/** MARKET_PARAMS='{"improvementCycles":64}': matching parameters other than the defaults. */
const PARAM_OVERRIDES: Partial<MatchingParams> = JSON.parse(process.env.MARKET_PARAMS ?? '{}')
const dumpAt = process.argv.indexOf('--dump')
const DUMP_DIR = dumpAt >= 0 ? process.argv[dumpAt + 1] : undefined
const tableAt = process.argv.indexOf('--table')
const TABLE_FILE = tableAt >= 0 ? process.argv[tableAt + 1] : undefined
const PARAMS: MatchingParams = { ...DEFAULT_MATCHING_PARAMS, ...PARAM_OVERRIDES }
/** MARKET_GRAPH='{"own":32}': market-graph limits other than the defaults (candidates.ts). */
const GRAPH: GraphLimits = { ...DEFAULT_GRAPH_LIMITS, ...JSON.parse(process.env.MARKET_GRAPH ?? '{}') }
const MODEL = DEFAULT_UTILITY_MODEL
const POLICY = DEFAULT_MARKET_POLICY
const DISK_BYTES = 50e9
const VALUE = valueOverHorizon(POLICY.valueMicrosPerHour, MODEL)

/** Deterministic PRNG (mulberry32): the same seed, the same markets. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Class medians, host-to-host log spread, and benchmark-to-benchmark relative spread range, per resource. */
const RESOURCES: Record<ResourceName, { median: number; hostSigma: number; noise: [number, number] }> = {
  cpu: { median: 1e9, hostSigma: 0.1, noise: [0.02, 0.05] },
  memoryBw: { median: 10_000, hostSigma: 0.1, noise: [0.03, 0.06] },
  diskRead: { median: 200, hostSigma: 0.3, noise: [0.05, 0.2] },
  diskWrite: { median: 150, hostSigma: 0.3, noise: [0.05, 0.2] },
  diskIops: { median: 10_000, hostSigma: 0.35, noise: [0.05, 0.2] },
  netBw: { median: 5_000, hostSigma: 0.2, noise: [0.05, 0.15] },
  netRtt: { median: 300, hostSigma: 0.25, noise: [0.05, 0.15] },
}
const WORKLOADS: ResourceName[][] = [
  ['diskRead', 'diskWrite', 'diskIops'],
  ['cpu', 'memoryBw'],
  ['netBw', 'netRtt'],
  ['cpu', 'diskRead', 'netBw'],
]

interface BenchAgent extends MarketSide {
  cooldown: boolean
}

function market(n: number, rnd: () => number): BenchAgent[] {
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
  const out: BenchAgent[] = []
  for (let i = 0; i < n; i++) {
    const profile: Profile = {}
    // A tenth of the locations are new: a handful of samples, so a wide confidence bound.
    const samples = rnd() < 0.1 ? 5 + Math.floor(rnd() * 15) : 20 + Math.floor(rnd() * 125)
    for (const [name, r] of Object.entries(RESOURCES)) {
      const median = r.median * Math.exp(r.hostSigma * gauss())
      const rel = r.noise[0] + (r.noise[1] - r.noise[0]) * rnd()
      profile[name as ResourceName] = { median, spread: rel * median, samples, windowMs: samples * 600_000 }
    }
    const focus = WORKLOADS[Math.floor(rnd() * WORKLOADS.length)]!
    const raw: Partial<Record<ResourceName, number>> = {}
    let sum = 0
    for (const name of Object.keys(RESOURCES) as ResourceName[]) {
      const w = (focus.includes(name) ? 1 + 2 * rnd() : 0) + 0.1 * rnd()
      raw[name] = w
      sum += w
    }
    const total = 0.8 + 0.2 * rnd()
    const needs: Needs = {}
    for (const [name, w] of Object.entries(raw))
      needs[name as ResourceName] = ((w ?? 0) / sum) * total * 0.999999
    const askMicros = rnd() < 0.3 ? BigInt(200_000 + Math.floor(rnd() * 1_800_000)) : 0n
    out.push({ vm: `vm${i}`, profile, needs, askMicros, cooldown: rnd() < 0.1 })
  }
  return out
}

/**
 * The private verdict of side `self` on a pair: `own` its public utility, `price` the money it
 * receives (positive) or pays (negative); the bench's agents use the default policy.
 */
function privatelyAccepts(self: BenchAgent, own: number, price: number): boolean {
  const net = own + price
  if (net < POLICY.minGainFraction * VALUE) return false
  if (-price > Number(POLICY.maxPriceMicros)) return false
  return !self.cooldown || net >= POLICY.largeGainFraction * VALUE
}

interface Row {
  n: number
  edges: number
  welfare: number
  phase1: number
  exact?: number
  bound: number
  settledRound: number
  lastMoveRound: number
  sentMean: number
  sentMax: number
  receivedMax: number
  crashed: number
  msRank: number
  /** CPU time of the three market phases (user + system), ms: less sensitive than wall time to a shared machine. */
  msMarketCpu: number
  msCandidates: number
  msMatching: number
  msExact?: number
  msBound: number
}

function run(n: number): Row {
  const rnd = prng(SEED * 1_000_003 + n)
  const agents = market(n, rnd)
  const index = new Map(agents.map((a, i) => [a.vm, i]))
  const table = new MarketTable(agents, DISK_BYTES, MODEL, POLICY)

  // Every agent evaluates its whole class market: its own ranking (the partners it accepts) and,
  // from the adverts, everyone's public ranking (what it can know of the others' choices).
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const L = GRAPH.reach
  const ranked = table.rankAll(L, (self, _peer, own, price) => privatelyAccepts(agents[self]!, own, price))
  const msRank = performance.now() - t0
  const pairOf = (i: number, j: number): FastPair | null => table.pair(i, j)
  const ownOf = (i: number, j: number, p: FastPair): number => (i < j ? p.aMicros : p.bMicros)
  const priceOf = (self: BenchAgent, terms: PairTerms): number =>
    terms.payer === null
      ? 0
      : terms.payer === self.vm
        ? -Number(terms.priceMicros)
        : Number(terms.priceMicros)
  const accepts = (i: number, j: number, p: FastPair): boolean =>
    privatelyAccepts(agents[i]!, ownOf(i, j, p), priceOf(agents[i]!, p.terms))
  const own = ranked.own!
  // Who ranks whom within their top L: the pool each agent picks its own K from.
  const pool: number[][] = agents.map(() => [])
  for (let v = 0; v < n; v++) for (const e of ranked.public.list(v)) pool[e.peer]!.push(v)
  const cands: MatchCandidate[][] = agents.map((_a, u) => {
    const ranking: MatchCandidate[] = []
    for (const v of pool[u]!) {
      const p = u < v ? pairOf(u, v) : pairOf(v, u)
      if (p === null || !accepts(u, v, p)) continue
      ranking.push({ peer: agents[v]!.vm, welfareMicros: p.welfareMicros, terms: p.terms })
    }
    ranking.sort((x, y) => y.welfareMicros - x.welfareMicros || (x.peer < y.peer ? -1 : 1))
    return ownCandidates(ranking, () => true, GRAPH)
  })
  const msCandidates = performance.now() - t0 - msRank

  // The market graph: every agent's edges, kept when both sides accept the pair.
  const edgeMap = new Map<number, { a: number; b: number; pair: FastPair }>()
  for (let i = 0; i < n; i++) {
    for (const c of cands[i]!) {
      const j = index.get(c.peer)!
      const a = Math.min(i, j)
      const b = Math.max(i, j)
      const key = a * n + b
      if (edgeMap.has(key)) continue
      const pair = pairOf(a, b)!
      // The lister accepts it by construction; the listed one takes it on if the lister is in its top L.
      if (accepts(a, b, pair) && accepts(b, a, pair) && own.has(i === a ? b : a, i)) {
        edgeMap.set(key, { a, b, pair })
      }
    }
  }
  const edges: WeightedEdge[] = [...edgeMap.values()].map((e) => ({
    a: e.a,
    b: e.b,
    w: e.pair.welfareMicros,
  }))

  // The decentralized matching, the same code as on the network, over the in-memory transport.
  const t1 = performance.now()
  const net = new InMemoryNetwork()
  const params = PARAMS
  const matchers = agents.map((self, i) => {
    const evaluate = (peer: string): MatchCandidate | null => {
      const j = index.get(peer)
      if (j === undefined || j === i || !own.has(i, j)) return null
      const p = i < j ? pairOf(i, j) : pairOf(j, i)
      if (p === null || !accepts(i, j, p)) return null
      return { peer, welfareMicros: p.welfareMicros, terms: p.terms }
    }
    return new MatchingAgent({
      id: self.vm,
      candidates: cands[i]!,
      evaluator: evaluatorOf(evaluate),
      transport: net,
      params,
    })
  })
  for (const m of matchers) net.add(m)
  const crashAt = Math.ceil(params.pairingRounds / 4)
  let crashed = 0
  const pairs = (): Int32Array => {
    const mate = new Int32Array(n).fill(-1)
    for (let i = 0; i < n; i++) {
      if (!net.present(agents[i]!.vm)) continue
      const r = matchers[i]!.result()
      if (r === null) continue
      const j = index.get(r.partner)!
      const back = matchers[j]!.result()
      if (net.present(r.partner) && back?.partner === agents[i]!.vm) mate[i] = j
    }
    return mate
  }
  let settledRound = 0
  let lastMoveRound = 0
  let phase1Mate: Int32Array = new Int32Array(n).fill(-1)
  let prev = ''
  for (let round = 1; round <= sessionRounds(params); round++) {
    if (CRASH > 0 && round === crashAt) {
      for (let i = 0; i < n; i++) {
        if (rnd() < CRASH) {
          net.crash(agents[i]!.vm)
          crashed++
        }
      }
    }
    net.runRound(round)
    const snapshot = pairs()
    const key = snapshot.join(',')
    if (key !== prev) {
      if (round <= params.pairingRounds) settledRound = round
      else lastMoveRound = round
      prev = key
    }
    if (round === params.pairingRounds) phase1Mate = snapshot
  }
  const mate = pairs()
  const msMatching = performance.now() - t1
  const cpu = process.cpuUsage(cpu0)
  const msMarketCpu = (cpu.user + cpu.system) / 1000
  const welfare = matchingWeight(n, edges, mate)
  const phase1 = matchingWeight(n, edges, phase1Mate)
  const sentPer = matchers.map((m) => m.sentTotal())
  const bound = messageBound(params)
  for (const [i, s] of sentPer.entries()) {
    if (s > bound) throw new Error(`agent ${agents[i]!.vm} sent ${s} messages, above the bound ${bound}`)
  }
  const receivedMax = Math.max(...matchers.map((m) => m.stats().received))

  const t2 = performance.now()
  const upper = matchingUpperBound(n, edges)
  const msBound = performance.now() - t2
  let exact: number | undefined
  let msExact: number | undefined
  let optMate: Int32Array | undefined
  if (n <= EXACT_MAX) {
    const t3 = performance.now()
    const opt = maxWeightMatching(n, edges)
    msExact = performance.now() - t3
    exact = opt.weight
    optMate = opt.mate
  }

  if (DUMP_DIR !== undefined) {
    mkdirSync(DUMP_DIR, { recursive: true })
    const pairsOf = (m: Int32Array) =>
      [...m.entries()].filter(([i, j]) => j > i).map(([i, j]) => [agents[i]!.vm, agents[j]!.vm])
    const json = {
      n,
      seed: SEED,
      model: MODEL,
      policy: { ...POLICY, maxPriceMicros: POLICY.maxPriceMicros.toString() },
      params,
      agents: agents.map((a) => ({ ...a, askMicros: a.askMicros.toString() })),
      pairs: [...edgeMap.values()].map((e) => ({
        a: agents[e.a]!.vm,
        b: agents[e.b]!.vm,
        aMicros: e.pair.aMicros,
        bMicros: e.pair.bMicros,
        welfareMicros: e.pair.welfareMicros,
        terms: { payer: e.pair.terms.payer, priceMicros: e.pair.terms.priceMicros.toString() },
      })),
      decentralized: { welfareMicros: welfare, pairs: pairsOf(mate) },
      optimum: optMate === undefined ? null : { welfareMicros: exact, pairs: pairsOf(optMate) },
      upperBoundMicros: upper,
    }
    writeFileSync(join(DUMP_DIR, `market-${n}.json`), JSON.stringify(json))
  }

  return {
    n,
    edges: edges.length,
    welfare,
    phase1,
    exact,
    bound: upper,
    settledRound,
    lastMoveRound,
    sentMean: sentPer.reduce((a, b) => a + b, 0) / n,
    sentMax: Math.max(...sentPer),
    receivedMax,
    crashed,
    msRank,
    msMarketCpu,
    msCandidates,
    msMatching,
    msExact,
    msBound,
  }
}

const pct = (x: number, of: number | undefined): string =>
  of === undefined || of <= 0 ? '-' : `${((100 * x) / of).toFixed(1)} %`
const s = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`)

const lines: string[] = []
const out = (line: string): void => {
  console.log(line)
  lines.push(line)
}
out(
  `market: K=${GRAPH.own}, L=${GRAPH.reach}, session ${sessionRounds(PARAMS)} rounds, message bound ${messageBound(PARAMS)} per agent, seed ${SEED}, ${cpus().length} cores${CRASH > 0 ? `, ${CRASH * 100} % crash in round ${Math.ceil(PARAMS.pairingRounds / 4)}` : ''}`,
)
out(
  '| VMs | pairs in graph | welfare (credits) | of optimum (exact) | of LP bound | phase 1 alone | phase 1 settled | last move | msgs/agent mean | max | received max | rank market | candidates | matching | market | market CPU | exact | bound | load |',
)
out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const n of SIZES) {
  const r = run(n)
  out(
    `| ${r.n.toLocaleString('en')}${r.crashed > 0 ? ` (${r.crashed} crashed)` : ''} | ${r.edges.toLocaleString('en')} | ${(r.welfare / 1e6).toFixed(1)} | ${pct(r.welfare, r.exact)} | ${pct(r.welfare, r.bound)} | ${pct(r.phase1, r.exact ?? r.bound)} | ${r.settledRound} | ${r.lastMoveRound} | ${r.sentMean.toFixed(1)} | ${r.sentMax} | ${r.receivedMax} | ${s(r.msRank)} | ${s(r.msCandidates)} | ${s(r.msMatching)} | ${s(r.msRank + r.msCandidates + r.msMatching)} | ${s(r.msMarketCpu)} | ${s(r.msExact)} | ${s(r.msBound)} | ${loadavg()[0]!.toFixed(1)} |`,
  )
}
if (TABLE_FILE !== undefined) writeFileSync(TABLE_FILE, `${lines.join('\n')}\n`)
