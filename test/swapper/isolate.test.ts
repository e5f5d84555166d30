/**
 * Agents in their own processes (coordinator in the test process): a plain
 * swap, and crashes of agent A, of agent B, and of the coordinator's process.
 */
import '../../src/polyfill.js'
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { SwapProgressEvent } from '../../src/swapper/events.js'
import { swapImages } from '../../src/swapper/local/swap-images.js'
import { SWAP_RECORD_FILE } from '../../src/swapper/local/swap-record.js'
import { MiB, random, sha256File, writeImage } from './helpers.js'

/** A hang guard, not a speed bound: a child that reaches its kill point on a loaded machine can take minutes. */
const CHILD_HANG_MS = 600_000

const BS = 4096
const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.ts')

async function setup(t: { testdir: () => string }) {
  const dir = t.testdir()
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  const a = random(4 * MiB)
  const b = Buffer.from(a)
  for (let k = 0; k < 300; k++) random(BS).copy(b, k * 3 * BS)
  await writeImage(pa, a)
  await writeImage(pb, b)
  return { dir, pa, pb, ha: await sha256File(pa), hb: await sha256File(pb), work: join(dir, 'work') }
}

t.test('agents in separate processes swap bit for bit', async (t) => {
  const s = await setup(t)
  const events: SwapProgressEvent[] = []
  const r = await swapImages(s.pa, s.pb, {
    isolate: true,
    stagingReserveBytes: 0,
    workDir: s.work,
    onProgress: (e) => events.push(e),
  })
  t.equal(await sha256File(s.pa), s.hb)
  t.equal(await sha256File(s.pb), s.ha)
  t.equal(r.a.blocks.fetched, 300)
  t.ok(
    events.some((e) => e.type === 'phase-end' && e.role === 'b' && e.phase === 'apply'),
    'events cross the process boundary',
  )
  t.same(readdirSync(s.work), [SWAP_RECORD_FILE], 'only the record of the completed swap is left')
})

const AGENT_POINTS: [string, string][] = [
  ['a', 'stage:progress:1'],
  ['b', 'manifest:phase-end:1'],
  ['a', 'commit:phase-start:1'],
  ['b', 'commit:phase-end:1'],
  ['a', 'apply:progress:1'],
  ['b', 'verify:phase-start:1'],
  ['a', 'cleanup:phase-start:1'],
  ['b', 'index:phase-end:1'],
  ['a', 'manifest:phase-end:1'],
  ['b', 'plan:phase-end:1'],
  ['b', 'stage:progress:2'],
  ['a', 'stage:phase-end:1'],
  ['b', 'stage:phase-end:1'],
  ['a', 'verify:phase-end:1'],
  ['b', 'commit:phase-start:1'],
  ['a', 'commit:phase-end:1'],
  ['b', 'apply:progress:2'],
  ['a', 'verify:phase-start:1'],
]

// each case starts 2-3 processes through the TS loader (~7 s): a spread by default, all with VBOOM_CRASH_FULL=1
const FULL = process.env.VBOOM_CRASH_FULL === '1'

for (const [role, point] of FULL ? AGENT_POINTS : [AGENT_POINTS[0]!, AGENT_POINTS[4]!]) {
  t.test(`agent ${role} killed at ${point} is restarted and the swap completes`, async (t) => {
    const s = await setup(t)
    const notes: string[] = []
    await swapImages(s.pa, s.pb, {
      isolate: true,
      stagingReserveBytes: 0,
      workDir: s.work,
      crashAt: { [role]: point },
      timeoutMs: 5000,
      onProgress: (e) => {
        if (e.type === 'note') notes.push(`${e.role}: ${e.message}`)
      },
    })
    t.ok(
      notes.some((n) => n.startsWith(`${role}: agent process died (SIGKILL)`)),
      'the agent really died',
    )
    t.equal(await sha256File(s.pa), s.hb, 'A holds B')
    t.equal(await sha256File(s.pb), s.ha, 'B holds A')
  })
}

const COORDINATOR_POINTS = [
  'b:commit:phase-end:1',
  'a:stage:progress:2',
  'a:apply:phase-end:1',
  'b:index:phase-end:1',
  'a:verify:progress:1',
  'b:cleanup:phase-start:1',
]

for (const point of FULL ? COORDINATOR_POINTS : COORDINATOR_POINTS.slice(0, 1)) {
  t.test(`coordinator process killed at ${point}: rerun converges`, async (t) => {
    const s = await setup(t)
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', CHILD, s.pa, s.pb, s.work, point, 'isolate'],
      {
        encoding: 'utf8',
        timeout: CHILD_HANG_MS,
      },
    )
    t.equal(child.signal, 'SIGKILL', `coordinator died at the kill point ${child.stderr.slice(0, 300)}`)
    await swapImages(s.pa, s.pb, { isolate: true, stagingReserveBytes: 0, workDir: s.work })
    t.equal(await sha256File(s.pa), s.hb, 'A holds B')
    t.equal(await sha256File(s.pb), s.ha, 'B holds A')
    t.same(readdirSync(s.work), [SWAP_RECORD_FILE], 'only the record of the completed swap is left')
  })
}
