import fc from 'fast-check'
import t from 'tap'
import { sameTerms } from '../../../src/node/market/decision.js'
import { InMemoryNetwork } from '../../../src/node/market/in-memory-transport.js'
import {
  DEFAULT_MATCHING_PARAMS,
  MatchingAgent,
  type MatchingParams,
  messageBound,
  sessionRounds,
} from '../../../src/node/market/matching.js'
import type { MatchMessage } from '../../../src/node/market/matching-messages.js'
import { maxWeightMatching } from '../../../src/node/market/optimum.js'
import { agreements, buildMarket, type Market, sideArb } from './market-fixture.js'

/** Short sessions keep the property runs cheap; the defaults are exercised by bench:market. */
const PARAMS: Partial<MatchingParams> = { pairingRounds: 12, improvementCycles: 4 }
const ROUNDS = sessionRounds({ ...DEFAULT_MATCHING_PARAMS, ...PARAMS })

interface Leave {
  agent: number
  round: number
  polite: boolean
}

/** Runs a whole session; agents leave as told. Returns the message count sent after the session. */
function run(m: Market, leaves: Leave[] = []): number {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const l of leaves) {
      if (l.round !== round || l.agent >= m.agents.length) continue
      if (l.polite) m.net.leave(m.agents[l.agent]!.id)
      else m.net.crash(m.agents[l.agent]!.id)
    }
    m.net.runRound(round)
    // At every round, an agent names at most one partner, and mutual pairs form a matching.
    const seen = new Set<number>()
    for (const [a, b] of agreements(m)) {
      if (seen.has(a) || seen.has(b)) throw new Error(`agent in two agreements at round ${round}`)
      seen.add(a)
      seen.add(b)
    }
  }
  let after = 0
  m.net.onSend = () => {
    after++
  }
  m.net.runRound(ROUNDS + 1)
  return after
}

/** What is wrong with a finished session, if anything. */
function problems(m: Market): string[] {
  const out: string[] = []
  for (const [i, j] of agreements(m)) {
    const ri = m.agents[i]!.result()!
    const rj = m.agents[j]!.result()!
    // Both sides name the same terms, and each accepts them by its own decision (after price).
    if (!sameTerms(ri.terms, rj.terms)) out.push(`terms differ between ${i} and ${j}`)
    if (!m.accepts(i, j, ri.terms) || !m.accepts(j, i, rj.terms)) {
      out.push(`agreement ${i}-${j} leaves a party worse off by its own utility`)
    }
  }
  for (const a of m.agents) {
    if (a.sentTotal() > messageBound(a.params)) out.push(`${a.id} sent ${a.sentTotal()} messages`)
    if (m.net.present(a.id) && !a.finished()) out.push(`${a.id} did not finish`)
  }
  return out
}

function noProblems(m: Market): boolean {
  const p = problems(m)
  if (p.length > 0) throw new Error(p.join('; '))
  return true
}

t.test(
  'random markets: agreements are mutual, acceptable to both, disjoint; bounded messages and rounds',
  async (t) => {
    fc.assert(
      fc.property(fc.array(sideArb, { minLength: 2, maxLength: 24 }), (specs) => {
        const m = buildMarket(specs, { params: PARAMS })
        const after = run(m)
        return noProblems(m) && after === 0
      }),
      { numRuns: 60 },
    )
    t.pass('holds on every generated market')
  },
)

t.test(
  'consistent markets: the welfare reached is at least half the optimum (locally heaviest edge)',
  async (t) => {
    fc.assert(
      fc.property(fc.array(sideArb, { minLength: 2, maxLength: 20 }), (specs) => {
        const m = buildMarket(specs, { params: PARAMS })
        run(m)
        const index = new Map(m.agents.map((a, i) => [a.id, i]))
        // The graph the agents negotiate over, pairs both sides accept.
        const edges = new Map<string, { a: number; b: number; w: number }>()
        for (const [i, a] of m.agents.entries()) {
          for (const c of a.candidates()) {
            const j = index.get(c.peer)!
            if (!m.accepts(i, j, c.terms) || !m.accepts(j, i, c.terms)) continue
            edges.set(i < j ? `${i}-${j}` : `${j}-${i}`, {
              a: Math.min(i, j),
              b: Math.max(i, j),
              w: c.welfareMicros,
            })
          }
        }
        const opt = maxWeightMatching(specs.length, [...edges.values()]).weight
        const got = agreements(m).reduce((s, [i]) => s + m.agents[i]!.result()!.welfareMicros, 0)
        return got >= opt / 2 - 1e-6
      }),
      { numRuns: 40 },
    )
    t.pass('holds on every generated market')
  },
)

t.test(
  'phase-2 moves never lower the welfare, and leave a matching every pair of which both sides accept',
  async (t) => {
    // Short lists (K = 3, L = 6) leave phase 1 short of the optimum and the lists one-sided, so
    // that the improvement moves (augmenting paths, exchanges, steals, paired third targets) and
    // the introductions at the start of phase 2 have work to do.
    const params: Partial<MatchingParams> = { pairingRounds: 12, improvementCycles: 10 }
    const rounds = sessionRounds({ ...DEFAULT_MATCHING_PARAMS, ...params })
    let improved = 0
    fc.assert(
      fc.property(fc.array(sideArb, { minLength: 4, maxLength: 24 }), (specs) => {
        const m = buildMarket(specs, { params, limits: { own: 3, reach: 6 } })
        const welfare = (): number =>
          agreements(m).reduce((s, [i]) => s + m.agents[i]!.result()!.welfareMicros, 0)
        let last = 0
        let afterPairing = 0
        for (let round = 1; round <= rounds; round++) {
          m.net.runRound(round)
          const seen = new Set<number>()
          for (const [a, b] of agreements(m)) {
            if (seen.has(a) || seen.has(b)) throw new Error(`agent in two agreements at round ${round}`)
            seen.add(a)
            seen.add(b)
          }
          const w = welfare()
          if (round > 12 && w < last - 1e-6) {
            throw new Error(`round ${round} lowered the welfare from ${last} to ${w}`)
          }
          if (round === 12) afterPairing = w
          last = w
        }
        if (last > afterPairing + 1e-6) improved++
        return noProblems(m)
      }),
      { numRuns: 80 },
    )
    t.ok(improved > 0, `phase 2 raised the welfare in ${improved} of 80 markets`)
  },
)

t.test('agents leaving mid-round (crashing or politely) break nothing', async (t) => {
  const leaveArb = fc.array(
    fc.record({ agent: fc.nat({ max: 23 }), round: fc.integer({ min: 1, max: 30 }), polite: fc.boolean() }),
    { maxLength: 6 },
  )
  fc.assert(
    fc.property(fc.array(sideArb, { minLength: 2, maxLength: 24 }), leaveArb, (specs, leaves) => {
      const m = buildMarket(specs, { params: PARAMS })
      const after = run(m, leaves)
      for (const [i, j] of agreements(m)) {
        if (!m.net.present(m.agents[i]!.id) || !m.net.present(m.agents[j]!.id)) return false
      }
      return noProblems(m) && after === 0
    }),
    { numRuns: 60 },
  )
  t.pass('holds on every generated market')
})

t.test('stale views (each side sees a pair with a different weight) still end, safely', async (t) => {
  fc.assert(
    fc.property(
      fc.array(sideArb, { minLength: 2, maxLength: 24 }),
      fc.integer({ min: 1, max: 1000 }),
      (specs, seed) => {
        const m = buildMarket(specs, { params: PARAMS, noise: 0.3, seed })
        const after = run(m)
        return noProblems(m) && after === 0
      },
    ),
    { numRuns: 60 },
  )
  t.pass('holds on every generated market')
})

t.test('a small market pairs its complementary VMs', async (t) => {
  // Two disk-bound VMs on CPU-rich hosts and two CPU-bound VMs on disk-rich hosts.
  const disk = {
    disk: 0.5,
    cpu: 1.5,
    rtt: 1,
    wDisk: 1,
    wCpu: 0,
    wRtt: 0,
    ask: 0,
    recentSwap: false,
    reputation: 0,
  }
  const cpu = {
    disk: 2,
    cpu: 0.7,
    rtt: 1,
    wDisk: 0,
    wCpu: 1,
    wRtt: 0,
    ask: 0,
    recentSwap: false,
    reputation: 0,
  }
  const m = buildMarket([disk, cpu, disk, cpu], { params: PARAMS })
  run(m)
  const pairs = agreements(m)
  t.equal(pairs.length, 2, 'everyone is paired')
  for (const [i, j] of pairs) t.not(i % 2, j % 2, 'each pair joins a disk-bound and a CPU-bound VM')
})

t.test('messages are checked: replays, foreign and stale messages are dropped and counted', async (t) => {
  const net = new InMemoryNetwork()
  const a = new MatchingAgent({
    id: 'a',
    candidates: [{ peer: 'b', welfareMicros: 10, terms: { payer: null, priceMicros: 0n } }],
    evaluator: { evaluate: () => null, accepts: () => true },
    transport: net,
    params: PARAMS,
  })
  a.tick(1)
  const propose = {
    kind: 'propose' as const,
    from: 'b',
    to: 'a',
    round: 1,
    seq: 5,
    phase: 1 as const,
    terms: { payer: null, priceMicros: 0n },
    welfareMicros: 10,
  }
  a.receive(propose)
  a.receive(propose)
  a.receive({ ...propose, to: 'c', seq: 6 })
  a.tick(2)
  a.tick(9)
  a.receive({ ...propose, seq: 7, round: 1 })
  const d = a.stats().dropped
  t.equal(d['duplicate-seq'], 1, 'a replayed sequence number')
  t.equal(d.unexpected, 1, 'a message for someone else')
  t.equal(d['stale-round'], 1, 'a message from rounds long past')
  t.throws(() => a.tick(9), { name: 'MarketError', code: 'BAD_DRIVE' }, 'rounds only go forward')
})

t.test(
  'an agent that begins late enters the round of the clock, then pairs on the messages held for it',
  async (t) => {
    const terms = { payer: null, priceMicros: 0n }
    const agents = new Map<string, MatchingAgent>()
    const begun = new Set<string>()
    const wire: MatchMessage[] = []
    const held: MatchMessage[] = []
    const transport = { send: (m: MatchMessage) => void wire.push(m) }
    // What the libp2p transport does: a message for an agent whose session has not begun is held.
    const deliver = () => {
      for (let m = wire.shift(); m !== undefined; m = wire.shift()) {
        if (begun.has(m.to)) agents.get(m.to)!.receive(m)
        else held.push(m)
      }
    }
    const agent = (id: string, peer: string) =>
      new MatchingAgent({
        id,
        candidates: [{ peer, welfareMicros: 10, terms }],
        evaluator: { evaluate: () => null, accepts: () => true },
        transport,
        params: PARAMS,
      })
    const early = agent('a', 'b')
    const late = agent('b', 'a')
    agents.set('a', early).set('b', late)
    begun.add('a')
    early.tick(1)
    deliver()
    early.tick(2)
    deliver()
    t.equal(held.length, 1, "a's proposal waits for b's session")
    // b begins two rounds late: the round the clock is in first, then what was held.
    begun.add('b')
    late.tick(3)
    for (const m of held.splice(0)) late.receive(m)
    early.tick(3)
    deliver()
    t.equal(early.result()?.partner, 'b')
    t.equal(late.result()?.partner, 'a')
  },
)
