/**
 * Cancelling a swap (its AbortSignal): before the commit point nothing
 * changes and staging goes; after it the sides stop at a durable point and
 * a rerun finishes the swap.
 */
import '../../src/polyfill.js'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LevelCoordinator } from '../../src/swapper/coordinator/coordinator.js'
import { swapImages } from '../../src/swapper/local/swap-images.js'
import { SWAP_RECORD_FILE } from '../../src/swapper/local/swap-record.js'
import { cancelledAt, setup, staging } from './cancel-helpers.js'
import { sha256File } from './helpers.js'

t.test('cancelled while staging: both disks bit-exact, no staging left, SwapCancelledError', async (t) => {
  const s = await setup(t)
  const coordinator = await LevelCoordinator.open(join(s.dir, 'coord'))
  t.teardown(() => coordinator.close())
  const { err, fired, swapId } = await cancelledAt(s.pa, s.pb, 'a', staging, {
    coordinator,
    workDir: s.work,
    stateDirA: s.state.a,
    stateDirB: s.state.b,
  })
  t.ok(fired, 'the swap was cancelled mid-staging')
  t.equal(err?.name, 'SwapCancelledError')
  t.equal(err?.code, 'SWAP_CANCELLED')
  t.match(err?.message, /nothing was changed/)
  t.equal(await sha256File(s.pa), s.ha, 'A bit for bit as it was')
  t.equal(await sha256File(s.pb), s.hb, 'B bit for bit as it was')
  for (const role of ['a', 'b'] as const)
    t.notOk(existsSync(join(s.state[role], 'staging.bin')), `no staging left on side ${role}`)
  const st = await coordinator.status(swapId)
  t.equal(st.decision, 'aborted', 'the coordinator recorded the abort')
  t.match(st.reason, /cancelled/)
  t.notOk(existsSync(s.work), 'the session is over: a rerun starts a new swap')
})

t.test('cancelled while the index runs: the same, nothing changed', async (t) => {
  const s = await setup(t)
  const { err, fired } = await cancelledAt(
    s.pa,
    s.pb,
    'b',
    (e) => e.type === 'phase-start' && e.phase === 'index',
    { workDir: s.work, stateDirA: s.state.a, stateDirB: s.state.b },
  )
  t.ok(fired)
  t.equal(err?.name, 'SwapCancelledError')
  t.equal(await sha256File(s.pa), s.ha)
  t.equal(await sha256File(s.pb), s.hb)
  t.notOk(existsSync(s.state.a) || existsSync(s.state.b), 'both state directories removed')
})

t.test('cancelled after the commit point: stops at a recorded apply window; a rerun converges', async (t) => {
  const s = await setup(t)
  const { err, fired } = await cancelledAt(
    s.pa,
    s.pb,
    'a',
    (e) => e.type === 'progress' && e.phase === 'apply',
    { workDir: s.work, applyWindows: 8 },
  )
  t.ok(fired, 'cancelled while A applied')
  t.equal(err?.name, 'SwapInterruptedError')
  t.equal(err?.code, 'SWAP_INTERRUPTED')
  t.match(err?.message, /is committed.*run it again/)
  const journal = JSON.parse(readFileSync(join(s.work, 'a', 'journal.json'), 'utf8'))
  t.equal(journal.phase, 'committed', 'A stopped before the end of apply')
  t.ok(
    journal.appliedWindows >= 1 && journal.appliedWindows < 8,
    `at window ${journal.appliedWindows} of 8, recorded`,
  )
  t.ok(existsSync(join(s.work, 'a', 'staging.bin')), "A's staging kept for the rerun")

  const r = await swapImages(s.pa, s.pb, { workDir: s.work, stagingReserveBytes: 0, applyWindows: 8 })
  t.ok(r.a.resumed, 'the rerun resumed A')
  t.equal(await sha256File(s.pa), s.hb, 'A holds B bit for bit')
  t.equal(await sha256File(s.pb), s.ha, 'B holds A bit for bit')
  t.same(
    readdirSync(s.work),
    [SWAP_RECORD_FILE],
    'the work directory keeps only the record of the completed swap',
  )
})

t.test(
  'cancelled as the sides vote: either nothing changed, or committed and a rerun finishes',
  async (t) => {
    const s = await setup(t)
    const { err, fired } = await cancelledAt(
      s.pa,
      s.pb,
      'b',
      (e) => e.type === 'phase-start' && e.phase === 'commit',
      { workDir: s.work },
    )
    t.ok(fired)
    if (err?.name === 'SwapCancelledError') {
      t.equal(await sha256File(s.pa), s.ha)
      t.equal(await sha256File(s.pb), s.hb)
      t.notOk(existsSync(s.work))
      return
    }
    t.equal(err?.name, 'SwapInterruptedError', 'the coordinator had committed: interrupted, not cancelled')
    await swapImages(s.pa, s.pb, { workDir: s.work, stagingReserveBytes: 0 })
    t.equal(await sha256File(s.pa), s.hb)
    t.equal(await sha256File(s.pb), s.ha)
  },
)
