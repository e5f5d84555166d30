import t from 'tap'
import { MarketView } from '../../src/node/market/market-view.js'
import { RateLimiter } from '../../src/node/rate-limiter.js'
import type { Advert } from '../../src/protocols/advert.js'

const ad = (vm: string, sequence: bigint, expiresAtMs: number): Advert => ({
  vm,
  instanceClass: { vcpus: 2, memoryBytes: 1, diskBytes: 1 },
  location: `loc-${vm}`,
  profile: {},
  needs: {},
  askMicros: 0n,
  attestations: [],
  sequence,
  issuedAtMs: 0,
  expiresAtMs,
})

t.test(
  'market keeps one advert per VM, evicts expired ones, remembers sequences after eviction',
  async (t) => {
    const m = new MarketView()
    m.upsert(ad('a', 1n, 1000))
    m.upsert(ad('b', 1n, 5000))
    m.upsert(ad('a', 2n, 2000))
    t.equal(m.size, 2)
    t.equal(m.get('a')?.sequence, 2n, 'a newer advert replaces the older one')
    t.equal(m.evictExpired(2000), 1, 'expiry is inclusive: an advert expiring now is gone')
    t.equal(m.get('a'), undefined)
    t.equal(m.lastSequence('a'), 2n, 'the sequence outlives the advert, so a replay stays refused')
    t.same(
      m.list().map((x) => x.vm),
      ['b'],
    )
  },
)

t.test('market remembers the advert each VM replaced last, and when', async (t) => {
  const m = new MarketView()
  m.upsert(ad('a', 1n, 9000), 100)
  t.equal(m.replacedSequenceSince('a', 0), undefined, 'a first advert replaced nothing')
  m.upsert(ad('a', 2n, 9000), 500)
  t.equal(m.replacedSequenceSince('a', 400), 1n, 'replaced at 500, asked since 400')
  t.equal(m.replacedSequenceSince('a', 500), 1n, 'the bound is inclusive')
  t.equal(m.replacedSequenceSince('a', 501), undefined, 'replaced before the bound')
  m.upsert(ad('a', 3n, 9000), 800)
  t.equal(m.replacedSequenceSince('a', 0), 2n, 'only the last replaced advert is kept')
  t.equal(m.replacedSequenceSince('b', 0), undefined, 'a VM never seen')
})

t.test('rate limiter: a burst, then the sustained rate, per peer', async (t) => {
  const r = new RateLimiter(3, 1)
  const took = [0, 0, 0, 0].map(() => r.take('p', 0))
  t.same(took, [true, true, true, false], 'burst of 3')
  t.ok(r.take('q', 0), 'other peers have their own bucket')
  t.notOk(r.take('p', 500), 'half a token after 0.5 s is not enough')
  t.ok(r.take('p', 1000), 'one token after 1 s')
  r.prune(100_000)
  t.ok(
    r.take('p', 100_000) && r.take('p', 100_000) && r.take('p', 100_000),
    'refilled (pruned) buckets start full',
  )
})
