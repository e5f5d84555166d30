/**
 * Which module an agent process runs: the bundle only when it is at least as
 * new as the compiled code beside it, never from source.
 */
import '../../src/polyfill.js'
import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { agentEntry } from '../../src/swapper/local/agent-processes.js'

t.test('the bundle when current, agent-main otherwise', async (t) => {
  const dir = t.testdir()
  const entry = join(dir, 'agent-main.js')
  const bundle = join(dir, 'agent-main.bundle.js')
  writeFileSync(entry, '')
  t.equal(agentEntry(entry, bundle), entry, 'no bundle: the compiled module')
  writeFileSync(bundle, '')
  utimesSync(entry, 1000, 1000)
  utimesSync(bundle, 2000, 2000)
  t.equal(agentEntry(entry, bundle), bundle, 'built after the compiled code: the bundle')

  const warnings: string[] = []
  const onWarning = (w: Error) => warnings.push(w.message)
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  utimesSync(entry, 3000, 3000)
  t.equal(agentEntry(entry, bundle), entry, 'older than a later compile: stale, not used')
  await new Promise((r) => setImmediate(r))
  t.match(
    warnings.join('\n'),
    /older than the compiled code.*npm run build/,
    'and the user is told how to fix it',
  )

  const source = join(dir, 'agent-main.ts')
  t.equal(agentEntry(source, bundle), source, 'from source: never the bundle')
})
