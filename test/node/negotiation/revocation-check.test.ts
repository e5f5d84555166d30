// The partner-side revocation check: answers kept a while, a revocation kept for good, an anchor that cannot answer decides nothing.
import t from 'tap'
import { REVOCATION_RECHECK_MS, RevocationCheck } from '../../../src/node/negotiation/revocation-check.js'

const D = new Uint8Array([1, 2, 3])

t.test('a "valid" answer is kept for the recheck interval, then asked again', async (t) => {
  let now = 0
  let asked = 0
  let revoked = false
  const check = new RevocationCheck({
    status: async () => {
      asked++
      return { revoked, revokedAtSeq: revoked ? 9n : null }
    },
    now: () => now,
  })
  t.equal(await check.verdict(D, 'd1'), 'valid')
  revoked = true
  now += REVOCATION_RECHECK_MS - 1
  t.equal(await check.verdict(D, 'd1'), 'valid', 'within the interval: the kept answer')
  t.equal(asked, 1)
  now += 1
  t.equal(await check.verdict(D, 'd1'), 'revoked', 'after it: asked again, and now revoked')
  t.equal(asked, 2)
  revoked = false
  now += 10 * REVOCATION_RECHECK_MS
  t.equal(await check.verdict(D, 'd1'), 'revoked', 'a revocation is kept for good')
  t.equal(asked, 2)
  t.equal(await check.verdict(D, 'd2'), 'valid', 'another delegation is its own question')
})

t.test('an anchor that cannot answer gives "unknown", and the next call asks again', async (t) => {
  let fail = true
  const errors: unknown[] = []
  const check = new RevocationCheck({
    status: async () => {
      if (fail) throw new Error('unreachable')
      return { revoked: true, revokedAtSeq: 3n }
    },
    now: () => 0,
    onUnknown: (err) => errors.push(err),
  })
  t.equal(await check.verdict(D, 'd'), 'unknown')
  t.equal(errors.length, 1)
  fail = false
  t.equal(await check.verdict(D, 'd'), 'revoked')
})
