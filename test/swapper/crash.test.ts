/**
 * Crash matrix: SIGKILL the process running both agents and the coordinator
 * at kill points across every phase, restart with the same arguments, and
 * check that the swap converges with both disks bit-exact.
 * VBOOM_CRASH_FULL=1 runs every point; by default a spread of them runs.
 */
import '../../src/polyfill.js'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { swapImages } from '../../src/swapper/local/swap-images.js'
import { SWAP_RECORD_FILE } from '../../src/swapper/local/swap-record.js'
import { random, sha256File, writeImage } from './helpers.js'

/** A hang guard, not a speed bound: a child that reaches its kill point on a loaded machine can take minutes. */
const CHILD_HANG_MS = 600_000

const BS = 4096
const N = 1024 // 4 MiB images
const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.ts')

const ALL_POINTS = [
  'a:index:phase-start:1',
  'b:index:phase-end:1',
  'a:manifest:phase-end:1',
  'b:plan:phase-end:1',
  'a:stage:progress:1',
  'b:stage:progress:3',
  'a:stage:phase-end:1',
  'b:stage:phase-end:1',
  'a:verify:phase-end:1',
  'b:commit:phase-start:1',
  'a:commit:phase-end:1',
  'b:commit:phase-end:1',
  'a:apply:progress:1',
  'b:apply:progress:2',
  'a:apply:phase-end:1',
  'b:verify:phase-start:1',
  'a:verify:progress:1',
  'b:verify:phase-end:1',
  'a:cleanup:phase-start:1',
  'b:cleanup:phase-end:1',
  'b:manifest:phase-end:1',
  'a:plan:phase-end:1',
  'a:stage:progress:3',
  'b:apply:progress:3',
  'b:apply:phase-end:1',
  'a:verify:phase-start:1',
  'b:cleanup:phase-start:1',
]
const POINTS = process.env.VBOOM_CRASH_FULL === '1' ? ALL_POINTS : ALL_POINTS.filter((_, k) => k % 2 === 0)

/**
 * B is A's blocks moved by 9, some new blocks and zeros, and pairs of blocks
 * exchanged in place: every kind of plan entry, in-place copies in chains over
 * several apply windows, and cycles that go through staging.
 */
function images(): [Buffer, Buffer] {
  const a = random(N * BS)
  const b = Buffer.alloc(N * BS)
  for (let i = 0; i < N; i++) a.copy(b, ((i + 9) % N) * BS, i * BS, (i + 1) * BS)
  for (let k = 0; k < 200; k++) random(BS).copy(b, k * 5 * BS)
  b.fill(0, 100 * BS, 140 * BS)
  for (let i = 800; i < 820; i += 2) {
    a.copy(b, i * BS, (i + 1) * BS, (i + 2) * BS)
    a.copy(b, (i + 1) * BS, i * BS, (i + 1) * BS)
  }
  return [a, b]
}

/**
 * With 8 apply windows most local copies run in place, ordered across durable
 * checkpoints (apply-order.ts): killed inside and between windows, the
 * restart replays from the last checkpoint.
 */
const WINDOW_POINTS = [
  'a:apply:progress:5',
  'b:apply:progress:40',
  'a:apply:progress:75',
  'b:verify:phase-start:1',
]
const WINDOWED = process.env.VBOOM_CRASH_FULL === '1' ? WINDOW_POINTS : WINDOW_POINTS.slice(0, 2)

const cases: [string, number | undefined][] = [
  ...POINTS.map((p): [string, undefined] => [p, undefined]),
  ...WINDOWED.map((p): [string, number] => [p, 8]),
]

/** Writes the two images and runs a swap that SIGKILLs itself at `point`; returns the paths and the originals' sha256. */
async function killedAt(t: Test, point: string, windows?: number) {
  const dir = t.testdir()
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  const work = join(dir, 'work')
  const [a, b] = images()
  await writeImage(pa, a)
  await writeImage(pb, b)
  const [ha, hb] = [await sha256File(pa), await sha256File(pb)]
  const args = ['--import', 'tsx', CHILD, pa, pb, work, point]
  if (windows !== undefined) args.push(`windows=${windows}`)
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: CHILD_HANG_MS })
  t.equal(child.signal, 'SIGKILL', `child died at the kill point ${child.stderr.slice(0, 500)}`)
  return { pa, pb, work, ha, hb }
}

for (const [point, windows] of cases) {
  const how = windows === undefined ? '' : ` (${windows} apply windows)`
  t.test(`killed at ${point}${how}, restarted: converges to both swapped`, async (t) => {
    const { pa, pb, work, ha, hb } = await killedAt(t, point, windows)
    // at every instant each original is rebuildable; after restart the swap completes
    const r = await swapImages(pa, pb, { workDir: work, stagingReserveBytes: 0, applyWindows: windows })
    if (windows !== undefined) t.ok(r.a.blocks.localInPlace > 500, 'most local copies ran in place')
    t.equal(await sha256File(pa), hb, 'A holds B bit for bit')
    t.equal(await sha256File(pb), ha, 'B holds A bit for bit')
    t.same(readdirSync(work), [SWAP_RECORD_FILE], 'only the record of the completed swap is left')
    t.ok(r.a.outcome === 'swapped' || r.a.outcome === 'already-swapped')
  })
}

// staging is trusted unread only by the run that wrote and fsynced it: a restart rehashes every slot
t.test(
  'killed after staging, then staging corrupted: the restart finds the bad slots and restages them',
  async (t) => {
    const { pa, pb, work, ha, hb } = await killedAt(t, 'a:stage:phase-end:1')
    const staging = join(work, 'a', 'staging.bin')
    const size = statSync(staging).size
    t.ok(size > 2 * BS, 'staging was written')
    const fh = await open(staging, 'r+')
    // a torn or lost write: first byte of the first slot, a whole block in the middle, last byte
    await fh.write(Buffer.from([0xa5]), 0, 1, 0)
    await fh.write(Buffer.alloc(BS, 0x5a), 0, BS, Math.floor(size / BS / 2) * BS)
    await fh.write(Buffer.from([0x5a]), 0, 1, size - 1)
    await fh.close()
    const r = await swapImages(pa, pb, { workDir: work, stagingReserveBytes: 0 })
    t.ok(r.a.resumed, 'A resumed from its journal')
    t.equal(await sha256File(pa), hb, 'A holds B bit for bit')
    t.equal(await sha256File(pb), ha, 'B holds A bit for bit')
    t.same(readdirSync(work), [SWAP_RECORD_FILE], 'only the record of the completed swap is left')
  },
)

// a side records `done` before it removes its manifests: killed between the
// two, the restart finds `done` and only cleans (the other order left
// `applied` without the manifests a resumed `applied` needs)
t.test(
  'killed between recording done and cleaning: the restart cleans and reports already swapped',
  async (t) => {
    const { pa, pb, work, ha, hb } = await killedAt(t, 'b:cleanup:phase-start:1')
    // B has completed: make its state what a kill right after writing `done` leaves
    const journal = join(work, 'b', 'journal.json')
    const rec = JSON.parse(await readFile(journal, 'utf8'))
    t.equal(rec.phase, 'applied', 'B had applied and completed')
    await writeFile(journal, JSON.stringify({ ...rec, phase: 'done' }))
    t.ok(existsSync(join(work, 'b', 'local.manifest')), 'its manifests still there')
    const r = await swapImages(pa, pb, { workDir: work, stagingReserveBytes: 0 })
    t.equal(r.b.outcome, 'already-swapped')
    t.equal(await sha256File(pa), hb, 'A holds B bit for bit')
    t.equal(await sha256File(pb), ha, 'B holds A bit for bit')
    t.same(readdirSync(work), [SWAP_RECORD_FILE], 'only the record of the completed swap is left')
  },
)
