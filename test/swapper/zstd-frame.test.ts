/**
 * outlineZstdFrame: every header layout of RFC 8878 read right (content size
 * in 0, 1, 2, 4 or 8 bytes, dictionary id, checksum), and the bound it gives
 * is the most the blocks can decode to.
 */
import '../../src/polyfill.js'
import t from 'tap'
import { outlineZstdFrame } from '../../src/swapper/transfer/zstd-frame.js'

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
const WINDOW_128K = 0x38

/** Block header: last flag, type (0 raw, 1 RLE, 2 compressed), size; then what it stores. */
function block(type: 0 | 1 | 2, size: number, last: boolean): number[] {
  const h = (last ? 1 : 0) | (type << 1) | (size << 3)
  const stored = type === 1 ? 1 : size
  return [h & 0xff, (h >> 8) & 0xff, h >> 16, ...new Array<number>(stored).fill(0x41)]
}
const le = (v: bigint, n: number) => Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))

t.test('reads the content size in each of its field sizes', async (t) => {
  const raw100 = block(0, 100, true)
  const one = Uint8Array.from([...MAGIC, 0x20, 100, ...raw100])
  t.same(
    outlineZstdFrame(one),
    { contentSize: 100, maxDecodedSize: 100, blocks: 1 },
    'single segment, 1 byte',
  )
  const two = Uint8Array.from([...MAGIC, 0x60, ...le(1000n - 256n, 2), ...block(1, 1000, true)])
  t.same(
    outlineZstdFrame(two),
    { contentSize: 1000, maxDecodedSize: 1000, blocks: 1 },
    '2 bytes, stored minus 256',
  )
  const four = Uint8Array.from([...MAGIC, 0x80, WINDOW_128K, ...le(100n, 4), ...raw100])
  t.equal(outlineZstdFrame(four).contentSize, 100, '4 bytes after the window descriptor')
  const eight = Uint8Array.from([...MAGIC, 0xc0, WINDOW_128K, ...le(2n ** 40n, 8), ...raw100])
  t.equal(outlineZstdFrame(eight).contentSize, 2 ** 40, '8 bytes')
  const none = Uint8Array.from([...MAGIC, 0x00, WINDOW_128K, ...raw100])
  t.equal(outlineZstdFrame(none).contentSize, null, 'left out')
})

t.test('skips a dictionary id and a checksum', async (t) => {
  const withDict = Uint8Array.from([...MAGIC, 0x02, WINDOW_128K, 1, 2, ...block(0, 10, true)])
  t.same(outlineZstdFrame(withDict), { contentSize: null, maxDecodedSize: 10, blocks: 1 })
  const withSum = Uint8Array.from([...MAGIC, 0x04, WINDOW_128K, ...block(0, 10, true), 9, 9, 9, 9])
  t.same(outlineZstdFrame(withSum), { contentSize: null, maxDecodedSize: 10, blocks: 1 })
  t.throws(() => outlineZstdFrame(withSum.subarray(0, withSum.length - 1)), { code: 'SWAP_ZSTD_MALFORMED' })
})

t.test('bounds compressed blocks by the block maximum: min(window, 128 KiB)', async (t) => {
  const frame = (wd: number) =>
    Uint8Array.from([
      ...MAGIC,
      0x00,
      wd,
      ...block(2, 5, false),
      ...block(0, 3, false),
      ...block(1, 2000, true),
    ])
  t.same(outlineZstdFrame(frame(WINDOW_128K)), {
    contentSize: null,
    maxDecodedSize: 128 * 1024 + 2003,
    blocks: 3,
  })
  // window 1 KiB (exponent 0): a compressed block decodes to at most 1 KiB, and no block may be larger
  t.throws(
    () => outlineZstdFrame(frame(0x00)),
    { code: 'SWAP_ZSTD_MALFORMED' },
    'an RLE block over the window',
  )
  const small = Uint8Array.from([...MAGIC, 0x00, 0x00, ...block(2, 5, true)])
  t.equal(outlineZstdFrame(small).maxDecodedSize, 1024)
  // single segment: the window is the content size
  const single = Uint8Array.from([...MAGIC, 0x20, 200, ...block(2, 5, true)])
  t.equal(outlineZstdFrame(single).maxDecodedSize, 200)
})

t.test('refuses what is not exactly one frame', async (t) => {
  const ok = [...MAGIC, 0x20, 10, ...block(0, 10, true)]
  const bad = (bytes: number[], why: string) =>
    t.throws(
      () => outlineZstdFrame(Uint8Array.from(bytes)),
      { name: 'SwapProtocolError', code: 'SWAP_ZSTD_MALFORMED' },
      why,
    )
  bad([], 'empty')
  bad([0x28, 0xb5, 0x2f, 0xfe, ...ok.slice(4)], 'wrong magic')
  bad([...MAGIC, 0x28, 10, ...block(0, 10, true)], 'reserved header bit')
  bad([...ok, 0], 'a byte after it')
  bad(ok.slice(0, -1), 'cut short')
  bad([...MAGIC, 0x00, WINDOW_128K, ...block(0, 10, false)], 'no last block')
})
