/**
 * checkBatch: every received block hashed against the peer's manifest, from
 * the decrypted chunks or gathered into one buffer first, whatever the chunk
 * boundaries; a batch of the wrong shape makes every block bad.
 */
import '../../src/polyfill.js'
import { blake3 } from '@napi-rs/blake-hash'
import { Encoder } from '@toondepauw/node-zstd'
import t from 'tap'
import { Uint8ArrayList } from 'uint8arraylist'
import { BlockBatch } from '../../src/protocols/proto/swap.js'
import { BlockIndex } from '../../src/swapper/index/block-index.js'
import { BatchDecompressor } from '../../src/swapper/transfer/codec.js'
import { checkBatch, type FetchJob } from '../../src/swapper/transfer/fetch.js'
import { random } from './helpers.js'

const compress = (b: Buffer) => new Encoder(1).encodeSync(b)

const bs = 4096
const blocks = Array.from({ length: 8 }, () => random(bs))
const target = new BlockIndex(8 * bs, bs, Buffer.concat(blocks.map((b) => blake3(b))))
const want = [1, 2, 5, 6]
const jobs: FetchJob[] = want.map((block, slot) => ({ block, slot }))
const bytes = Buffer.concat(want.map((i) => blocks[i]!))
const header = (over: Partial<BlockBatch> = {}): BlockBatch => ({
  indices: want,
  codec: BlockBatch.Compression.RAW,
  data: new Uint8Array(0),
  rawLength: bytes.length,
  ...over,
})
/** The bytes as received: chunks of `size` (noise frames are ~64 KiB, not block aligned). */
const chunked = (b: Uint8Array, size: number): Uint8ArrayList => {
  const l = new Uint8ArrayList()
  for (let o = 0; o < b.length; o += size) l.append(b.subarray(o, Math.min(o + size, b.length)))
  return l
}

t.test('good blocks pass whatever the chunk boundaries', async (t) => {
  for (const size of [1000, 4095, 4097, 7]) {
    const r = checkBatch(header(), chunked(bytes, size), jobs, target, new BatchDecompressor())
    t.equal(r.good.length, 4, `chunks of ${size}`)
    t.equal(r.bad.length, 0)
    t.notOk(r.gathered, 'no buffer given: gathered into fresh memory')
    t.same(Buffer.from(r.data.subarray()), bytes)
  }
  const one = chunked(bytes, bytes.length)
  t.equal(
    checkBatch(header(), one, jobs, target, new BatchDecompressor()).data,
    one,
    'one chunk is handed on as received',
  )
})

t.test('a short last block is hashed as BLAKE3 gives it, in any place of the batch', async (t) => {
  const short = random(1000)
  const tgt = new BlockIndex(
    3 * bs + 1000,
    bs,
    Buffer.concat([blake3(blocks[0]!), blake3(blocks[1]!), blake3(blocks[2]!), blake3(short)]),
  )
  const js: FetchJob[] = [3, 0, 2].map((block, slot) => ({ block, slot }))
  const b = Buffer.concat([short, blocks[0]!, blocks[2]!])
  const h: BlockBatch = {
    indices: [3, 0, 2],
    codec: BlockBatch.Compression.RAW,
    data: new Uint8Array(0),
    rawLength: b.length,
  }
  const r = checkBatch(h, chunked(b, 3000), js, tgt, new BatchDecompressor())
  t.equal(r.good.length, 3)
  t.equal(r.bad.length, 0)
})

t.test('gathered into a buffer: hashed in one run, the data is that buffer', async (t) => {
  for (const size of [10000, 1000, 4097, 7]) {
    const into = new Uint8Array(8 * bs).fill(0xaa)
    const r = checkBatch(header(), chunked(bytes, size), jobs, target, new BatchDecompressor(), into)
    t.equal(r.good.length, 4, `chunks of ${size}`)
    t.ok(r.gathered, 'gathered')
    const [only, ...more] = [...r.data]
    t.equal(more.length, 0, 'one chunk')
    t.equal(only!.buffer, into.buffer, 'lying in the buffer given')
    t.same(Buffer.from(only!), bytes)
  }
  // one chunk already, or no room: nothing to gather
  const one = checkBatch(
    header(),
    chunked(bytes, bytes.length),
    jobs,
    target,
    new BatchDecompressor(),
    new Uint8Array(8 * bs),
  )
  t.notOk(one.gathered, 'a single chunk is hashed where it lies')
  const small = checkBatch(
    header(),
    chunked(bytes, 1000),
    jobs,
    target,
    new BatchDecompressor(),
    new Uint8Array(bs),
  )
  t.notOk(small.gathered, 'a buffer too small is not used')
  t.equal(small.good.length, 4)
})

t.test('a corrupted block is bad, the others pass and are kept in order', async (t) => {
  const b = Buffer.from(bytes)
  b[2 * bs + 100] = b[2 * bs + 100]! ^ 1 // third block (5)
  const r = checkBatch(header(), chunked(b, 3000), jobs, target, new BatchDecompressor())
  t.same(
    r.bad.map((j) => j.block),
    [5],
  )
  t.same(
    r.good.map((j) => j.block),
    [1, 2, 6],
  )
  t.same(Buffer.from(r.data.subarray()), Buffer.concat([blocks[1]!, blocks[2]!, blocks[6]!]))
  const g = checkBatch(
    header(),
    chunked(b, 3000),
    jobs,
    target,
    new BatchDecompressor(),
    new Uint8Array(8 * bs),
  )
  t.ok(g.gathered)
  t.same(
    g.bad.map((j) => j.block),
    [5],
    'gathered: the same block is bad',
  )
  t.same(
    Buffer.from(g.data.subarray()),
    Buffer.concat([blocks[1]!, blocks[2]!, blocks[6]!]),
    'and the same kept',
  )
})

t.test('a compressed batch is decompressed to exactly its raw length and checked', async (t) => {
  const z = compress(bytes)
  const r = checkBatch(
    header({ codec: BlockBatch.Compression.ZSTD }),
    chunked(z, 500),
    jobs,
    target,
    new BatchDecompressor(),
  )
  t.equal(r.good.length, 4)
})

t.test('a batch of the wrong shape makes every block bad', async (t) => {
  const d = new BatchDecompressor()
  const all = (h: BlockBatch, data: Uint8ArrayList, why: string) =>
    t.equal(checkBatch(h, data, jobs, target, d).bad.length, 4, why)
  all(
    header({ data: Uint8Array.from(bytes) }),
    chunked(bytes, bs),
    'bytes inside the message (refused since 2.0.0)',
  )
  all(header({ indices: [1, 2, 5, 7] }), chunked(bytes, bs), 'other blocks than asked for')
  all(header({ rawLength: bytes.length - 1 }), chunked(bytes, bs), 'a raw length that does not add up')
  all(header(), chunked(bytes.subarray(0, bytes.length - 10), bs), 'fewer bytes than announced')
  all(header({ codec: BlockBatch.Compression.ZSTD }), chunked(bytes, bs), 'not a zstd frame')
  all(
    header({ codec: BlockBatch.Compression.ZSTD }),
    chunked(compress(Buffer.concat([bytes, bytes])), bs),
    'a zstd bomb: more than the raw length',
  )
})
