import t from 'tap'
import {
  checkMarketPolicy,
  DEFAULT_MARKET_POLICY,
  decide,
  MUTUAL,
  publicPair,
  type SelfState,
  trustOf,
} from '../../../src/node/market/decision.js'
import { ProfileSeries } from '../../../src/node/market/profile-stats.js'
import {
  advertisedLink,
  DEFAULT_UTILITY_MODEL,
  profileGain,
  swapUtility,
  valueOverHorizon,
} from '../../../src/node/market/utility.js'
import type { Profile } from '../../../src/protocols/advert.js'

const MODEL = DEFAULT_UTILITY_MODEL
const POLICY = DEFAULT_MARKET_POLICY
const NOW = 1_000_000_000_000
const DISK = 20e9
const VALUE = valueOverHorizon(POLICY.valueMicrosPerHour, MODEL)

const stat = (median: number, rel = 0.05, samples = 100) => ({
  median,
  spread: median * rel,
  samples,
  windowMs: samples * 600_000,
})
const host = (disk: number, cpu: number, rtt = 300): Profile => ({
  diskRead: stat(disk, 0.08),
  cpu: stat(cpu, 0.02),
  netRtt: stat(rtt, 0.05),
  netBw: stat(5000),
})
const vm = (id: string, profile: Profile, needs: SelfState['needs'], ask = 0n): SelfState => ({
  vm: id,
  profile,
  needs,
  askMicros: ask,
})
const diskBound = { diskRead: 0.9 }
const cpuBound = { cpu: 0.9 }
const link = (a: SelfState, b: SelfState) => advertisedLink(DISK, a.profile, b.profile)
const verdict = (self: SelfState, partner: SelfState, terms = MUTUAL, reputation = 0, now = NOW) =>
  decide(self, { ...partner, reputation }, terms, link(self, partner), now, MODEL, POLICY)

t.test(
  "mutual gain: a disk-bound and a CPU-bound VM on each other's right hosts swap for nothing",
  async (t) => {
    const a = vm('a', host(100, 1.2e9), diskBound)
    const b = vm('b', host(250, 0.8e9), cpuBound)
    const pair = publicPair(a, b, link(a, b), MODEL)
    t.ok(pair !== null)
    t.same(pair!.terms, MUTUAL, 'no money when both gain')
    const va = verdict(a, b)
    const vb = verdict(b, a)
    t.ok(va.accept && vb.accept, 'both accept')
    t.ok(va.accept && va.netMicros > POLICY.minGainFraction * VALUE)
    t.equal(pair!.welfareMicros, pair!.aMicros + pair!.bMicros, 'the welfare is the sum of both utilities')
  },
)

t.test(
  'one-sided gain: a price that covers the loss makes a deal; a price too low or too high does not',
  async (t) => {
    const a = vm('a', host(100, 1e9), diskBound)
    // b is CPU-bound on a host whose CPU is a little better than a's: it loses a little by moving.
    const u = swapUtility(
      cpuBound,
      host(250, 1.02e9),
      host(100, 1e9),
      link(a, a),
      MODEL,
      POLICY.valueMicrosPerHour,
    )
    const loss = u.ok ? -u.netMicros : Number.NaN
    t.ok(loss > 0, 'b would lose by swapping')
    const b = vm(
      'b',
      host(250, 1.02e9),
      cpuBound,
      BigInt(Math.ceil(loss + POLICY.minGainFraction * VALUE + 1000)),
    )
    const pair = publicPair(a, b, link(a, b), MODEL)
    t.ok(pair !== null, "the ask covers b's loss and a still gains by its margin after paying")
    t.same(pair!.terms, { payer: 'a', priceMicros: b.askMicros })
    const va = verdict(a, b, pair!.terms)
    const vb = verdict(b, a, pair!.terms)
    t.ok(va.accept && vb.accept, 'payer and payee accept')
    t.ok(
      va.accept &&
        va.netMicros <
          (
            swapUtility(a.needs, a.profile, b.profile, link(a, b), MODEL, POLICY.valueMicrosPerHour) as {
              netMicros: number
            }
          ).netMicros,
      "the payer's net is after the price",
    )

    const free = vm('b', b.profile, cpuBound, 0n)
    t.equal(publicPair(a, free, link(a, free), MODEL), null, 'asking nothing, b does not swap at a loss')
    t.match(verdict(free, a), { accept: false, reason: 'below-margin' })
    const greedy = vm('b', b.profile, cpuBound, POLICY.maxPriceMicros + 1n)
    t.equal(
      publicPair(a, greedy, link(a, greedy), MODEL),
      null,
      "an ask above the payer's maximum is no deal",
    )
    t.match(verdict(a, greedy, { payer: 'a', priceMicros: greedy.askMicros }), {
      accept: false,
      reason: 'price-above-max',
    })
    t.match(verdict(b, a, { payer: 'a', priceMicros: b.askMicros - 1n }), {
      accept: false,
      reason: 'price-below-ask',
    })
    t.match(verdict(b, a, { payer: 'z', priceMicros: 1n }), { accept: false, reason: 'not-a-party' })
  },
)

/** A's disk series: 60 samples around 100 MB/s with whatever is appended. */
function measured(tail: number[]): Profile {
  const p = new ProfileSeries()
  const values = [...Array.from({ length: 60 }, (_, i) => 100 * (1 + 0.05 * Math.sin(i * 2.4))), ...tail]
  for (const [i, v] of values.entries()) {
    p.add('diskRead', { atMs: i * 600_000, value: v })
    p.add('cpu', { atMs: i * 600_000, value: 1e9 })
    p.add('netRtt', { atMs: i * 600_000, value: 300 })
    p.add('netBw', { atMs: i * 600_000, value: 5000 })
  }
  return p.profile()
}

t.test(
  'noisy profiles: an outlier or a transient dip does not trigger a swap; a lasting shift does',
  async (t) => {
    // The partner's host is 3 % better on disk: within what the margin and the confidence bound absorb.
    const partner = vm('b', host(103, 1e9), cpuBound)
    const quiet = verdict(vm('a', measured([]), diskBound), partner)
    t.match(quiet, { accept: false, reason: 'below-margin' }, 'no swap from a steady profile')
    t.match(
      verdict(vm('a', measured([10]), diskBound), partner),
      { accept: false, reason: 'below-margin' },
      'one outlier sample',
    )
    t.match(
      verdict(vm('a', measured([40, 35, 45]), diskBound), partner),
      { accept: false, reason: 'below-margin' },
      'a transient dip of three samples',
    )
    const shifted = measured(Array.from({ length: 6 }, (_, i) => 55 * (1 + 0.04 * Math.sin(i))))
    t.ok(shifted.diskRead!.samples < 60, 'the shift restarted the profile')
    t.ok(
      verdict(vm('a', shifted, diskBound), partner).accept,
      'a lasting drop to 55 MB/s makes the better host worth a swap',
    )
  },
)

t.test('cooldown: a recent swap blocks a moderate gain, not a large one', async (t) => {
  const b = vm('b', host(250, 0.8e9), cpuBound)
  const moderate = vm('a', host(220, 1.2e9), diskBound)
  const recent = { ...moderate, lastSwapAtMs: NOW - 3600_000 }
  t.ok(verdict(moderate, b).accept, 'without a recent swap the gain is taken')
  t.match(verdict(recent, b), { accept: false, reason: 'cooldown' }, 'an hour after a swap it is not')
  t.ok(verdict({ ...recent, lastSwapAtMs: NOW - POLICY.cooldownMs }, b).accept, 'the cooldown ends')
  const large = { ...vm('a', host(60, 1.2e9), diskBound), lastSwapAtMs: NOW - 3600_000 }
  const v = verdict(large, b)
  t.ok(v.accept, 'a large gain overrides the cooldown')
  t.ok(v.accept && v.netMicros >= POLICY.largeGainFraction * VALUE)
})

t.test("reputation discounts a partner's claims and bans liars", async (t) => {
  const a = vm('a', host(100, 1.2e9), diskBound)
  const b = vm('b', host(250, 0.8e9), cpuBound)
  const trusted = verdict(a, b, MUTUAL, 0)
  const doubted = verdict(a, b, MUTUAL, -10)
  t.ok(
    trusted.accept && doubted.accept && doubted.netMicros < trusted.netMicros,
    'a caught lie widens the bound',
  )
  t.ok(doubted.accept && doubted.needsProbe, 'and the partner is probed')
  t.match(verdict(a, b, MUTUAL, -15), { accept: false, reason: 'banned' })
  t.equal(trustOf(5), 1)
  t.ok(Math.abs(trustOf(-10) - 1 / 3) < 1e-12, 'one caught lie leaves a third')
})

t.test('utility: signs, confidence bound, downtime cost, unevaluable pairs', async (t) => {
  const slow = { netRtt: stat(500) }
  const fast = { netRtt: stat(250) }
  const g = profileGain({ netRtt: 1 }, slow, fast, MODEL)
  t.ok(g.ok && g.mean > 0, 'a lower RTT is a gain')
  t.ok(g.ok && Math.abs(g.mean - Math.log(2)) < 1e-12, 'the change is a log-ratio')
  t.ok(g.ok && g.lcb < g.mean, 'the lower bound is below the mean')
  const back = profileGain({ netRtt: 1 }, fast, slow, MODEL)
  t.ok(back.ok && g.ok && back.mean === -g.mean, 'antisymmetric')
  t.match(profileGain({ cpu: 1 }, slow, fast, MODEL), { ok: false, reason: 'missing-resource' })
  t.match(profileGain({ netRtt: 1 }, { netRtt: stat(500, 0.05, 3) }, fast, MODEL), {
    ok: false,
    reason: 'too-few-samples',
  })
  const p = host(100, 1e9)
  const small = swapUtility(diskBound, p, p, { diskBytes: 10e9, linkBytesPerSecond: 125e6 }, MODEL, 100_000)
  const big = swapUtility(diskBound, p, p, { diskBytes: 500e9, linkBytesPerSecond: 125e6 }, MODEL, 100_000)
  t.ok(small.ok && big.ok && big.costFraction > small.costFraction, 'a bigger disk costs more downtime')
  t.ok(
    small.ok && small.downtimeMs === MODEL.rebootOverheadMs + 40_000,
    'reboot plus half the disk over the link',
  )
  const noNet = advertisedLink(DISK, { diskRead: stat(1) }, host(1, 1))
  t.equal(noNet.linkBytesPerSecond, 0, 'no netBw advertised: no rate, no swap on a guess')
  t.throws(() => checkMarketPolicy({ ...POLICY, minGainFraction: 0 }), {
    name: 'MarketError',
    code: 'BAD_POLICY',
  })
})
