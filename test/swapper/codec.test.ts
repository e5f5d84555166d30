/**
 * The batch codec: compresses only where it pays; reads the frames every
 * zstd encoder writes (older agents', the zstd tool's); refuses whatever is
 * not one frame of exactly the batch's size, a zstd bomb before decoding it.
 */
import '../../src/polyfill.js'
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { BatchCompressor, BatchDecompressor } from '../../src/swapper/transfer/codec.js'
import { random, seeded } from './helpers.js'

const text = Buffer.alloc(256 * 1024, 'the same line again\n')
/** Level 1 frame of 5000 bytes of `the same line again\n` as agents before @toondepauw/node-zstd sent it (zstd-napi: content size in a 2-byte field). */
const OLDER_AGENT_FRAME = Buffer.from(
  '28b52ffd608812e50000a07468652073616d65206c696e6520616761696e0a0100e2e6fac904',
  'hex',
)

/** A zstd frame by hand: header (descriptor byte, window byte or none, 4-byte content size or none), then RLE blocks of `blockSize`. */
function rleFrame(opts: { blocks: number; blockSize: number; contentSize?: number }): Buffer {
  const fcs = opts.contentSize === undefined ? Buffer.alloc(0) : Buffer.alloc(4)
  if (opts.contentSize !== undefined) fcs.writeUInt32LE(opts.contentSize)
  // descriptor: FCS_Flag 2 (4 bytes) or 0; window descriptor 0x38: 2^(10+7) = 128 KiB
  const head = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, opts.contentSize === undefined ? 0x00 : 0x80, 0x38])
  const blocks = Buffer.alloc(opts.blocks * 4)
  for (let i = 0; i < opts.blocks; i++) {
    const h = (i === opts.blocks - 1 ? 1 : 0) | (1 << 1) | (opts.blockSize << 3)
    blocks.writeUIntLE(h, i * 4, 3)
    blocks[i * 4 + 3] = 0x41
  }
  return Buffer.concat([head, fcs, blocks])
}

const refused = (code: string) => ({ name: 'SwapProtocolError', code })

t.test('compresses only where it pays, and gives up probing on incompressible data', async (t) => {
  const c = new BatchCompressor(true)
  const z = c.maybeCompress(text)
  t.ok(z !== null && z.length < text.length / 8, 'text compresses')
  t.same(Buffer.from(new BatchDecompressor().decompress(z!, text.length)), text, 'round trip')
  let tried = 0
  for (let k = 0; k < 40; k++) if (c.maybeCompress(random(64 * 1024)) === null) tried++
  t.equal(tried, 40, 'random data is sent raw')
  t.equal(new BatchCompressor(false).maybeCompress(text), null, 'disabled: always raw')
})

t.test('round trips views into larger buffers (received chunks, staging buffers)', async (t) => {
  const backing = Buffer.concat([random(1000), text, random(1000)])
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 1000, text.length)
  const z = new BatchCompressor(true).maybeCompress(view)!
  const inLarger = Buffer.concat([random(7), z, random(9)])
  const zView = new Uint8Array(inLarger.buffer, inLarger.byteOffset + 7, z.length)
  t.same(Buffer.from(new BatchDecompressor().decompress(zView, text.length)), text)
})

t.test('reads the frames other encoders write (zstd frames are zstd frames)', async (t) => {
  const d = new BatchDecompressor()
  t.same(
    Buffer.from(d.decompress(OLDER_AGENT_FRAME, 5000)),
    Buffer.alloc(5000, 'the same line again\n'),
    'an older agent frame, content size in its header',
  )
})

const zstdTool = spawnSync('zstd', ['-1', '-c', '-q'], { input: seeded(300_000, 1), maxBuffer: 1 << 22 })
const noTool = zstdTool.error !== undefined || zstdTool.status !== 0
t.test(
  'reads a frame of the zstd command-line tool',
  { skip: noTool ? 'the zstd command-line tool is not installed (Debian: zstd)' : false },
  async (t) => {
    t.same(Buffer.from(new BatchDecompressor().decompress(zstdTool.stdout, 300_000)), seeded(300_000, 1))
  },
)

t.test('refuses whatever is not one frame of exactly the batch size', async (t) => {
  const d = new BatchDecompressor()
  const z = new BatchCompressor(true).maybeCompress(text)!
  t.throws(() => d.decompress(OLDER_AGENT_FRAME, 4096), refused('SWAP_ZSTD_SIZE'), 'declares another size')
  t.throws(() => d.decompress(z, text.length + 1), refused('SWAP_ZSTD_SIZE'), 'holds fewer bytes')
  t.throws(() => d.decompress(z, text.length - 1), refused('SWAP_ZSTD_SIZE'), 'holds more bytes')
  t.throws(() => d.decompress(random(1000), 4096), refused('SWAP_ZSTD_MALFORMED'), 'garbage')
  t.throws(
    () => d.decompress(Buffer.concat([z, z]), text.length * 2),
    refused('SWAP_ZSTD_MALFORMED'),
    'two frames',
  )
  t.throws(
    () => d.decompress(z.subarray(0, z.length - 1), text.length),
    refused('SWAP_ZSTD_MALFORMED'),
    'cut short',
  )
  const skippable = Buffer.concat([Buffer.from('502a4d1804000000', 'hex'), Buffer.alloc(4)])
  t.throws(() => d.decompress(skippable, 4), refused('SWAP_ZSTD_MALFORMED'), 'a skippable frame')
  const reserved = rleFrame({ blocks: 1, blockSize: 4096 })
  reserved[6] = reserved[6]! | 0x06 // block type 3
  t.throws(() => d.decompress(reserved, 4096), refused('SWAP_ZSTD_MALFORMED'), 'a reserved block type')
  // a compressed block whose content is damaged: the outline is fine, decoding is not
  const damaged = Buffer.from(
    new BatchCompressor(true).maybeCompress(seeded(64 * 1024, 2).map((b) => b & 0x0f))!,
  )
  for (let i = 20; i < damaged.length - 4; i += 7) damaged[i] = damaged[i]! ^ 0x5a
  t.throws(() => d.decompress(damaged, 64 * 1024), { name: 'SwapProtocolError' }, 'damaged content')
})

t.test('a zstd bomb is refused before it is decoded', async (t) => {
  const d = new BatchDecompressor()
  const before = process.memoryUsage().rss
  // 1 GiB of 'A' in 32 KiB: 8192 RLE blocks of 128 KiB, claiming to be one 1 MiB batch
  const bomb = rleFrame({ blocks: 8192, blockSize: 128 * 1024, contentSize: 1024 * 1024 })
  t.ok(bomb.length < 64 * 1024, 'a bomb fits in a batch')
  t.throws(() => d.decompress(bomb, 1024 * 1024), refused('SWAP_ZSTD_TOO_LARGE'), 'declared size a lie')
  const undeclared = rleFrame({ blocks: 8192, blockSize: 128 * 1024 })
  t.throws(() => d.decompress(undeclared, 1024 * 1024), refused('SWAP_ZSTD_TOO_LARGE'), 'no size declared')
  const grown = process.memoryUsage().rss - before
  t.ok(grown < 256 * 1024 * 1024, `refused unread (resident memory grew ${(grown / 2 ** 20).toFixed(0)} MiB)`)
  // within the bound but larger than asked: decoded, then refused
  const over = rleFrame({ blocks: 9, blockSize: 128 * 1024 })
  t.throws(() => d.decompress(over, 1024 * 1024), refused('SWAP_ZSTD_SIZE'), 'a little more than asked')
  t.same(
    Buffer.from(d.decompress(rleFrame({ blocks: 8, blockSize: 128 * 1024 }), 1024 * 1024)),
    Buffer.alloc(1024 * 1024, 'A'),
    'the same shape of the right size is read',
  )
})
