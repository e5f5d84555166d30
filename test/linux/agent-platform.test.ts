/**
 * `vboom agent --platform`: linux is the one kind; anything else is refused
 * before the agent starts, saying what is accepted.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, vboom } from '../cli/helpers.js'

t.test('an unknown platform kind is refused before the agent starts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-agent-platform-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const r = await vboom(
    ['agent', '-d', dir, '-c', join(ROOT, 'examples', 'agent.json'), '--platform', 'xen'],
    60_000,
  )
  t.not(r.code, 0, 'it exits with an error')
  t.match(r.stderr, /--platform must be linux, got "xen"/, 'naming the accepted kind')
})
