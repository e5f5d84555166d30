/**
 * `vboom swap-images` as a user runs it: two image files, two agent
 * processes and a coordinator; the images swapped bit for bit, the report
 * printed, and bad input refused in one line.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { BUILT_MAIN, ROOT, vboom } from './helpers.js'

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

/** Two image files with these contents in a fresh test dir, and their sha256 before any swap. */
function images(t: Test, aBytes: Buffer, bBytes: Buffer): { a: string; b: string; ha: string; hb: string } {
  const dir = t.testdir()
  const a = join(dir, 'a.img')
  const b = join(dir, 'b.img')
  writeFileSync(a, aBytes)
  writeFileSync(b, bBytes)
  return { a, b, ha: sha(a), hb: sha(b) }
}

t.test('swap-images swaps two images and reports every phase', async (t) => {
  const shared = randomBytes(2 * 1024 * 1024)
  const { a, b, ha, hb } = images(
    t,
    Buffer.concat([shared, randomBytes(1024 * 1024)]),
    Buffer.concat([randomBytes(1024 * 1024), shared]),
  )
  const r = await vboom(['swap-images', a, b], 120_000)
  t.equal(r.code, 0, r.stderr)
  t.equal(sha(a), hb, 'A holds B')
  t.equal(sha(b), ha, 'B holds A')
  t.match(r.stdout, /done in [\d.]+ s: each disk now holds the other's original image/)
  for (const role of ['A', 'B']) {
    t.match(r.stdout, new RegExp(`disk ${role}: swapped`))
  }
  t.match(r.stdout, /blocks {2}768 total: .* copied locally/, 'block counts')
  t.match(r.stdout, /time {4}index [\d.]+ s, manifest .* verify [\d.]+ s, cleanup [\d.]+ s/, 'time per phase')
  t.match(
    r.stdout,
    /io {6}staging (direct \(O_DIRECT\)|through the page cache), hashing /,
    'which I/O paths ran',
  )
})

t.test('swap-images refuses images of different sizes in one line, nothing written', async (t) => {
  const { a, b, ha, hb } = images(t, randomBytes(64 * 1024), randomBytes(128 * 1024))
  const r = await vboom(['swap-images', a, b], 60_000)
  t.not(r.code, 0)
  t.match(r.stderr, /size/i)
  t.equal(r.stderr.trim().split('\n').length, 1, r.stderr.trim())
  t.equal(sha(a), ha)
  t.equal(sha(b), hb)
})

t.test(
  'a rerun after a completed swap is refused with exit status 1 and says how to swap again',
  async (t) => {
    const { a, b, ha, hb } = images(t, randomBytes(512 * 1024), randomBytes(512 * 1024))
    const done = await vboom(['swap-images', '--no-isolate', '--json', a, b], 120_000)
    t.equal(done.code, 0, done.stderr)
    const swapId = (JSON.parse(done.stdout) as { swapId: string }).swapId

    const again = await vboom(['swap-images', '--no-isolate', a, b], 60_000)
    t.equal(again.code, 1, 'a refusal, not a usage error')
    const lines = again.stderr.trim().split('\n')
    const last = lines.at(-1) ?? ''
    t.match(
      last,
      new RegExp(
        `^vboom: .*a\\.img and .*b\\.img were swapped at \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(swap ${swapId}\\) and neither has changed since: running the swap again would swap them back\\. Nothing was done; to swap them back, run it again with --again$`,
      ),
    )
    t.equal(again.stdout, '', 'no report')
    t.equal(sha(a), hb, 'A still holds B')
    t.equal(sha(b), ha, 'B still holds A')

    const back = await vboom(['swap-images', '--no-isolate', '--again', a, b], 120_000)
    t.equal(back.code, 0, back.stderr)
    t.equal(sha(a), ha, 'with --again: swapped back')
    t.equal(sha(b), hb)
  },
)

t.test('a block size a swap cannot use is a usage error', async (t) => {
  const { a, b } = images(t, randomBytes(64 * 1024), randomBytes(64 * 1024))
  const r = await vboom(['swap-images', '--block-size', '3000', a, b], 60_000)
  t.equal(r.code, 2)
  t.match(r.stderr, /--block-size: block size 3000 is not a power of two from 512 to 1048576 bytes/)
})

/** Whether dist/ holds a build whose agent bundle is current (npm run build; CI builds before testing). */
function freshBuild(): boolean {
  try {
    const compiled = statSync(join(ROOT, 'dist/src/swapper/local/agent-main.js')).mtimeMs
    const bundle = statSync(join(ROOT, 'dist/src/swapper/local/agent-main.bundle.js')).mtimeMs
    return bundle >= compiled && statSync(join(ROOT, BUILT_MAIN)).isFile()
  } catch {
    return false
  }
}

t.test(
  'the built CLI swaps through the bundled agent',
  { skip: !freshBuild() && 'no current build in dist/: run npm run build' },
  async (t) => {
    const { a, b, ha, hb } = images(t, randomBytes(1024 * 1024), randomBytes(1024 * 1024))
    const r = await vboom(['swap-images', a, b], 120_000, { built: true })
    t.equal(r.code, 0, r.stderr)
    t.notMatch(r.stderr, /older than the compiled code/, 'the bundle was current, so the agents ran it')
    t.equal(sha(a), hb, 'A holds B')
    t.equal(sha(b), ha, 'B holds A')
  },
)
