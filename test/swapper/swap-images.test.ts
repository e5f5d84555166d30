import '../../src/polyfill.js'
import { execFileSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { SwapProgressEvent } from '../../src/swapper/events.js'
import { BATCHED_HASHING, MAPPED_HASHING } from '../../src/swapper/index/hash.js'
import { createProgressBars } from '../../src/swapper/local/progress-bars.js'
import { type SwapImagesOptions, swapImages } from '../../src/swapper/local/swap-images.js'
import { SWAP_RECORD_FILE, type SwapRecord } from '../../src/swapper/local/swap-record.js'
import { AlignedAllocator } from '../../src/swapper/staging/direct-io.js'
import { MiB, random, randomPair, randomWithZeros, sha256File, writeImage } from './helpers.js'

type Failure = Error & { cause?: Error }

const BS = 4096
const isRoot = process.getuid?.() === 0

/** Swaps a and b (written from the given bytes) and checks the result bit for bit. */
async function swapAndCheck(t: Test, a: Buffer, b: Buffer, opts: SwapImagesOptions = {}) {
  const dir = t.testdir()
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  await writeImage(pa, a)
  await writeImage(pb, b)
  const [ha, hb] = [await sha256File(pa), await sha256File(pb)]
  const r = await swapImages(pa, pb, { stagingReserveBytes: 0, ...opts })
  t.equal(await sha256File(pa), hb, 'A now holds B bit for bit')
  t.equal(await sha256File(pb), ha, 'B now holds A bit for bit')
  onlyTheRecordLeft(t, dir)
  return r
}

/** After a completed swap `dir` holds the two images and a work directory with nothing but the swap's record. */
function onlyTheRecordLeft(t: Test, dir: string): string {
  const entries = readdirSync(dir).sort()
  const work = entries.find((e) => e.startsWith('.vboom-swap-'))
  t.same(entries, [work, 'a.img', 'b.img'], 'the images and the work directory')
  t.same(readdirSync(join(dir, work ?? '')), [SWAP_RECORD_FILE], 'only the record of the swap is left in it')
  return join(dir, work ?? '')
}

t.test('two random images', async (t) => {
  const events: SwapProgressEvent[] = []
  const bars = createProgressBars()
  const r = await swapAndCheck(t, random(4 * MiB), random(4 * MiB), {
    onProgress: (e) => {
      events.push(e)
      bars.onProgress(e)
    },
  })
  bars.stop()
  t.equal(r.a.outcome, 'swapped')
  t.same(r.a.blocks, {
    skipped: 0,
    zero: 0,
    local: 0,
    fetched: 1024,
    fetchedUnique: 1024,
    localUnique: 0,
    localInPlace: 0,
    total: 1024,
  })
  t.ok(r.totals.received >= 8 * MiB, 'every block crossed the wire')
  t.equal(r.a.rootAfter, r.b.rootBefore)
  // the report says which fast paths ran: the same as this process finds here
  const probe = AlignedAllocator.open(t.testdirName)
  probe?.close()
  t.same(r.a.io, {
    stagingDirect: probe !== null,
    batchedHashing: BATCHED_HASHING,
    mappedHashing: MAPPED_HASHING,
  })
  for (const phase of ['index', 'manifest', 'plan', 'stage', 'verify', 'commit', 'apply', 'cleanup']) {
    t.ok(
      events.some((e) => e.type === 'phase-end' && e.role === 'a' && e.phase === phase),
      `phase ${phase} reported`,
    )
  }
  t.ok(
    events.some((e) => e.type === 'progress' && e.phase === 'stage' && e.done === e.total),
    'stage progress reaches its total',
  )
})

t.test('a random image and an all-zero image: zeros are written, not sent', async (t) => {
  const r = await swapAndCheck(t, random(4 * MiB), Buffer.alloc(4 * MiB))
  t.equal(r.a.blocks.zero, 1024, 'A becomes zeros without transfer')
  t.equal(r.b.blocks.fetched, 1024)
  t.ok(r.a.bytes.received < 64 * 1024, 'A received only the manifest')
})

t.test('random images with zero blocks', async (t) => {
  const r = await swapAndCheck(t, randomWithZeros(4 * MiB, BS, 3), randomWithZeros(4 * MiB, BS, 5))
  t.ok(r.a.blocks.zero > 0 && r.a.blocks.skipped > 0, 'shared zero blocks skipped, others zeroed')
})

t.test('two sparse images', async (t) => {
  const size = 8 * MiB
  const sparse = (): Buffer => {
    const b = Buffer.alloc(size)
    for (let k = 0; k < 20; k++) random(BS).copy(b, Math.floor(Math.random() * (size / BS)) * BS)
    return b
  }
  const r = await swapAndCheck(t, sparse(), sparse())
  t.ok(r.a.blocks.skipped >= 2048 - 40, 'holes on both sides are skipped')
  t.ok(r.a.blocks.fetched <= 20)
})

t.test('two images sharing most blocks: only the differences travel', async (t) => {
  const a = random(4 * MiB)
  const b = Buffer.from(a)
  for (const i of [3, 100, 500, 1023]) random(BS).copy(b, i * BS)
  const r = await swapAndCheck(t, a, b, { compress: false })
  t.equal(r.a.blocks.skipped, 1020)
  t.equal(r.a.blocks.fetched, 4)
  t.equal(r.b.blocks.fetched, 4)
  t.ok(r.totals.received < 300 * 1024, `${r.totals.received} bytes received: manifests plus 8 blocks`)
})

t.test('blocks moved to other offsets are copied locally', async (t) => {
  const n = 1024
  const a = random(n * BS)
  const b = Buffer.alloc(n * BS)
  // B holds A's blocks rotated by 7 blocks, and 10 blocks of its own
  for (let i = 0; i < n; i++) a.copy(b, ((i + 7) % n) * BS, i * BS, (i + 1) * BS)
  for (let k = 0; k < 10; k++) random(BS).copy(b, k * 50 * BS)
  const r = await swapAndCheck(t, a, b)
  t.equal(r.a.blocks.local, n - 10, 'A finds all but the new blocks on its own disk')
  t.equal(r.a.blocks.fetched, 10)
  t.equal(r.b.blocks.local, n - 10)
  t.equal(r.b.blocks.fetched, 10, 'B fetches A blocks that B overwrote with its own')
})

t.test(
  'a moved block changed on the disk after the commit point: the final check catches it, staging repairs it',
  async (t) => {
    const n = 1024
    const a = random(n * BS)
    const b = Buffer.alloc(n * BS)
    for (let i = 0; i < n; i++) a.copy(b, ((i + 7) % n) * BS, i * BS, (i + 1) * BS)
    const notes: string[] = []
    let tampered = false
    const r = await swapAndCheck(t, a, b, {
      onProgress: (e) => {
        if (e.type === 'note' && e.role === 'a') notes.push(e.message)
        // before A's first apply reads its moved blocks from their sources:
        // another writer changes block 500, the source of target 507
        if (e.type === 'phase-start' && e.phase === 'apply' && e.role === 'a' && !tampered) {
          tampered = true
          const fd = openSync(join(t.testdirName, 'a.img'), 'r+')
          writeSync(fd, random(BS), 0, BS, 500 * BS)
          closeSync(fd)
        }
      },
    })
    t.ok(tampered)
    t.equal(r.a.outcome, 'swapped')
    t.ok(
      notes.some((m) => /not the peer's original root.*applying again from staging/.test(m)),
      'A says its disk failed the check and was applied again from staging',
    )
  },
)

t.test('compressible data travels compressed', async (t) => {
  const text = Buffer.alloc(4 * MiB)
  for (let off = 0; off < text.length; off += 64)
    text.write(`line ${off} of a log file, mostly the same\n`, off)
  const r = await swapAndCheck(t, text, random(4 * MiB))
  t.ok(r.a.bytes.sent < MiB, `A sent ${r.a.bytes.sent} bytes for 4 MiB of text`)
})

t.test('a block corrupted in transit is detected and refetched', async (t) => {
  const r = await swapAndCheck(t, random(2 * MiB), random(2 * MiB), {
    // B's serving path flips a byte in blocks 5 and 300 the first time each is sent
    faults: { b: { corruptBlock: (i, attempt) => (i === 5 || i === 300) && attempt === 1 } },
  })
  t.equal(r.a.badBlocks, 2, "A counted B's two bad blocks")
  t.equal(r.b.badBlocks, 0)
})

t.test('a peer that keeps sending bad blocks is dropped and the swap aborts, originals intact', async (t) => {
  const dir = t.testdir()
  const { pa, pb, ha, hb } = await randomPair(dir, 2 * MiB)
  const err = await swapImages(pa, pb, {
    stagingReserveBytes: 0,
    maxBadBlocks: 4,
    faults: { b: { corruptBlock: (i) => i % 100 === 0 } },
  }).then(
    () => ({ name: 'resolved' }) as Failure,
    (e: unknown) => e as Failure,
  )
  t.equal(err.name, 'SwapAbortedError')
  t.equal(err.cause?.name, 'BadPeerError')
  t.equal(await sha256File(pa), ha, 'A untouched')
  t.equal(await sha256File(pb), hb, 'B untouched')
  t.same(readdirSync(dir).sort(), ['a.img', 'b.img'], 'staging removed')
})

t.test('not enough staging space: refused, nothing written', async (t) => {
  const dir = t.testdir()
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  await writeImage(pa, random(2 * MiB))
  await writeImage(pb, random(2 * MiB))
  const [ha, hb] = [await sha256File(pa), await sha256File(pb)]
  // a reserve larger than any disk here: the space check must refuse
  const err = await swapImages(pa, pb, { stagingReserveBytes: 2 ** 60 }).then(
    () => ({ name: 'resolved' }) as Failure,
    (e: unknown) => e as Failure,
  )
  t.equal(err.name, 'SwapAbortedError')
  t.equal(err.cause?.name, 'InsufficientStagingSpaceError')
  t.equal(await sha256File(pa), ha)
  t.equal(await sha256File(pb), hb)
  t.same(readdirSync(dir).sort(), ['a.img', 'b.img'])
})

t.test(
  'staging on a filesystem too small for it: refused, nothing written',
  { skip: !isRoot && 'needs root to mount a tmpfs' },
  async (t) => {
    const dir = t.testdir()
    // outside the test dir: tap removes that before our teardown could unmount
    const mnt = mkdtempSync(join(tmpdir(), 'vboom-small-'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt])
    } catch (err) {
      t.plan(0, `cannot mount tmpfs here: ${(err as Error).message.split('\n')[0]}`)
      return
    }
    t.teardown(() => {
      execFileSync('umount', [mnt])
      rmSync(mnt, { recursive: true })
    })
    const pa = join(dir, 'a.img')
    const pb = join(dir, 'b.img')
    await writeImage(pa, random(2 * MiB))
    await writeImage(pb, random(2 * MiB))
    const [ha, hb] = [await sha256File(pa), await sha256File(pb)]
    const err = await swapImages(pa, pb, {
      stagingReserveBytes: 0,
      stateDirA: join(mnt, 'a'),
      workDir: join(dir, 'w'),
    }).then(
      () => ({ name: 'resolved' }) as Failure,
      (e: unknown) => e as Failure,
    )
    t.equal(err.cause?.name, 'InsufficientStagingSpaceError')
    t.equal(await sha256File(pa), ha)
    t.equal(await sha256File(pb), hb)
    t.notOk(existsSync(join(mnt, 'a', 'staging.bin')))
  },
)

t.test(
  'a rerun after a completed swap is refused and changes nothing; --again swaps the pair back',
  async (t) => {
    const dir = t.testdir()
    const { pa, pb, ha, hb } = await randomPair(dir, 2 * MiB)
    const first = await swapImages(pa, pb, { stagingReserveBytes: 0 })
    const work = onlyTheRecordLeft(t, dir)
    const record = JSON.parse(readFileSync(join(work, SWAP_RECORD_FILE), 'utf8')) as SwapRecord
    t.equal(record.swapId, first.swapId)
    t.equal(record.disks.a.root, first.b.rootBefore, "A's recorded root is B's original")
    t.equal(record.disks.b.root, first.a.rootBefore, "B's recorded root is A's original")

    const notes: string[] = []
    const refused = {
      name: 'SwapAlreadyCompletedError',
      code: 'SWAP_ALREADY_COMPLETED',
      swapId: first.swapId,
      completedAt: record.completedAt,
      message:
        /were swapped at .* neither has changed since: running the swap again would swap them back\. Nothing was done; to swap them back, run it again with --again/,
    }
    await t.rejects(
      swapImages(pa, pb, {
        stagingReserveBytes: 0,
        onProgress: (e) => e.type === 'note' && notes.push(e.message),
      }),
      refused,
    )
    t.ok(
      notes.some((m) => /was swapped at .*: hashing it/.test(m)),
      'it says why it hashes the disks',
    )
    await t.rejects(swapImages(pb, pa, { stagingReserveBytes: 0 }), refused, 'in either order')
    t.equal(await sha256File(pa), hb, 'A still holds B')
    t.equal(await sha256File(pb), ha, 'B still holds A')
    t.same(readdirSync(work), [SWAP_RECORD_FILE], 'no session was started')

    const back = await swapImages(pa, pb, { stagingReserveBytes: 0, again: true })
    t.equal(await sha256File(pa), ha, 'with again: A holds its own image again')
    t.equal(await sha256File(pb), hb, 'and B its own')
    const now = JSON.parse(readFileSync(join(work, SWAP_RECORD_FILE), 'utf8')) as SwapRecord
    t.equal(now.swapId, back.swapId, 'the record is of the swap back now')
  },
)

t.test('a rerun after a completed swap where a disk changed since is a new swap', async (t) => {
  const dir = t.testdir()
  const { pa, pb } = await randomPair(dir, MiB)
  await swapImages(pa, pb, { stagingReserveBytes: 0 })
  // one byte of B rewritten in place: same file, same size, another root
  const fd = openSync(pb, 'r+')
  writeSync(fd, Buffer.from([1, 2, 3]), 0, 3, 4096)
  closeSync(fd)
  const [ha, hb] = [await sha256File(pa), await sha256File(pb)]
  const r = await swapImages(pa, pb, { stagingReserveBytes: 0 })
  t.equal(r.a.outcome, 'swapped')
  t.equal(await sha256File(pa), hb)
  t.equal(await sha256File(pb), ha)
  const work = onlyTheRecordLeft(t, dir)
  t.equal((JSON.parse(readFileSync(join(work, SWAP_RECORD_FILE), 'utf8')) as SwapRecord).swapId, r.swapId)
})

t.test('a block size a swap cannot use is refused before anything is created', async (t) => {
  const dir = t.testdir()
  const { pa, pb, ha, hb } = await randomPair(dir, MiB)
  await t.rejects(swapImages(pa, pb, { blockSize: 3000 }), { name: 'BlockSizeError', code: 'BLOCK_SIZE' })
  t.equal(await sha256File(pa), ha)
  t.equal(await sha256File(pb), hb)
  t.same(readdirSync(dir).sort(), ['a.img', 'b.img'])
})

t.test('full transfer (dedup and compression off) is bit-exact too', async (t) => {
  const a = random(2 * MiB)
  const r = await swapAndCheck(t, a, Buffer.from(a).fill(0, 0, MiB), { dedup: false, compress: false })
  t.equal(r.a.blocks.fetched, 512, 'every block fetched although half are equal')
  t.equal(r.a.blocks.skipped, 0)
})

t.test('images whose size is not a multiple of the block size', async (t) => {
  const r = await swapAndCheck(t, random(MiB + 1234), random(MiB + 1234))
  t.equal(r.a.blocks.total, 257)
})

t.test('a block device and an image file swap', { skip: !isRoot && 'needs root for losetup' }, async (t) => {
  const dir = t.testdir()
  const pa = join(dir, 'a.img')
  const pb = join(dir, 'b.img')
  await writeImage(pa, random(2 * MiB))
  await writeImage(pb, random(2 * MiB))
  let dev: string
  try {
    dev = execFileSync('losetup', ['-f', '--show', pa], { encoding: 'utf8' }).trim()
  } catch (err) {
    t.plan(0, `losetup failed: ${(err as Error).message.split('\n')[0]}`)
    return
  }
  t.teardown(() => {
    execFileSync('losetup', ['-d', dev])
  })
  const [ha, hb] = [await sha256File(pa), await sha256File(pb)]
  // the image behind the loop device is in use; the device itself is the disk
  await t.rejects(swapImages(pa, pb), { name: 'DiskInUseError' })
  await swapImages(dev, pb, { stagingReserveBytes: 0, workDir: join(dir, 'w') })
  const fh = await open(dev, 'r')
  await fh.close()
  t.equal(await sha256File(pb), ha)
  t.equal(await sha256File(pa), hb, 'the device now holds B (read through its backing file)')
})
