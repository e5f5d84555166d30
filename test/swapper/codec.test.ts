import '../../src/polyfill.js'
import t from 'tap'
import { compress } from 'zstd-napi'
import { BatchCompressor, BatchDecompressor } from '../../src/swapper/transfer/codec.js'
import { random } from './helpers.js'

t.test('compresses only where it pays, and gives up probing on incompressible data', async (t) => {
  const c = new BatchCompressor(true)
  const text = Buffer.alloc(256 * 1024, 'the same line again\n')
  const z = c.maybeCompress(text)
  t.ok(z !== null && z.length < text.length / 8, 'text compresses')
  t.same(Buffer.from(new BatchDecompressor().decompress(z!, text.length)), text, 'round trip')
  let tried = 0
  for (let k = 0; k < 40; k++) if (c.maybeCompress(random(64 * 1024)) === null) tried++
  t.equal(tried, 40, 'random data is sent raw')
  t.equal(new BatchCompressor(false).maybeCompress(text), null, 'disabled: always raw')
})

t.test('decompression is bounded by the expected size (no zstd bomb)', async (t) => {
  const bomb = compress(Buffer.alloc(8 * 1024 * 1024))
  const d = new BatchDecompressor()
  t.throws(
    () => d.decompress(bomb, 4096),
    { name: 'SwapProtocolError', code: 'BATCH_NOT_ZSTD', message: /fetched again/ },
    'refuses output larger than the batch asked for',
  )
  t.throws(
    () => d.decompress(compress(Buffer.alloc(100)), 4096),
    {
      name: 'SwapProtocolError',
      code: 'BATCH_RAW_LENGTH',
      message: /holds 100 bytes where 4096 were asked for/,
    },
    'refuses output smaller than expected',
  )
  t.throws(
    () => d.decompress(random(1000), 4096),
    { name: 'SwapProtocolError', code: 'BATCH_NOT_ZSTD' },
    'refuses garbage',
  )
  t.same(
    d.decompress(compress(Buffer.alloc(4096, 7)), 4096),
    Buffer.alloc(4096, 7),
    'and still decodes a good frame',
  )
})
