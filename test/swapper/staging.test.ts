/**
 * Staging on its own: direct (O_DIRECT) and buffered I/O give the same bytes
 * for every shape of write and read the swap uses, and a plan staged and
 * applied from it turns a disk into the target image bit for bit (slots read
 * in slot order, targets interleaving local copies, fetched blocks and
 * duplicates, a short last block).
 */
import '../../src/polyfill.js'
import { closeSync, constants, openSync, truncateSync, writeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { Uint8ArrayList } from 'uint8arraylist'
import { openDisk } from '../../src/swapper/disk.js'
import { SwapStateError } from '../../src/swapper/errors.js'
import { indexDisk } from '../../src/swapper/index/block-index.js'
import { makePlan } from '../../src/swapper/plan/plan.js'
import { applyPlan } from '../../src/swapper/staging/apply.js'
import { AlignedAllocator, DIRECT_ALIGN, O_DIRECT } from '../../src/swapper/staging/direct-io.js'
import { stageLocal } from '../../src/swapper/staging/stage-local.js'
import { Staging } from '../../src/swapper/staging/staging.js'
import { MiB, seeded, writeImage } from './helpers.js'

/** Why direct tests skip: test directories live beside this file; ext4, xfs and tmpfs (Linux >= 6.6) take O_DIRECT. */
const noDirect = (() => {
  const a = AlignedAllocator.open(import.meta.dirname)
  a?.close()
  return a === null ? `O_DIRECT is refused on the filesystem of ${import.meta.dirname}` : false
})()

t.test('aligned views are accepted by the kernel for direct writes', { skip: noDirect }, async (t) => {
  const dir = t.testdir()
  const a = AlignedAllocator.open(dir)!
  t.teardown(() => a.close())
  const path = join(dir, 'f.bin')
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | O_DIRECT)
  t.teardown(() => closeSync(fd))
  for (const size of [DIRECT_ALIGN, 3 * DIRECT_ALIGN, MiB]) {
    const view = a.alloc(size)
    t.equal(view.byteLength, size)
    view.fill(size % 251)
    t.equal(writeSync(fd, view, 0, size, 0), size, `direct write of ${size} bytes from an aligned view`)
  }
  // the same memory one byte off is refused: the probe found a real boundary
  const view = a.alloc(2 * DIRECT_ALIGN)
  const off = new Uint8Array(view.buffer, view.byteOffset + 1, DIRECT_ALIGN)
  t.throws(() => writeSync(fd, off, 0, DIRECT_ALIGN, 0), { code: 'EINVAL' })
  t.same([...(await readFile(path)).subarray(0, 4)], [MiB % 251, MiB % 251, MiB % 251, MiB % 251])
})

for (const direct of [true, false]) {
  t.test(
    `staging round trips, ${direct ? 'direct' : 'buffered'}`,
    { skip: direct && noDirect },
    async (t) => {
      const dir = t.testdir()
      const bs = 4096
      const slots = 1024 // 4 MiB: writes and reads larger than one bounce buffer
      const path = join(dir, 'staging.bin')
      const s = await Staging.open(path, slots, bs, { direct })
      t.equal(s.fresh, true)
      t.equal(s.direct, direct)
      const want = seeded(slots * bs, 7)

      // an aligned buffer from staging (no copy when direct)
      const a = s.buffer(10 * bs)
      a.set(want.subarray(0, 10 * bs))
      await s.write(0, a.subarray(0, 10 * bs))
      // a plain, unaligned array: through the bounce buffers
      await s.write(10, Uint8Array.from(want.subarray(10 * bs, 20 * bs)))
      // received chunks of odd sizes, more than a bounce buffer in all
      const list = new Uint8ArrayList()
      for (let off = 20 * bs; off < slots * bs; ) {
        const n = Math.min(slots * bs - off, 1000 + ((off / 7) % 70000))
        list.append(Uint8Array.from(want.subarray(off, off + n)))
        off += n
      }
      await s.write(20, list)
      await s.sync()
      await s.close()

      const r = await Staging.open(path, slots, bs, { direct })
      t.teardown(() => r.close())
      t.equal(r.fresh, false, 'an existing file is not fresh')
      const all = r.buffer(slots * bs)
      r.readSync(0, all.subarray(0, slots * bs))
      t.ok(Buffer.from(all.subarray(0, slots * bs)).equals(want), 'aligned synchronous read')
      const plain = new Uint8Array(3 * bs + 100) // unaligned length and memory
      r.readSync(5, plain)
      t.ok(Buffer.from(plain).equals(want.subarray(5 * bs, 8 * bs + 100)), 'unaligned synchronous read')
      const later = new Uint8Array(300 * bs)
      await r.read(700, later)
      t.ok(Buffer.from(later).equals(want.subarray(700 * bs, 1000 * bs)), 'asynchronous read')
      t.ok((await readFile(path)).equals(want), 'the file holds exactly the slots')
    },
  )
}

t.test('staging that something truncated is reported, not read as zeros', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'staging.bin')
  const s = await Staging.open(path, 8, 4096)
  t.teardown(() => s.close())
  await s.write(0, seeded(8 * 4096, 3))
  truncateSync(path, 4 * 4096)
  const buf = s.buffer(8 * 4096)
  t.throws(() => s.readSync(0, buf), SwapStateError)
  await t.rejects(s.read(2, buf.subarray(0, 4 * 4096)), { code: 'STAGING_SHORT' })
})

t.test('block sizes below the direct alignment stage buffered', async (t) => {
  const dir = t.testdir()
  const s = await Staging.open(join(dir, 'staging.bin'), 16, 512)
  t.teardown(() => s.close())
  t.equal(s.direct, false)
  await s.write(3, seeded(512, 9))
  const back = new Uint8Array(512)
  s.readSync(3, back)
  t.same(Buffer.from(back), seeded(512, 9))
})

/**
 * Local and target images whose blocks interleave every case: equal,
 * moved (local copy), new (fetched), duplicated (one slot, many targets),
 * zero, and a short last block.
 */
function imagePair(bs: number, blocks: number): { local: Buffer; target: Buffer } {
  const size = blocks * bs - 1000 // the last block is short
  const local = seeded(size, 11)
  const target = Buffer.alloc(size)
  const fresh = seeded(size, 12)
  for (let i = 0; i < blocks; i++) {
    const to = target.subarray(i * bs, Math.min((i + 1) * bs, size))
    switch (i % 6) {
      case 0: // equal
        local.copy(to, 0, i * bs)
        break
      case 1: // moved: a block from elsewhere on the local disk
      case 2:
        local.copy(to, 0, ((i * 37 + 5) % (blocks - 1)) * bs)
        break
      case 3: // new: only the peer has it
        fresh.copy(to, 0, i * bs)
        break
      case 4: // a duplicate of one fetched content
        fresh.copy(to, 0, 3 * bs)
        break
      default: // zero
        break
    }
  }
  return { local, target }
}

for (const direct of [true, false]) {
  t.test(
    `stage and apply turn the disk into the target, ${direct ? 'direct' : 'buffered'}`,
    { skip: direct && noDirect },
    async (t) => {
      const dir = t.testdir()
      const bs = 4096
      const blocks = 3000 // several apply read groups of 1 MiB
      const { local, target } = imagePair(bs, blocks)
      const localPath = join(dir, 'local.img')
      const targetPath = join(dir, 'target.img')
      await writeImage(localPath, local)
      await writeImage(targetPath, target)
      const disk = await openDisk(localPath, { writable: true })
      const targetDisk = await openDisk(targetPath)
      t.teardown(async () => {
        await disk.close()
        await targetDisk.close()
      })
      const plan = makePlan(await indexDisk(disk, bs), await indexDisk(targetDisk, bs), { inPlace: false })
      const tIndex = await indexDisk(targetDisk, bs)
      t.ok(plan.counts.local > 0 && plan.counts.fetched > plan.counts.fetchedUnique && plan.counts.zero > 0)

      const staging = await Staging.open(join(dir, 'staging.bin'), plan.slots.length, bs, { direct })
      t.teardown(() => staging.close())
      const all = plan.slots.map((_, k) => k)
      await stageLocal(staging, plan, tIndex, disk, all)
      // fetched slots: the peer's bytes, as the fetch sink writes them (chunks)
      for (let k = 0; k < plan.slots.length; k++) {
        const s = plan.slots[k]!
        if (s.from !== 'peer') continue
        const bytes = target.subarray(s.source * bs, Math.min((s.source + 1) * bs, target.length))
        await staging.write(k, new Uint8ArrayList(Uint8Array.from(bytes)))
      }
      await staging.sync()
      await applyPlan(plan, staging, tIndex, disk)
      t.ok((await readFile(localPath)).equals(target), 'the disk is the target image, bit for bit')
    },
  )
}
