import t from 'tap'
import {
  MAD_TO_SIGMA,
  ProfileSeries,
  ResourceSeries,
  summarise,
} from '../../../src/node/market/profile-stats.js'

const MIN = 60_000

/** A steady series around `level` with deterministic noise of about `rel` (no randomness in tests). */
function steady(level: number, rel: number, n: number, startMs = 0): { atMs: number; value: number }[] {
  return Array.from({ length: n }, (_, i) => ({
    atMs: startMs + i * 10 * MIN,
    value: level * (1 + rel * Math.sin(i * 2.399963)),
  }))
}

function feed(s: ResourceSeries, samples: { atMs: number; value: number }[]) {
  return samples.map((x) => s.add(x)).filter((e) => e !== null)
}

t.test('summary: median, scaled MAD, p10 and p90', async (t) => {
  const r = summarise([9, 1, 8, 2, 7, 3, 6, 4, 5])
  t.equal(r.median, 5)
  t.equal(r.spread, MAD_TO_SIGMA * 2, 'the spread is 1.4826 times the median absolute deviation')
  t.equal(r.p10, 1.8)
  t.equal(r.p90, 8.2)
  t.ok(Number.isNaN(summarise([]).median), 'no samples, no median')
})

t.test('one outlier sample neither alarms nor moves the profile', async (t) => {
  const s = new ResourceSeries()
  const base = steady(100, 0.05, 40)
  t.same(feed(s, base), [], 'no change in a steady series')
  const before = s.stat().median
  t.same(feed(s, [{ atMs: 40 * 10 * MIN, value: 5 }]), [], 'a wild low sample is no change')
  t.same(feed(s, [{ atMs: 41 * 10 * MIN, value: 900 }]), [], 'nor a wild high one')
  t.same(feed(s, steady(100, 0.05, 20, 42 * 10 * MIN)), [])
  t.ok(Math.abs(s.stat().median - before) / before < 0.02, 'the median hardly moves')
})

t.test(
  'a transient dip of up to 4 samples never alarms; normal samples follow without a false alarm',
  async (t) => {
    for (const len of [1, 2, 3, 4]) {
      const s = new ResourceSeries()
      feed(s, steady(100, 0.05, 40))
      const dip = Array.from({ length: len }, (_, i) => ({ atMs: (40 + i) * 10 * MIN, value: 30 }))
      t.same(feed(s, dip), [], `a ${len}-sample dip to 30 % is no change`)
      t.same(feed(s, steady(100, 0.05, 40, (40 + len) * 10 * MIN)), [], 'and the recovery is none either')
      t.ok(Math.abs(s.stat().median - 100) < 3, 'the profile stays at its level')
    }
  },
)

t.test(
  'a lasting shift is detected within the documented number of samples, and the profile restarts',
  async (t) => {
    const s = new ResourceSeries()
    feed(s, steady(100, 0.05, 60))
    const shifted = steady(60, 0.05, 30, 60 * 10 * MIN)
    const events = shifted.map((x, i) => ({ i, e: s.add(x) })).filter((x) => x.e !== null)
    t.equal(events.length, 1, 'one change')
    t.equal(events[0]!.i, 4, 'a shift of many spreads is declared at its 5th sample')
    t.equal(events[0]!.e!.direction, 'down')
    t.equal(events[0]!.e!.sinceMs, shifted[0]!.atMs, 'the change point is the first shifted sample')
    const st = s.stat()
    t.ok(Math.abs(st.median - 60) < 2, 'the profile reports the new level')
    t.equal(st.samples, 30, 'only samples since the change count')

    // Two spreads: z = -2 adds 1.5 a sample, above H = 12 at the 9th; the shifted samples join the
    // baseline they are measured against, which can cost a sample or two.
    const two = new ResourceSeries()
    feed(two, steady(100, 0.05, 60))
    const spread = two.stat().spread
    const low = steady(100 - 2 * spread, 0.0, 20, 60 * 10 * MIN)
    const at = low.findIndex((x) => two.add(x) !== null)
    t.ok(at >= 8 && at <= 10, `a shift of two spreads is declared at its 9th to 11th sample (${at + 1})`)
  },
)

t.test('the window bounds the profile; bad samples are refused with a typed error', async (t) => {
  const s = new ResourceSeries({
    windowMs: 60 * MIN,
    maxSamples: 1000,
    detection: { k: 0.5, h: 12, clip: 3, warmup: 8, minRelativeSpread: 0.01 },
  })
  for (let i = 0; i < 20; i++) s.add({ atMs: i * 10 * MIN, value: 100 })
  t.equal(s.stat().samples, 7, 'samples older than the window are dropped')
  t.equal(s.stat().windowMs, 60 * MIN)
  t.throws(() => s.add({ atMs: 0, value: 100 }), { name: 'MarketError', code: 'BAD_SAMPLE' })
  t.throws(() => s.add({ atMs: 300 * MIN, value: Number.NaN }), { name: 'MarketError', code: 'BAD_SAMPLE' })

  const p = new ProfileSeries()
  p.add('diskRead', { atMs: 0, value: 200 })
  p.add('netRtt', { atMs: 0, value: 300 })
  t.same(Object.keys(p.profile()).sort(), ['diskRead', 'netRtt'], 'one statistic per measured resource')
})
