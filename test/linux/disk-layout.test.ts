import { readFile } from 'node:fs/promises'
import t from 'tap'
import { GPT_PROTECTIVE_TYPE, parseMbr, redirectedMbr, withPartition } from '../../src/linux/disk/mbr.js'
import { findReserve, reserveFromTable, sameReserve } from '../../src/linux/reserve/layout.js'
import { FAKE_MBR_CODE, fakeVboomDisk, SECTOR, tempDir } from './helpers.js'

t.test('parseMbr reads the entries and refuses what it cannot redirect', async (t) => {
  const dir = await tempDir(t)
  const d = await fakeVboomDisk(dir)
  const mbr = parseMbr(d.bootArea)
  t.same(
    mbr.partitions.map((p) => [p.index, p.active, p.startLba, p.sectors]),
    [
      [1, true, d.p1.startLba, d.p1.sectors],
      [3, false, d.boot.startLba, d.boot.sectors],
      [4, false, d.state.startLba, d.state.sectors],
    ],
  )
  t.equal(mbr.diskSignature, 0x04030201)
  t.throws(() => parseMbr(new Uint8Array(512)), {
    name: 'ReserveError',
    code: 'RESERVE_BOOT_SCHEME_UNSUPPORTED',
  })
  const gpt = withPartition(new Uint8Array(512), 1, {
    active: false,
    type: GPT_PROTECTIVE_TYPE,
    startLba: 1,
    sectors: 100,
  })
  t.throws(() => parseMbr(gpt), { code: 'RESERVE_BOOT_SCHEME_UNSUPPORTED' }, 'a GPT disk is refused')
  const ext = withPartition(d.bootArea, 2, { active: false, type: 0x05, startLba: 10, sectors: 10 })
  t.throws(
    () => parseMbr(ext),
    { code: 'RESERVE_BOOT_SCHEME_UNSUPPORTED' },
    'extended partitions are refused',
  )
})

t.test('the redirect changes the boot code and the active flag, nothing else', async (t) => {
  const dir = await tempDir(t)
  const d = await fakeVboomDisk(dir)
  const r = redirectedMbr(d.bootArea, FAKE_MBR_CODE, 3)
  t.same(r.subarray(0, 440), FAKE_MBR_CODE, 'the MBR boot program replaces the VM boot code')
  t.same(r.subarray(440, 446), d.bootArea.subarray(440, 446), 'the disk signature stays')
  const before = parseMbr(d.bootArea).partitions
  const after = parseMbr(r).partitions
  t.same(
    after.map((p) => ({ ...p, active: false })),
    before.map((p) => ({ ...p, active: false })),
    'every partition entry stays where it was',
  )
  t.same(
    after.filter((p) => p.active).map((p) => p.index),
    [3],
    'only the reserve boot partition is active',
  )
  t.throws(
    () => redirectedMbr(d.bootArea, FAKE_MBR_CODE, 2),
    { code: 'RESERVE_LAYOUT' },
    'an empty entry cannot boot',
  )
  t.throws(() => redirectedMbr(d.bootArea, Buffer.alloc(10), 3), { code: 'RESERVE_LAYOUT' })
})

t.test('the reserve is found by geometry and by content', async (t) => {
  const dir = await tempDir(t)
  const d = await fakeVboomDisk(dir)
  const layout = await findReserve(d.path, d.diskBytes, d.bootArea.subarray(0, SECTOR))
  t.equal(layout.swapBytes, d.boot.startLba * SECTOR, 'the swap ends where the reserve starts')
  t.equal(layout.boot.index, 3)
  t.equal(layout.state.index, 4)
  t.equal(layout.bootAreaBytes, 4096)
  t.ok(sameReserve(layout, layout))

  // a table whose last partition does not end at the disk's end has no reserve
  const short = withPartition(d.bootArea, 4, {
    active: false,
    type: 0x83,
    startLba: d.state.startLba,
    sectors: d.state.sectors - 8,
  })
  t.equal(reserveFromTable(short, d.diskBytes), null)
  // nor one whose VM partition reaches into the reserve
  const overlap = withPartition(d.bootArea, 1, {
    active: true,
    type: 0x83,
    startLba: 2048,
    sectors: d.p1.sectors + 8,
  })
  t.equal(reserveFromTable(overlap, d.diskBytes), null)
  await t.rejects(findReserve(d.path, d.diskBytes, short), { code: 'RESERVE_MISSING' })

  // the right geometry without the labels is not a reserve
  const disk = await readFile(d.path)
  disk.fill(0, d.boot.startLba * SECTOR, d.boot.startLba * SECTOR + SECTOR)
  const { writeFile } = await import('node:fs/promises')
  await writeFile(d.path, disk)
  await t.rejects(findReserve(d.path, d.diskBytes, d.bootArea), { code: 'RESERVE_LAYOUT' })
})
