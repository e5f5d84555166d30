import t from 'tap'
import {
  checkClaimsBySpread,
  claimTolerance,
  MAX_CLAIM_TOLERANCE,
  MIN_CLAIM_TOLERANCE,
} from '../../src/node/probe/claim-tolerance.js'
import { Resource } from '../../src/protocols/advert.js'

const stat = (median: number, spread: number) => ({ median, spread, samples: 10, windowMs: 60_000 })

t.test('the tolerance follows the advert’s spread, within the floor and the cap', async (t) => {
  t.equal(
    claimTolerance({ diskWrite: stat(20, 0.2) }, 'diskWrite'),
    MIN_CLAIM_TOLERANCE,
    'a tight profile gets the floor',
  )
  t.equal(claimTolerance({ diskWrite: stat(20, 2) }, 'diskWrite'), 0.3, 'three spreads of the median')
  t.equal(
    claimTolerance({ diskWrite: stat(20, 20) }, 'diskWrite'),
    MAX_CLAIM_TOLERANCE,
    'a huge spread buys no more than the cap',
  )
  t.equal(claimTolerance({}, 'diskWrite'), MIN_CLAIM_TOLERANCE, 'no claim: the floor')
})

t.test(
  'a noisy honest host passes where a fixed 0.3 would fail it; a 2x claim fails whatever its spread',
  async (t) => {
    const disk = Resource.DISK_WRITE as string
    const honest = { diskWrite: stat(20, 2.8) }
    // 13 of 20 MB/s: 35 % short, within three spreads (42 %)
    t.ok(checkClaimsBySpread(honest, [{ resource: disk, value: 13 }])[0]!.ok)
    t.notOk(
      checkClaimsBySpread(honest, [{ resource: disk, value: 13 }], 0.3)[0]!.ok,
      'the fixed tolerance fails it',
    )
    for (const spread of [0, 2, 10, 40]) {
      const [c] = checkClaimsBySpread({ diskWrite: stat(40, spread) }, [{ resource: disk, value: 20 }])
      t.notOk(c!.ok, `a claim of twice the truth fails with spread ${spread}`)
      t.equal(c!.ratio, 0.5)
    }
    t.same(
      checkClaimsBySpread({ cpu: stat(1, 0) }, [{ resource: disk, value: 1 }]),
      [],
      'unclaimed resources are skipped',
    )
  },
)
