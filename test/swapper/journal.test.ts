import '../../src/polyfill.js'
import { readdir } from 'node:fs/promises'
import t from 'tap'
import { Journal, phaseAtLeast } from '../../src/swapper/journal.js'

const ID = 'ab'.repeat(16)

t.test('records land in call order and never go back to an earlier phase', async (t) => {
  const j = await Journal.open(t.testdir())
  t.equal(await j.read(), null, 'no record yet')
  // issued without waiting, as agent.ts does for its background records
  const writes = [j.write(ID, 'a', 'indexed'), j.write(ID, 'a', 'planned'), j.write(ID, 'a', 'staged')]
  await Promise.all(writes)
  t.equal((await j.read())?.phase, 'staged', 'the last call wins')
  // a record that arrives late for an earlier phase is dropped
  await j.write(ID, 'a', 'planned')
  t.equal((await j.read())?.phase, 'staged', 'not written back to planned')
  await j.write(ID, 'a', 'committed', 1)
  await j.write(ID, 'a', 'committed', 2)
  const r = await j.read()
  t.equal(r?.phase, 'committed')
  t.equal(r?.appliedWindows, 2, 'the same phase moves on (apply windows)')
  t.ok(phaseAtLeast(r, 'staged') && !phaseAtLeast(r, 'applied'))
  t.same(
    (await readdir(j.dir)).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp files left',
  )
})

t.test('a fresh process may record any phase (it resumes from what is on disk)', async (t) => {
  const dir = t.testdir()
  const first = await Journal.open(dir)
  await first.write(ID, 'b', 'committed', 3)
  const again = await Journal.open(dir)
  await again.write(ID, 'b', 'committed', 3)
  await again.write(ID, 'b', 'applied')
  t.equal((await again.read())?.phase, 'applied')
})
