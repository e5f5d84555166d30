/**
 * The in-use scanner (disk-use.ts): a disk another process writes, or one
 * attached to a loop device, is found with what frees it, and a swap of it is
 * refused before anything is created.
 */
import '../../src/polyfill.js'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { openDisk } from '../../src/swapper/disk.js'
import { findDiskUse } from '../../src/swapper/disk-use.js'
import { swapImages } from '../../src/swapper/local/swap-images.js'
import { MiB, random, sha256File, writeImage } from './helpers.js'

const isRoot = process.getuid?.() === 0

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
  t.equal(use?.kind, 'writer')
  t.match(use?.detail, new RegExp(`open for writing by process ${holder.pid}`))
  t.match(use?.remedy, new RegExp(`stop process ${holder.pid}`))
  t.equal(await findDiskUse(b), null, 'the other disk is free')
  const [ha, hb] = [await sha256File(a), await sha256File(b)]
  await t.rejects(swapImages(a, b), {
    name: 'DiskInUseError',
    code: 'DISK_IN_USE',
    use: 'writer',
    message: new RegExp(
      `open for writing by process ${holder.pid} .*; stop process ${holder.pid} .*, then run the swap again`,
    ),
  })
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
    const use = await findDiskUse(path)
    t.equal(use?.kind, 'loop')
    t.match(use?.detail, /backing file of \/dev\/loop/)
    t.equal(use?.remedy, `detach it: losetup -d ${dev}`)
    await t.rejects(openDisk(path), { name: 'DiskInUseError', use: 'loop', message: /losetup -d/ })
    // the loop device itself is a block device disk of the same size
    const d = await openDisk(dev, { checkInUse: false })
    t.equal(d.kind, 'block')
    t.equal(d.size, MiB)
    await d.close()
    t.ok(existsSync(dev))
  },
)
