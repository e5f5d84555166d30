import fc from 'fast-check'
import t from 'tap'
import {
  matchingUpperBound,
  matchingWeight,
  maxWeightMatching,
  type WeightedEdge,
} from '../../../src/node/market/optimum.js'

/** The best matching by trying every one (small graphs only). */
function bruteForce(n: number, edges: WeightedEdge[]): number {
  const w = new Map<number, number>()
  for (const e of edges) {
    const k = Math.min(e.a, e.b) * n + Math.max(e.a, e.b)
    w.set(k, Math.max(w.get(k) ?? 0, e.w))
  }
  const best = (used: number): number => {
    let v = 0
    while (v < n && used & (1 << v)) v++
    if (v >= n) return 0
    let b = best(used | (1 << v)) // v stays single
    for (let u = v + 1; u < n; u++) {
      const x = w.get(v * n + u)
      if (x === undefined || used & (1 << u)) continue
      b = Math.max(b, x + best(used | (1 << v) | (1 << u)))
    }
    return b
  }
  return best(0)
}

const graphArb = fc.integer({ min: 2, max: 9 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.record({
        a: fc.nat({ max: n - 1 }),
        b: fc.nat({ max: n - 1 }),
        w: fc.integer({ min: 1, max: 10_000_000 }),
      }),
      { maxLength: 30 },
    ),
  }),
)

t.test(
  'blossom finds the maximum-weight matching (checked by brute force); the LP bound is above it',
  async (t) => {
    fc.assert(
      fc.property(graphArb, ({ n, edges }) => {
        const exact = maxWeightMatching(n, edges)
        const brute = bruteForce(
          n,
          edges.filter((e) => e.a !== e.b),
        )
        if (Math.abs(exact.weight - brute) > 1e-6) return false
        if (Math.abs(matchingWeight(n, edges, exact.mate) - exact.weight) > 1e-6) return false
        for (let v = 0; v < n; v++) if (exact.mate[v]! >= 0 && exact.mate[exact.mate[v]!] !== v) return false
        return matchingUpperBound(n, edges) >= exact.weight - 1e-6
      }),
      { numRuns: 300 },
    )
    t.pass('on every generated graph')
  },
)

t.test('an odd cycle: the LP bound may exceed the optimum, never fall below it', async (t) => {
  const triangle = [
    { a: 0, b: 1, w: 10 },
    { a: 1, b: 2, w: 10 },
    { a: 0, b: 2, w: 10 },
  ]
  t.equal(maxWeightMatching(3, triangle).weight, 10)
  const bound = matchingUpperBound(3, triangle)
  t.ok(bound >= 10 && bound <= 15.01, `the fractional optimum is 15 (${bound})`)
  t.equal(maxWeightMatching(4, []).weight, 0)
})

t.test('disjoint components are matched apart and the mates keep their own vertex numbers', async (t) => {
  // A path 0-1-2 (best: 1-2) and, far away, a triangle 7-8-9 (best: 8-9); 3..6 are isolated.
  const edges: WeightedEdge[] = [
    { a: 0, b: 1, w: 5 },
    { a: 1, b: 2, w: 7 },
    { a: 7, b: 8, w: 3 },
    { a: 8, b: 9, w: 4 },
    { a: 7, b: 9, w: 2 },
  ]
  const m = maxWeightMatching(10, edges)
  t.equal(m.weight, 11)
  t.same([...m.mate], [-1, 2, 1, -1, -1, -1, -1, -1, 9, 8])
  t.equal(matchingWeight(10, edges, m.mate), 11)
})
