import fc from 'fast-check'
import t from 'tap'
import { MarketTable, NO_TERMS, TopLists } from '../../../src/node/market/market-scan.js'
import { compileSide, fastPublicPair } from '../../../src/node/market/pair-table.js'
import { DISK_BYTES, MODEL, POLICY, selfOf, sideArb } from './market-fixture.js'

t.test('the market table computes exactly what fastPublicPair computes, both ways round', async (t) => {
  fc.assert(
    fc.property(sideArb, sideArb, (x, y) => {
      const a = selfOf(x, 0)
      const b = selfOf(y, 1)
      const table = new MarketTable([a, b], DISK_BYTES, MODEL)
      for (const [i, j, p, q] of [
        [0, 1, a, b],
        [1, 0, b, a],
      ] as const) {
        const want = fastPublicPair(compileSide(p, MODEL), compileSide(q, MODEL), DISK_BYTES, MODEL)
        const got = table.pair(i, j)
        if (want === null || got === null) {
          if (want !== got) return false
          continue
        }
        if (got.aMicros !== want.aMicros || got.bMicros !== want.bMicros) return false
        if (got.terms.payer !== want.terms.payer || got.terms.priceMicros !== want.terms.priceMicros)
          return false
      }
      return true
    }),
    { numRuns: 500 },
  )
  t.pass('bit-for-bit equal on every generated pair')
})

/** Brute force: every pair evaluated in full, lists sorted, cut at `reach`. */
function bruteForce(
  table: MarketTable,
  reach: number,
  accepts: (self: number, own: number, price: number) => boolean,
): { pub: number[][]; own: number[][] } {
  const n = table.n
  const pub: { peer: number; w: number }[][] = []
  const own: { peer: number; w: number }[][] = []
  for (let i = 0; i < n; i++) {
    pub.push([])
    own.push([])
    for (let j = 0; j < n; j++) {
      if (i === j) continue
      const [a, b] = i < j ? [i, j] : [j, i]
      const code = table.evaluate(a, b)
      if (code === NO_TERMS) continue
      const w = table.firstMicros + table.secondMicros
      pub[i]!.push({ peer: j, w })
      const mine = i === a ? table.firstMicros : table.secondMicros
      if (accepts(i, mine, table.priceFor(code, a, b, i))) own[i]!.push({ peer: j, w })
    }
  }
  const cut = (lists: { peer: number; w: number }[][]) =>
    lists.map((l) =>
      l
        .sort((x, y) => y.w - x.w || x.peer - y.peer)
        .slice(0, reach)
        .map((e) => e.peer),
    )
  return { pub: cut(pub), own: cut(own) }
}

t.test('one pass ranks every side as brute force does, with early rejection', async (t) => {
  fc.assert(
    fc.property(
      fc.array(sideArb, { minLength: 2, maxLength: 30 }),
      fc.integer({ min: 1, max: 8 }),
      fc.double({ min: 0, max: 0.2, noNaN: true }),
      (specs, reach, strict) => {
        const sides = specs.map(selfOf)
        const table = new MarketTable(sides, DISK_BYTES, MODEL, POLICY)
        // A private verdict stricter than the public margin for some sides, by index.
        const accepts = (self: number, own: number, price: number): boolean =>
          own + price >= (self % 3 === 0 ? strict : 0.02) * 1.68e7
        const want = bruteForce(table, reach, accepts)
        const got = table.rankAll(reach, (self, _peer, own, price) => accepts(self, own, price))
        for (let i = 0; i < sides.length; i++) {
          const pub = got.public.list(i).map((e) => e.peer)
          const own = got.own!.list(i).map((e) => e.peer)
          if (pub.join() !== want.pub[i]!.join() || own.join() !== want.own[i]!.join()) return false
          const alone = table.ownRanking(i, reach, (self, _peer, mine, price) => accepts(self, mine, price))
          if (alone.map((e) => e.peer).join() !== want.own[i]!.join()) return false
        }
        return true
      },
    ),
    { numRuns: 200 },
  )
  t.pass('public and own lists equal the brute-force ones')
})

t.test('a top list keeps the best entries, the smaller peer first on ties', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ peer: fc.integer({ min: 0, max: 50 }), w: fc.integer({ min: -5, max: 5 }) }), {
        maxLength: 60,
      }),
      fc.integer({ min: 1, max: 10 }),
      (entries, limit) => {
        const top = new TopLists(1, limit)
        for (const e of entries) top.offer(0, e.peer, e.w)
        const want = [...entries]
          .sort((x, y) => y.w - x.w || x.peer - y.peer)
          .slice(0, limit)
          .map((e) => `${e.peer}:${e.w}`)
        const got = top.list(0).map((e) => `${e.peer}:${e.welfareMicros}`)
        return want.join() === got.join()
      },
    ),
  )
  t.pass('equal to a sort and cut')
})
