/**
 * Batched block hashing (native/blake3-batch.c) gives exactly the hashes of
 * one BLAKE3 call per block, for every block size and shape the swap uses.
 */
import '../../src/polyfill.js'
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { blake3 } from '@napi-rs/blake-hash'
import t from 'tap'
import {
  BATCHED_HASHING,
  HASH_BYTES,
  hashBlocks,
  hashBlocksInto,
  hashWholeBlocks,
  hashWholeBlocksPerCall,
} from '../../src/swapper/index/hash.js'
import type { NativeSwapper } from '../../src/swapper/index/native.js'
import { seeded } from './helpers.js'

const addon = join(import.meta.dirname, '..', '..', 'native', 'build', 'blake3_batch.node')
const notBuilt = !existsSync(addon)
  ? 'native/build/blake3_batch.node was not built (needs a C compiler and the BLAKE3 C sources: see scripts/build-native.mjs)'
  : process.env.VBOOM_HASH_BATCH === '0'
    ? 'VBOOM_HASH_BATCH=0 turns batched hashing off'
    : false

t.test('the batched hash is in use wherever it was built', { skip: notBuilt }, async (t) => {
  t.equal(BATCHED_HASHING, true, 'built, so loaded: a build that cannot load would silently cost 4x')
})

t.test('batched hashes equal one call per block, every block size', async (t) => {
  for (const bs of [512, 1024, 2048, 4096, 8192, 65536, 1 << 20]) {
    for (const count of [0, 1, 2, 3, 17, bs >= 65536 ? 5 : 300]) {
      const data = seeded(bs * count, bs + count)
      const got = new Uint8Array(count * HASH_BYTES)
      const want = new Uint8Array(count * HASH_BYTES)
      hashWholeBlocks(data, bs, got)
      hashWholeBlocksPerCall(data, bs, want)
      t.ok(Buffer.from(got).equals(want), `${count} blocks of ${bs}`)
    }
  }
})

t.test('a short last block and zero blocks hash as BLAKE3 gives them', async (t) => {
  const bs = 4096
  const data = seeded(40 * bs + 1000, 5)
  for (const k of [0, 1, 7, 8, 9, 39]) data.fill(0, k * bs, (k + 1) * bs) // zero runs at the edges and inside
  const per = (i: number) => blake3(data.subarray(i * bs, Math.min((i + 1) * bs, data.length)))

  const out = new Uint8Array(41 * HASH_BYTES)
  hashBlocks(data, bs, out)
  for (let i = 0; i < 41; i++)
    t.same(Buffer.from(out.subarray(i * 32, i * 32 + 32)), per(i), `hashBlocks, block ${i}`)

  // into a larger list at an offset, as indexing does
  const list = new Uint8Array(50 * HASH_BYTES).fill(0xee)
  hashBlocksInto(data, bs, list, 5)
  for (let i = 0; i < 41; i++)
    t.same(Buffer.from(list.subarray((i + 5) * 32, (i + 6) * 32)), per(i), `hashBlocksInto, block ${i}`)
  t.ok(
    list.subarray(0, 5 * 32).every((b) => b === 0xee),
    'nothing written before the first block',
  )
  t.ok(
    list.subarray(46 * 32).every((b) => b === 0xee),
    'nothing written after the last block',
  )

  const zeroTail = new Uint8Array(2 * bs + 100)
  const zt = new Uint8Array(3 * HASH_BYTES)
  hashBlocksInto(zeroTail, bs, zt, 0)
  t.same(Buffer.from(zt.subarray(64)), blake3(new Uint8Array(100)), 'a short all-zero tail')
})

t.test('the native call refuses what it cannot hash', { skip: notBuilt }, async (t) => {
  const native = createRequire(import.meta.url)(addon) as {
    hashBlocks(data: Uint8Array, blockSize: number, out: Uint8Array): void
    hashBlocksSkippingZeros(data: Uint8Array, blockSize: number, out: Uint8Array, zeroHash: Uint8Array): void
  }
  const data = new Uint8Array(8192)
  t.throws(() => native.hashBlocks(data, 4096, new Uint8Array(32)), RangeError, 'out too short')
  t.throws(
    () => native.hashBlocks(data.subarray(1), 4096, new Uint8Array(64)),
    RangeError,
    'not whole blocks',
  )
  t.throws(() => native.hashBlocks(data, 3000, new Uint8Array(64)), RangeError, 'not a power of two')
  t.throws(() => native.hashBlocks(data, 512, new Uint8Array(512)), RangeError, 'below one chunk')
  t.throws(() => native.hashBlocks([] as unknown as Uint8Array, 4096, new Uint8Array(0)), TypeError)
  const zh = new Uint8Array(32)
  t.throws(
    () => native.hashBlocksSkippingZeros(data, 4096, new Uint8Array(64), new Uint8Array(31)),
    RangeError,
    'zeroHash not 32 bytes',
  )
  t.throws(
    () => native.hashBlocksSkippingZeros(data, 4096, new Uint8Array(32), zh),
    RangeError,
    'out too short',
  )
  t.throws(
    () => native.hashBlocksSkippingZeros(data, 3000, new Uint8Array(64), zh),
    RangeError,
    'not a power of two',
  )
  t.throws(
    () => (native.hashBlocksSkippingZeros as (...a: unknown[]) => void)(data, 4096, new Uint8Array(64)),
    TypeError,
    'three arguments',
  )
})

t.test(
  'a block is zero only when every byte is: the last byte, and past the first 4 KiB of a large block',
  async (t) => {
    for (const bs of [1024, 4096, 65536]) {
      const count = 6
      const data = new Uint8Array(bs * count)
      data[1 * bs + bs - 1] = 1 // block 1: its last byte
      data[3 * bs + Math.min(bs - 1, 4096 + 7)] = 9 // block 3: past the first 4 KiB where the block is larger
      data[5 * bs] = 2 // block 5: its first byte
      const out = new Uint8Array(count * HASH_BYTES)
      hashBlocksInto(data, bs, out, 0)
      for (let i = 0; i < count; i++)
        t.same(
          Buffer.from(out.subarray(i * 32, i * 32 + 32)),
          blake3(data.subarray(i * bs, (i + 1) * bs)),
          `${bs}: block ${i}`,
        )
    }
  },
)

t.test(
  'the mapped hash refuses what it cannot hash, and rejects what the kernel refuses',
  { skip: notBuilt },
  async (t) => {
    const native = createRequire(import.meta.url)(addon) as Required<NativeSwapper>
    const path = join(t.testdir(), 'd.img')
    writeFileSync(path, seeded(64 * 1024, 3))
    const fd = openSync(path, 'r')
    t.teardown(() => closeSync(fd))
    const zh = new Uint8Array(32)
    const out = new Uint8Array(16 * 32)
    t.throws(
      () => native.hashMappedBlocks(fd, 100, 4096, 4096, new Uint8Array(32), zh),
      RangeError,
      'position not page-aligned',
    )
    t.throws(() => native.hashMappedBlocks(fd, 0, 5000, 4096, out, zh), RangeError, 'not whole blocks')
    t.throws(
      () => native.hashMappedBlocks(fd, 0, 65536, 4096, new Uint8Array(32), zh),
      RangeError,
      'out too short',
    )
    t.throws(() => native.hashMappedBlocks(fd, 0, 65536, 3000, out, zh), RangeError, 'not a power of two')
    t.throws(() => native.hashMappedBlocks(-1, 0, 65536, 4096, out, zh), RangeError, 'a negative fd')
    t.throws(
      () => (native.hashMappedBlocks as (...a: unknown[]) => unknown)(fd, 0, 65536, 4096, out),
      TypeError,
      'five arguments',
    )
    await t.rejects(
      native.hashMappedBlocks(1000, 0, 65536, 4096, out, zh),
      { code: 'ERR_MAPPED_HASH' },
      'a closed fd: mmap fails',
    )
    await native.hashMappedBlocks(fd, 0, 65536, 4096, out, zh)
    const want = new Uint8Array(16 * 32)
    hashWholeBlocksPerCall(seeded(64 * 1024, 3), 4096, want)
    t.same(Buffer.from(out), Buffer.from(want), 'the hashes one call per block gives')
  },
)
