import '../../src/polyfill.js'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { assertSameSize, type Disk, openDisk } from '../../src/swapper/disk.js'
import { swapImages } from '../../src/swapper/local/swap-images.js'
import { MiB, random, sha256File, writeImage } from './helpers.js'

const isRoot = process.getuid?.() === 0

t.test('read, write, flush, and bounds of an image file', async (t) => {
  const path = join(t.testdir(), 'd.img')
  await writeImage(path, random(MiB))
  const d = await openDisk(path, { writable: true })
  t.equal(d.kind, 'file')
  t.equal(d.size, MiB)
  const buf = Buffer.alloc(4096, 7)
  await d.write(buf, 8192)
  await d.flush()
  const back = Buffer.alloc(4096)
  await d.read(back, 8192)
  t.same(back, buf)
  const outside = {
    name: 'SwapInternalError',
    code: 'DISK_OUT_OF_RANGE',
    message: /is outside the disk .* a bug/,
  }
  await t.rejects(d.read(Buffer.alloc(10), MiB - 5), outside)
  await t.rejects(d.write(Buffer.alloc(10), MiB - 5), outside, 'never grows the disk')
  t.throws(() => d.readSync(Buffer.alloc(10), -1), outside)
  t.throws(() => d.writeSync(Buffer.alloc(10), MiB), outside)
  t.equal(d.size, MiB)
  await d.close()
  await t.rejects(openDisk(t.testdir()), { name: 'DiskOpenError' }, 'a directory is not a disk')
})

t.test('disks of different sizes are refused before anything is written', async (t) => {
  const dir = t.testdir()
  const a = join(dir, 'a.img')
  const b = join(dir, 'b.img')
  await writeImage(a, random(MiB))
  await writeImage(b, random(MiB + 4096))
  t.throws(() => assertSameSize({ size: 1 }, { size: 2 }), {
    name: 'DiskSizeMismatchError',
    code: 'DISK_SIZE_MISMATCH',
  })
  const [ha, hb] = [await sha256File(a), await sha256File(b)]
  await t.rejects(swapImages(a, b), { name: 'DiskSizeMismatchError' })
  t.equal(await sha256File(a), ha)
  t.equal(await sha256File(b), hb)
  t.same(readdirSync(dir).sort(), ['a.img', 'b.img'], 'no state created')
  await t.rejects(swapImages(a, a), { name: 'DiskOpenError' }, 'a disk cannot swap with itself')
})

t.test('a disk truncated while open: a short read names the disk, its size and what to do', async (t) => {
  const path = join(t.testdir(), 'd.img')
  await writeImage(path, random(MiB))
  const d = await openDisk(path)
  t.teardown(() => d.close())
  truncateSync(path, MiB / 2)
  const short = {
    name: 'DiskIoError',
    code: 'DISK_SHORT_READ',
    path,
    message: new RegExp(
      `is ${MiB / 2} bytes but was ${MiB} bytes when the swap opened it: .* Give it back its size of ${MiB} bytes`,
    ),
  }
  await t.rejects(d.read(Buffer.alloc(4096), MiB - 4096), short)
  t.throws(() => d.readSync(Buffer.alloc(4096), MiB - 4096), short)
  const first = Buffer.alloc(4096)
  await d.read(first, 0)
  t.pass('what is still there reads as before')
})

t.test(
  'a write into a full filesystem says which disk and that space must be freed',
  { skip: !isRoot && 'needs root to mount a small tmpfs' },
  async (t) => {
    const mnt = mkdtempSync(join(tmpdir(), 'vboom-full-'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt])
    } catch (err) {
      rmSync(mnt, { recursive: true })
      t.plan(0, `mount failed here: ${(err as Error).message.split('\n')[0]}`)
      return
    }
    let d: Disk | null = null
    t.teardown(async () => {
      await d?.close()
      execFileSync('umount', [mnt])
      rmSync(mnt, { recursive: true })
    })
    // a sparse image larger than its filesystem: fine until its holes are written
    const path = join(mnt, 'sparse.img')
    writeFileSync(path, '')
    truncateSync(path, MiB)
    const disk = await openDisk(path, { writable: true })
    d = disk
    const full = { name: 'DiskIoError', code: 'DISK_WRITE', path, message: /is full .* free space there/ }
    await t.rejects(disk.write(random(MiB / 2), 0), full)
    t.throws(() => disk.writeSync(random(MiB / 2), MiB / 2), full)
  },
)
