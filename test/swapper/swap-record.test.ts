/**
 * The completion record of a local swap (swap-record.ts) on its own: which
 * records make a rerun refuse, which are stale and removed, which are left
 * alone. The whole command's behaviour is in swap-images.test.ts.
 */
import '../../src/polyfill.js'
import { copyFileSync, existsSync, renameSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openDisk } from '../../src/swapper/disk.js'
import { indexDisk } from '../../src/swapper/index/block-index.js'
import {
  diskIdentity,
  refuseIfJustSwapped,
  SWAP_RECORD_FILE,
  type SwapRecord,
  writeSwapRecord,
} from '../../src/swapper/local/swap-record.js'
import { MiB, randomPair } from './helpers.js'

const BS = 4096

async function rootOf(path: string): Promise<string> {
  const d = await openDisk(path, { checkInUse: false })
  try {
    return Buffer.from((await indexDisk(d, BS)).root).toString('hex')
  } finally {
    await d.close()
  }
}

/** Two images and a work directory holding a record that says they are as a swap left them. */
async function recorded(t: Test) {
  const dir = t.testdir()
  const { pa, pb } = await randomPair(dir, MiB)
  const work = join(dir, 'work')
  await mkdir(work)
  const record: SwapRecord = {
    version: 1,
    swapId: 'ab'.repeat(16),
    completedAt: '2025-01-02T03:04:05.000Z',
    blockSize: BS,
    disks: {
      a: { ...(await diskIdentity(pa)), root: await rootOf(pa) },
      b: { ...(await diskIdentity(pb)), root: await rootOf(pb) },
    },
  }
  await writeSwapRecord(work, record)
  return { dir, pa, pb, work, record, file: join(work, SWAP_RECORD_FILE) }
}

t.test('no record: nothing to refuse', async (t) => {
  const dir = t.testdir()
  const { pa, pb } = await randomPair(dir, MiB)
  await refuseIfJustSwapped([join(dir, 'none'), dir], pa, pb)
  t.pass('resolves')
})

t.test('the recorded pair, unchanged: refused in either order, the record kept', async (t) => {
  const { pa, pb, work, record, file } = await recorded(t)
  const refused = {
    name: 'SwapAlreadyCompletedError',
    code: 'SWAP_ALREADY_COMPLETED',
    swapId: record.swapId,
    completedAt: record.completedAt,
  }
  await t.rejects(refuseIfJustSwapped([work], pa, pb), refused)
  await t.rejects(refuseIfJustSwapped([join(work, 'elsewhere'), work], pb, pa), refused)
  t.ok(existsSync(file))
})

t.test('a disk changed since: the record is stale and removed', async (t) => {
  const { pa, pb, work, file } = await recorded(t)
  const fd = await openDisk(pb, { writable: true, checkInUse: false })
  await fd.write(Buffer.alloc(BS, 9), 3 * BS)
  await fd.close()
  await refuseIfJustSwapped([work], pa, pb)
  t.notOk(existsSync(file))
})

t.test('a disk replaced by a copy of itself (another inode): the record does not apply', async (t) => {
  const { pa, pb, work, file } = await recorded(t)
  copyFileSync(pa, `${pa}.copy`)
  renameSync(`${pa}.copy`, pa)
  await refuseIfJustSwapped([work], pa, pb)
  t.notOk(existsSync(file), 'removed without hashing')
})

t.test('a record of another pair or one that does not parse is left alone and proves nothing', async (t) => {
  const { dir, pa, pb, work, file } = await recorded(t)
  await mkdir(join(dir, 'other'))
  const other = await randomPair(join(dir, 'other'), MiB)
  await refuseIfJustSwapped([work], other.pa, other.pb)
  t.ok(existsSync(file), 'another pair: kept')
  writeFileSync(file, '{"version": 1, "disks": ')
  await refuseIfJustSwapped([work], pa, pb)
  t.ok(existsSync(file), 'unreadable: kept, and no refusal')
  writeFileSync(
    file,
    JSON.stringify({ version: 1, swapId: 'x', completedAt: 'y', blockSize: 3000, disks: {} }),
  )
  await refuseIfJustSwapped([work], pa, pb)
  t.pass('a record with a bad block size or no roots proves nothing either')
})
