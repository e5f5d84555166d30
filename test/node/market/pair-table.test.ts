import fc from 'fast-check'
import t from 'tap'
import { publicPair } from '../../../src/node/market/decision.js'
import { compileSide, fastPublicPair } from '../../../src/node/market/pair-table.js'
import { advertisedLink } from '../../../src/node/market/utility.js'
import { DISK_BYTES, MODEL, selfOf, sideArb } from './market-fixture.js'

t.test('the compiled fast path computes exactly what publicPair computes', async (t) => {
  fc.assert(
    fc.property(sideArb, sideArb, (x, y) => {
      const a = selfOf(x, 0)
      const b = selfOf(y, 1)
      const slow = publicPair(a, b, advertisedLink(DISK_BYTES, a.profile, b.profile), MODEL)
      const fast = fastPublicPair(compileSide(a, MODEL), compileSide(b, MODEL), DISK_BYTES, MODEL)
      if (slow === null || fast === null) return slow === fast
      const close = (p: number, q: number) => Math.abs(p - q) <= 1e-6 * Math.max(1, Math.abs(p))
      return (
        close(slow.aMicros, fast.aMicros) &&
        close(slow.bMicros, fast.bMicros) &&
        slow.terms.payer === fast.terms.payer &&
        slow.terms.priceMicros === fast.terms.priceMicros
      )
    }),
    { numRuns: 500 },
  )
  t.pass('equal on every generated pair')
})
