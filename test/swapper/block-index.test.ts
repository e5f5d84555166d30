import '../../src/polyfill.js'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { blake3 } from '@napi-rs/blake-hash'
import t from 'tap'
import { type Disk, openDisk } from '../../src/swapper/disk.js'
import { BlockIndex, checkSwapBlockSize, hashDisk, indexDisk } from '../../src/swapper/index/block-index.js'
import { HASH_BYTES, MAPPED_HASHING, merkleRoot } from '../../src/swapper/index/hash.js'
import { defaultHashThreads, HashPool } from '../../src/swapper/index/hash-pool.js'
import { makePlan } from '../../src/swapper/plan/plan.js'
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

t.test('a bad block size or hash list is refused with a typed error', async (t) => {
  t.throws(() => new BlockIndex(3000, 3000, new Uint8Array(HASH_BYTES)), {
    name: 'BlockSizeError',
    code: 'BLOCK_SIZE',
    blockSize: 3000,
    message: /not a power of two: choose one such as 4096/,
  })
  t.throws(() => new BlockIndex(8192, 4096, new Uint8Array(HASH_BYTES)), {
    name: 'SwapInternalError',
    code: 'INDEX_HASH_COUNT',
    message: /1 hashes for 2 blocks\. This is a bug/,
  })
  t.throws(() => merkleRoot(new Uint8Array(HASH_BYTES + 1)), {
    name: 'SwapInternalError',
    code: 'MERKLE_LEAVES',
  })
  for (const bs of [256, 3000, 2 * 1024 * 1024, 0, 1.5]) {
    t.throws(
      () => checkSwapBlockSize(bs),
      { name: 'BlockSizeError', message: /from 512 to 1048576 bytes/ },
      `${bs}`,
    )
  }
  for (const bs of [512, 4096, 1024 * 1024]) t.doesNotThrow(() => checkSwapBlockSize(bs), `${bs}`)
  t.throws(() => makePlan(indexOf([random(4096), random(4096)]), indexOf([random(8192)], 8192)), {
    name: 'SwapInternalError',
    code: 'PLAN_BLOCK_SIZE',
  })
})

t.test('a failing hash worker fails the hash with a typed error', async (t) => {
  const pool = new HashPool(1)
  t.teardown(() => pool.close())
  // a block size of 0 makes the worker's hash list length infinite: it throws there, in the worker
  await t.rejects(pool.hash(new Uint8Array(4096), 0), {
    name: 'HashWorkerError',
    code: 'HASH_WORKER_FAILED',
    message: /run the swap again/,
  })
  await t.rejects(pool.hash(new Uint8Array(4096), 4096), { name: 'HashWorkerError' }, 'the pool stays failed')
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
    const staged = makePlan(local, target, { inPlace: false })
    t.same(staged.counts, {
      skipped: 1,
      zero: 1,
      local: 2,
      fetched: 2,
      fetchedUnique: 1,
      localUnique: 2,
      localInPlace: 0,
    })
    t.same(Array.from(staged.zeroBlocks), [2])
    t.same(Array.from(staged.writeBlocks), [1, 3, 4, 5])
    t.equal(staged.writeSlots[1], staged.writeSlots[2], 'duplicate content shares one slot')
    t.same(staged.slots[staged.writeSlots[0]!], { from: 'local', source: 2, target: 1 })
    t.same(staged.slots[staged.writeSlots[1]!], { from: 'peer', source: 3, target: 3 })
    t.same(staged.slots[staged.writeSlots[3]!], { from: 'local', source: 0, target: 5 }, 'a stable source')
    t.equal(staged.stagingBytes, 3 * bs)

    // the default, one apply window: a copy from a block the swap never writes
    // (p at 0) runs in place; r's source (block 2) is zeroed, so r goes through staging
    const plan = makePlan(local, target)
    t.same(plan.counts, {
      skipped: 1,
      zero: 1,
      local: 2,
      fetched: 2,
      fetchedUnique: 1,
      localUnique: 1,
      localInPlace: 1,
    })
    t.same(Array.from(plan.copyTargets), [5])
    t.same(Array.from(plan.copySources), [0])
    t.same(Array.from(plan.writeBlocks), [1, 3, 4])
    t.equal(plan.windowCount, 1)
    t.equal(plan.stagingBytes, 2 * bs)

    // two windows: both copies in place, and block 2 is zeroed only in the
    // window after the copy that reads it
    const two = makePlan(local, target, { maxWindows: 2 })
    t.equal(two.counts.localInPlace, 2)
    t.same(Array.from(two.copyTargets), [1, 5])
    t.same(Array.from(two.writeBlocks), [3, 4])
    t.equal(two.stagingBytes, bs, 'only the fetched content is staged')
    t.ok(two.zeroWindows[0]! > two.copyWindows[0]!, 'the zero write comes after the read of block 2')
    const full = makePlan(local, target, { dedup: false })
    t.equal(full.counts.fetched, 6, 'full transfer fetches every block')
    t.equal(full.stagingBytes, 6 * bs)
  },
)

t.test('plan: every written block listed once, in (window, block) order, the right content', async (t) => {
  // 600 blocks of 40 contents (duplicates everywhere), target = the local
  // content shifted, shuffled in runs, zeros and fresh content mixed in
  const bs = 4096
  const pool = Array.from({ length: 40 }, () => random(bs))
  const z = Buffer.alloc(bs)
  let seed = 7
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  const localBlocks = Array.from({ length: 600 }, () => (rnd(10) === 0 ? z : pool[rnd(30)]!))
  const targetBlocks = localBlocks.map((b, i) => {
    const r = rnd(10)
    if (r < 3) return b
    if (r < 6) return localBlocks[(i + 3) % 600]!
    if (r === 6) return z
    return pool[30 + rnd(10)]!
  })
  const local = indexOf(localBlocks)
  const target = indexOf(targetBlocks)
  for (const maxWindows of [1, 3, 64]) {
    const p = makePlan(local, target, { maxWindows })
    const seen = new Map<number, string>()
    const check = (blocks: Uint32Array, windows: Uint32Array, kind: string) => {
      for (let k = 0; k < blocks.length; k++) {
        if (k > 0) {
          const a = windows[k - 1]! * 1e6 + blocks[k - 1]!
          const b = windows[k]! * 1e6 + blocks[k]!
          if (a >= b) t.fail(`${kind} ${k} out of (window, block) order at ${maxWindows} windows`)
        }
        if (seen.has(blocks[k]!)) t.fail(`block ${blocks[k]} written twice`)
        seen.set(blocks[k]!, kind)
      }
    }
    check(p.writeBlocks, p.writeWindows, 'staged')
    check(p.copyTargets, p.copyWindows, 'copy')
    check(p.zeroBlocks, p.zeroWindows, 'zero')
    let unchanged = 0
    for (let i = 0; i < 600; i++) {
      if (targetBlocks[i]!.equals(localBlocks[i]!)) unchanged++
      else if (!seen.has(i)) t.fail(`block ${i} differs but is never written`)
    }
    t.equal(seen.size + unchanged, 600, `${maxWindows} windows: each block written or already right`)
    for (let k = 0; k < p.writeBlocks.length; k++) {
      const slot = p.slots[p.writeSlots[k]!]!
      const content = slot.from === 'peer' ? targetBlocks[slot.source]! : localBlocks[slot.source]!
      if (!content.equals(targetBlocks[p.writeBlocks[k]!]!)) t.fail(`slot of block ${p.writeBlocks[k]}`)
    }
    for (let k = 0; k < p.copyTargets.length; k++) {
      if (!localBlocks[p.copySources[k]!]!.equals(targetBlocks[p.copyTargets[k]!]!))
        t.fail(`copy to ${p.copyTargets[k]} from the wrong source`)
    }
  }
})

t.test('Merkle root: wide inner nodes, several levels, every leaf counts', async (t) => {
  const leaf = (i: number) => createHash('sha256').update(`leaf${i}`).digest()
  const two = Buffer.concat([leaf(0), leaf(1)])
  t.same(
    Buffer.from(merkleRoot(two)),
    Buffer.from(blake3(Buffer.concat([Buffer.from([1]), two]))),
    'an inner node is BLAKE3(0x01 || children)',
  )
  // 600 leaves: three groups of 256/256/88 under one root
  const leaves = Buffer.concat(Array.from({ length: 600 }, (_, i) => leaf(i)))
  const root = Buffer.from(merkleRoot(leaves))
  for (const i of [0, 255, 256, 511, 599]) {
    const changed = Buffer.from(leaves)
    changed[i * HASH_BYTES] = changed[i * HASH_BYTES]! ^ 1
    t.notSame(Buffer.from(merkleRoot(changed)), root, `leaf ${i} changes the root`)
  }
  t.notSame(Buffer.from(merkleRoot(leaves.subarray(0, 599 * HASH_BYTES))), root, 'a leaf fewer changes it')
})

t.test('hashing on worker threads gives the same hashes as inline', async (t) => {
  const bs = 4096
  const data = random(2600 * bs + 1000) // three 4 MiB reads, a short last block
  data.fill(0, 10 * bs, 40 * bs) // and zero blocks
  const path = join(t.testdir(), 'disk.img')
  await writeImage(path, data)
  const disk = await openDisk(path)
  t.teardown(() => disk.close())
  const inline = await hashDisk(disk, bs, undefined, 0, false)
  for (const threads of [1, 3]) {
    let last = 0
    const pooled = await hashDisk(disk, bs, (p) => (last = p.bytesDone), threads, false)
    t.same(Buffer.from(pooled), Buffer.from(inline), `${threads} worker(s)`)
    t.equal(last, data.length, 'progress reaches the end')
  }
  t.equal(defaultHashThreads(2), 0, 'inline on 2 cores (measured faster)')
  t.equal(defaultHashThreads(8), 4)
})

const notMapped = MAPPED_HASHING
  ? false
  : 'the native hashing (native/hash-mapped.c) was not built, or VBOOM_HASH_MAPPED=0'

t.test('hashing mapped pages gives the hashes reading gives', { skip: notMapped }, async (t) => {
  for (const bs of [1024, 4096, 65536]) {
    const data = random(9 * 1024 * 1024 + 1000) // three 4 MiB chunks, the last short, and a short last block
    data.fill(0, 10 * bs, 40 * bs) // zero blocks
    data.fill(0, data.length - 1000)
    const path = join(t.testdir(), `disk-${bs}.img`)
    await writeImage(path, data)
    const disk = await openDisk(path)
    const read = await hashDisk(disk, bs, undefined, 0, false)
    const seen: number[] = []
    const mapped = await hashDisk(disk, bs, (p) => seen.push(p.bytesDone), 0, true)
    await disk.close()
    t.same(Buffer.from(mapped), Buffer.from(read), `${bs}-byte blocks`)
    t.same(
      seen,
      [...seen].sort((a, b) => a - b),
      'progress only goes up',
    )
    t.equal(seen.at(-1), data.length, 'and reaches the end')
  }
})

t.test(
  'a read error under a mapped page is an error of the swap, not the end of the process',
  { skip: notMapped },
  async (t) => {
    // a disk that claims more bytes than its file holds: touching a page past
    // the end of the file raises SIGBUS, as a failing device does
    const path = join(t.testdir(), 'short.img')
    await writeImage(path, random(4 * 1024 * 1024))
    const real = await openDisk(path)
    t.teardown(() => real.close())
    const lying: Disk = Object.create(real, { size: { value: 12 * 1024 * 1024 } })
    const err = await hashDisk(lying, 4096, undefined, 0, true).then(
      () => null,
      (e: Error & { cause?: { code?: string } }) => e,
    )
    t.ok(err !== null, 'it rejects')
    t.match(err, {
      name: 'DiskIoError',
      code: 'DISK_READ',
      path,
      message:
        /reading .*short\.img to hash it failed: .*check it \(dmesg, smartctl\), then run the swap again/,
    })
    t.equal(err?.cause?.code, 'EIO')
    const again = await hashDisk(real, 4096, undefined, 0, true)
    t.equal(again.length, 1024 * HASH_BYTES, 'and the next mapped hash works')
  },
)
