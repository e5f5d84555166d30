import '../../src/polyfill.js'
import { join } from 'node:path'
import t from 'tap'
import { LevelCoordinator } from '../../src/swapper/coordinator.js'

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
  await t.rejects(c.complete('s2', 'a'), { name: 'CoordinatorError', code: 'NOT_COMMITTED' })
  t.same((await c.complete('s1', 'a')).completed, { a: true, b: false })
  await c.close()

  const again = await LevelCoordinator.open(path)
  t.equal((await again.status('s1')).decision, 'committed', 'survives a restart')
  t.equal((await again.status('s2')).decision, 'aborted')
  t.equal((await again.status('s3')).decision, 'pending', 'unknown swap is pending')
  await t.rejects(LevelCoordinator.open(path), { name: 'CoordinatorError', code: 'COORDINATOR_LOCKED' })
  await again.close()
})
