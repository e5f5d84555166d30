import '../../src/polyfill.js'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { assertSameSize, findDiskUse, openDisk } from '../../src/swapper/disk.js'
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
  await t.rejects(d.read(Buffer.alloc(10), MiB - 5), RangeError)
  await t.rejects(d.write(Buffer.alloc(10), MiB - 5), RangeError, 'never grows the disk')
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

t.test('a disk held open for writing by another process is in use', async (t) => {
  const dir = t.testdir()
  const a = join(dir, 'a.img')
  const b = join(dir, 'b.img')
  await writeImage(a, random(MiB))
  await writeImage(b, random(MiB))
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `require('fs').openSync(${JSON.stringify(a)}, 'r+'); process.stdout.write('open\\n'); setInterval(() => {}, 1000)`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  t.teardown(() => {
    holder.kill('SIGKILL')
  })
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()))
  const use = await findDiskUse(a)
  t.match(use, new RegExp(`open for writing by process ${holder.pid}`))
  t.equal(await findDiskUse(b), null, 'the other disk is free')
  const [ha, hb] = [await sha256File(a), await sha256File(b)]
  await t.rejects(swapImages(a, b), { name: 'DiskInUseError', code: 'DISK_IN_USE' })
  t.equal(await sha256File(a), ha)
  t.equal(await sha256File(b), hb)
  t.same(readdirSync(dir).sort(), ['a.img', 'b.img'], 'no state created')

  const reader = spawn(
    process.execPath,
    [
      '-e',
      `require('fs').openSync(${JSON.stringify(b)}, 'r'); process.stdout.write('open\\n'); setInterval(() => {}, 1000)`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  t.teardown(() => {
    reader.kill('SIGKILL')
  })
  await new Promise<void>((resolve) => reader.stdout.once('data', () => resolve()))
  t.equal(await findDiskUse(b), null, 'a reader does not make a disk in use')
})

t.test(
  'an image attached to a loop device is in use',
  { skip: !isRoot && 'needs root for losetup' },
  async (t) => {
    const path = join(t.testdir(), 'loop.img')
    await writeImage(path, random(MiB))
    let dev: string
    try {
      dev = execFileSync('losetup', ['-f', '--show', path], { encoding: 'utf8' }).trim()
    } catch (err) {
      t.plan(0, `losetup failed here: ${(err as Error).message.split('\n')[0]}`)
      return
    }
    t.teardown(() => {
      execFileSync('losetup', ['-d', dev])
    })
    t.match(await findDiskUse(path), /backing file of \/dev\/loop/)
    await t.rejects(openDisk(path), { name: 'DiskInUseError' })
    // the loop device itself is a block device disk of the same size
    const d = await openDisk(dev, { checkInUse: false })
    t.equal(d.kind, 'block')
    t.equal(d.size, MiB)
    await d.close()
    t.ok(existsSync(dev))
  },
)
