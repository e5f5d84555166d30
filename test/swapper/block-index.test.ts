import '../../src/polyfill.js'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { blake3 } from '@napi-rs/blake-hash'
import t from 'tap'
import { BlockIndex, indexDisk } from '../../src/swapper/block-index.js'
import { openDisk } from '../../src/swapper/disk.js'
import { HASH_BYTES, merkleRoot } from '../../src/swapper/hash.js'
import { makePlan } from '../../src/swapper/plan.js'
import { random, writeImage } from './helpers.js'

t.test('index hashes every block with BLAKE3, flags zero blocks, handles a short last block', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'd.img')
  const bs = 4096
  const data = random(5 * 1024 * 1024 + 1000) // 1281 blocks, the last one 1000 bytes
  data.fill(0, 3 * bs, 5 * bs)
  data.fill(0, data.length - 1000)
  await writeImage(path, data)
  const disk = await openDisk(path)
  let last = 0
  const idx = await indexDisk(disk, bs, (p) => {
    last = p.bytesDone
  })
  await disk.close()
  t.equal(last, data.length, 'progress reaches the disk size')
  t.equal(idx.blockCount, 1281)
  t.equal(idx.blockLength(1280), 1000)
  for (const i of [0, 1, 1279, 1280]) {
    t.same(
      Buffer.from(idx.hashAt(i)),
      blake3(data.subarray(i * bs, Math.min((i + 1) * bs, data.length))),
      `block ${i}`,
    )
  }
  t.equal(idx.zeroCount, 3, 'blocks 3, 4 and the short zero tail')
  t.ok(idx.isZero(3) && idx.isZero(4) && idx.isZero(1280) && !idx.isZero(2))
})

t.test('Merkle root changes with any block and is order sensitive', async (t) => {
  const leaves = Buffer.concat([0, 1, 2, 3, 4].map((i) => createHash('sha256').update(`b${i}`).digest()))
  const root = merkleRoot(leaves)
  const swapped = Buffer.concat([leaves.subarray(32, 64), leaves.subarray(0, 32), leaves.subarray(64)])
  t.notSame(Buffer.from(merkleRoot(swapped)), Buffer.from(root))
  const changed = Buffer.from(leaves)
  changed[HASH_BYTES * 4] = changed[HASH_BYTES * 4]! ^ 1
  t.notSame(Buffer.from(merkleRoot(changed)), Buffer.from(root))
  t.equal(merkleRoot(leaves.subarray(0, 32)).length, 32)
  t.same(
    Buffer.from(merkleRoot(leaves.subarray(0, 32))),
    leaves.subarray(0, 32),
    'one block: the root is its hash',
  )
})

function indexOf(blocks: Buffer[], bs = 4096): BlockIndex {
  const hashes = Buffer.concat(blocks.map((b) => blake3(b)))
  return new BlockIndex(blocks.length * bs, bs, hashes)
}

t.test(
  'plan: equal skipped, zero written, moved copied locally, duplicates fetched once, rest fetched',
  async (t) => {
    const bs = 4096
    const z = Buffer.alloc(bs)
    const [p, q, r, s, u] = [random(bs), random(bs), random(bs), random(bs), random(bs)]
    const local = indexOf([p!, q!, r!, z, s!, u!])
    // target: p same (skip), r moved to 1 (local), zero at 2, fresh x at 3 and 4 (one fetch), p at 5 (local)
    const x = random(bs)
    const target = indexOf([p!, r!, z, x, x, p!])
    const plan = makePlan(local, target)
    t.same(plan.counts, { skipped: 1, zero: 1, local: 2, fetched: 2, fetchedUnique: 1, localUnique: 2 })
    t.same(Array.from(plan.zeroBlocks), [2])
    t.same(Array.from(plan.writeBlocks), [1, 3, 4, 5])
    t.equal(plan.writeSlots[1], plan.writeSlots[2], 'duplicate content shares one slot')
    t.same(plan.slots[plan.writeSlots[0]!], { from: 'local', source: 2, target: 1 })
    t.same(plan.slots[plan.writeSlots[1]!], { from: 'peer', source: 3, target: 3 })
    t.equal(plan.stagingBytes, 3 * bs)
    const full = makePlan(local, target, { dedup: false })
    t.equal(full.counts.fetched, 6, 'full transfer fetches every block')
    t.equal(full.stagingBytes, 6 * bs)
  },
)
