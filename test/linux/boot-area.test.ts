import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { STATE_FILES } from '../../src/linux/constants.js'
import { parseMbr, redirectedMbr, withPartition } from '../../src/linux/disk/mbr.js'
import { commitBoot, isRedirected, redirectBoot, sha256Hex } from '../../src/linux/reserve/boot-area.js'
import { findReserve } from '../../src/linux/reserve/layout.js'
import { ReservedSwapDisk } from '../../src/linux/reserve/swap-disk.js'
import type { Disk } from '../../src/swapper/disk.js'
import { FAKE_MBR_CODE, fakeStateDir, fakeVboomDisk, SECTOR, tempDir } from './helpers.js'

async function setup(t: Test) {
  const dir = await tempDir(t)
  const d = await fakeVboomDisk(dir)
  const stateDir = await fakeStateDir(dir)
  const layout = await findReserve(d.path, d.diskBytes, d.bootArea.subarray(0, SECTOR))
  return { dir, d, stateDir, layout }
}

const head = async (path: string, n = 4096): Promise<Buffer> => (await readFile(path)).subarray(0, n)

t.test('redirect: the boot area is saved, then only sector 0 is rewritten', async (t) => {
  const { d, stateDir, layout } = await setup(t)
  const r = await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
  t.equal(r.alreadyRedirected, false)
  t.equal(r.bootAreaSha256, sha256Hex(d.bootArea))
  t.same(await readFile(join(stateDir, STATE_FILES.bootArea)), d.bootArea, 'the true boot area is saved')
  const now = await head(d.path)
  t.same(
    now.subarray(0, SECTOR),
    Buffer.from(redirectedMbr(d.bootArea, FAKE_MBR_CODE, 3)),
    'sector 0 boots the reserve',
  )
  t.same(now.subarray(SECTOR), d.bootArea.subarray(SECTOR), 'the rest of the boot area is untouched')
  t.ok(await isRedirected({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE }))

  // a second leave (a crash between the redirect and the kexec) keeps the saved original
  const again = await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
  t.equal(again.alreadyRedirected, true)
  t.same(
    await readFile(join(stateDir, STATE_FILES.bootArea)),
    d.bootArea,
    'the original is not overwritten by the redirect',
  )
})

t.test('a copy left by an earlier swap is replaced by what the disk holds now', async (t) => {
  const { d, stateDir, layout } = await setup(t)
  await writeFile(join(stateDir, STATE_FILES.bootArea), randomBytes(4096))
  const r = await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
  t.equal(r.alreadyRedirected, false)
  t.same(await readFile(join(stateDir, STATE_FILES.bootArea)), d.bootArea)
})

t.test('commit: the saved boot area goes back, sector 0 last; idempotent', async (t) => {
  const { d, stateDir, layout } = await setup(t)
  await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
  // the swap wrote the partner's boot area into the copy (same reserve entries, other VM code)
  const partner = Buffer.concat([
    Buffer.from(withPartition(d.bootArea, 1, { active: true, type: 0x83, ...d.p1 })),
    randomBytes(4096 - SECTOR),
  ])
  partner.fill(0x44, 0, 440)
  await writeFile(join(stateDir, STATE_FILES.bootArea), partner)
  const c = await commitBoot({ devicePath: d.path, stateDir, layout, logicalBlockBytes: 512 })
  t.equal(c.alreadyCommitted, false)
  t.same(await head(d.path), partner, "the disk's boot area is the partner's")
  const c2 = await commitBoot({ devicePath: d.path, stateDir, layout, logicalBlockBytes: 512 })
  t.equal(c2.alreadyCommitted, true, 'a second commit finds it done')
  t.notOk(await isRedirected({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE }))
})

t.test('commit refuses a boot area that does not describe this reserve, and a missing copy', async (t) => {
  const { d, stateDir, layout } = await setup(t)
  await t.rejects(commitBoot({ devicePath: d.path, stateDir, layout, logicalBlockBytes: 512 }), {
    name: 'ReserveError',
    code: 'RESERVE_BOOT_AREA_LOST',
  })
  await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
  const before = await head(d.path)
  const foreign = withPartition(d.bootArea, 4, {
    active: false,
    type: 0x83,
    startLba: d.state.startLba + 2,
    sectors: d.state.sectors - 2,
  })
  await writeFile(
    join(stateDir, STATE_FILES.bootArea),
    Buffer.concat([Buffer.from(foreign), d.bootArea.subarray(SECTOR)]),
  )
  await t.rejects(commitBoot({ devicePath: d.path, stateDir, layout, logicalBlockBytes: 512 }), {
    code: 'RESERVE_FOREIGN_LAYOUT',
  })
  t.same(await head(d.path), before, 'nothing was written: the disk still boots the stateless image')
  t.same(parseMbr(before).partitions.find((p) => p.active)?.index, 3)
})

t.test('the swap view: the swapped region, with the saved boot area in place of sector 0', async (t) => {
  const { d, stateDir, layout } = await setup(t)
  await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
  const disk = await ReservedSwapDisk.open({ devicePath: d.path, stateDir, layout, writable: true })
  t.teardown(() => disk.close())
  t.equal(disk.size, layout.swapBytes, 'the reserve is outside the swapped region')
  t.equal((disk as Disk).fd, undefined, 'no fd: mapped hashing would read the redirect')
  const buf = new Uint8Array(8192)
  await disk.read(buf, 0)
  const raw = await head(d.path, 8192)
  t.same(Buffer.from(buf.subarray(0, 4096)), d.bootArea, 'the true boot area is read, not the redirect')
  t.same(Buffer.from(buf.subarray(4096)), raw.subarray(4096), 'past it, the device')
  const sync = new Uint8Array(1000)
  disk.readSync(sync, 4000)
  t.same(
    Buffer.from(sync.subarray(0, 96)),
    d.bootArea.subarray(4000),
    'a read across the boundary is split (sync too)',
  )
  t.same(Buffer.from(sync.subarray(96)), raw.subarray(4096, 5000))

  // a write across the boundary: the head goes to the copy, sector 0 stays the redirect
  const data = randomBytes(8192)
  await disk.write(data, 0)
  await disk.flush()
  const after = await head(d.path, 8192)
  t.same(after.subarray(0, 4096), raw.subarray(0, 4096), 'the device boot area is not written by the swap')
  t.same(after.subarray(4096), data.subarray(4096), 'the rest is written to the device')
  t.same(
    await readFile(join(stateDir, STATE_FILES.bootArea)),
    data.subarray(0, 4096),
    'the boot area went into the copy',
  )
  disk.writeSync(data.subarray(0, 100), 4050)
  t.same((await readFile(join(stateDir, STATE_FILES.bootArea))).subarray(4050), data.subarray(0, 46))

  t.throws(
    () => disk.readSync(new Uint8Array(10), layout.swapBytes - 5),
    { code: 'DISK_OUT_OF_RANGE' },
    'the reserve cannot be reached',
  )
  await t.rejects(disk.write(new Uint8Array(10), layout.swapBytes), { code: 'DISK_OUT_OF_RANGE' })
})

t.test('the swap view needs the saved boot area and the disk size of the layout', async (t) => {
  const { d, stateDir, layout } = await setup(t)
  await t.rejects(ReservedSwapDisk.open({ devicePath: d.path, stateDir, layout }), { code: 'ENOENT' })
  await writeFile(join(stateDir, STATE_FILES.bootArea), Buffer.alloc(100))
  await t.rejects(ReservedSwapDisk.open({ devicePath: d.path, stateDir, layout }), {
    code: 'RESERVE_BOOT_AREA_LOST',
  })
  await t.rejects(
    ReservedSwapDisk.open({
      devicePath: d.path,
      stateDir,
      layout: { ...layout, diskBytes: layout.diskBytes + 512 },
    }),
    { code: 'RESERVE_LAYOUT' },
  )
})
