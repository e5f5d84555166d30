/** Needs learned from this machine's own /proc: whatever runs here, the weights are sane. */
import { existsSync } from 'node:fs'
import t from 'tap'
import { NeedsLearner } from '../../../src/node/needs/index.js'
import { openDataDir } from '../../../src/runtime/data-dir.js'
import { createLogger } from '../../../src/runtime/log.js'

const why = existsSync('/proc/stat') ? false : 'needs Linux (/proc/stat)'

t.test('weights from real /proc are each in [0, 1] and sum to at most 1', { skip: why }, async (t) => {
  const dir = t.testdir()
  const data = await openDataDir(`${dir}/data`)
  t.teardown(() => data.close())
  const learner = new NeedsLearner({
    db: data.db,
    config: {},
    mode: 'learned',
    options: { sampleIntervalMs: 3_600_000, halfLifeMs: 6 * 3600_000, minObservedMs: 0 },
    diskDir: dir,
    cores: 2,
    profile: () => ({}),
    log: createLogger('silent'),
  })
  await learner.start()
  // Some work between the readings, so there is something to see: CPU and a durable write.
  const end = Date.now() + 1_000
  let x = 0
  while (Date.now() < end) x += Math.sqrt(x + 1)
  const { writeFile } = await import('node:fs/promises')
  await writeFile(`${dir}/load`, Buffer.alloc(4 << 20, 1), { flush: true })
  await learner.sample()
  const r = learner.report()
  t.comment(r.entries.map((e) => `${e.resource} ${e.weight} ${e.source}: ${e.from}`).join('\n'))
  t.ok(r.learning.observedMs >= 1_000, 'one interval of over a second')
  t.equal(r.entries.length, 7, 'every resource has an entry')
  t.ok(
    r.entries.every((e) => e.weight >= 0 && e.weight <= 1),
    'each weight in [0, 1]',
  )
  t.ok(r.sum <= 1 + 1e-9, `sum ${r.sum} <= 1`)
  t.equal(r.entries.find((e) => e.resource === 'cpu')?.source, 'learned', 'CPU is learned (/proc/stat)')
  t.ok(r.weights.cpu! > 0, 'and the busy second shows')
  await learner.stop()
})
