import '../../src/polyfill.js'
import { join } from 'node:path'
import t from 'tap'
import { LevelCoordinator } from '../../src/swapper/coordinator/coordinator.js'

t.test('commit needs both votes; abort and commit exclude each other; decisions persist', async (t) => {
  const path = join(t.testdir(), 'coord')
  const c = await LevelCoordinator.open(path)
  t.equal((await c.commit('s1')).decision, 'pending', 'nothing prepared')
  await c.prepare('s1', 'a')
  t.equal((await c.commit('s1')).decision, 'pending', 'one vote is not enough')
  await c.prepare('s1', 'b')
  t.equal((await c.commit('s1')).decision, 'committed')
  t.equal((await c.abort('s1', 'a', 'late')).decision, 'committed', 'abort after commit loses')

  await c.prepare('s2', 'a')
  t.equal((await c.abort('s2', 'b', 'no space')).decision, 'aborted')
  await c.prepare('s2', 'b')
  t.equal((await c.commit('s2')).decision, 'aborted', 'commit after abort loses')
  t.equal((await c.status('s2')).reason, 'b: no space')
  await t.rejects(c.complete('s2', 'a'), { name: 'SwapNotCommittedError', code: 'NOT_COMMITTED' })
  t.same((await c.complete('s1', 'a')).completed, { a: true, b: false })
  await c.close()

  const again = await LevelCoordinator.open(path)
  t.equal((await again.status('s1')).decision, 'committed', 'survives a restart')
  t.equal((await again.status('s2')).decision, 'aborted')
  t.equal((await again.status('s3')).decision, 'pending', 'unknown swap is pending')
  await t.rejects(LevelCoordinator.open(path), { name: 'CoordinatorLockedError', code: 'COORDINATOR_LOCKED' })
  await again.close()
})

t.test(
  'watch: wakes on the next transition, returns at once when already moved on, times out with the status',
  async (t) => {
    const c = await LevelCoordinator.open(join(t.testdir(), 'coord'))
    const start = await c.status('w1')
    const woken = c.watch('w1', start, 60_000)
    await c.prepare('w1', 'a')
    const s = await woken
    t.same(s.prepared, { a: true, b: false }, 'woken with the new status')

    t.same(
      (await c.watch('w1', start, 60_000)).prepared,
      { a: true, b: false },
      'a stale view returns at once',
    )

    const t0 = Date.now()
    const same = await c.watch('w1', s, 50)
    t.ok(Date.now() - t0 >= 45, 'an unchanged swap waits out the timeout')
    t.same(same, s, 'and returns the status as it is')

    // two watchers of one swap both wake; a watcher of another swap does not
    const other = c.watch('w2', await c.status('w2'), 60_000)
    let otherDone = false
    other.then(() => {
      otherDone = true
    })
    const [x, y] = [c.watch('w1', s, 60_000), c.watch('w1', s, 60_000)]
    await c.prepare('w1', 'b')
    t.same(
      [(await x).prepared, (await y).prepared],
      [
        { a: true, b: true },
        { a: true, b: true },
      ],
    )
    t.notOk(otherDone, 'another swap is not woken')
    // closing wakes what still waits, with the status as it is
    await c.close()
    t.equal((await other).decision, 'pending')
  },
)
