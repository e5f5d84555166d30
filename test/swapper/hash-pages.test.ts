import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import type { HashPage } from '../../src/protocols/proto/swap.js'
import { HASH_PAGE_HASHES } from '../../src/protocols/swap-constants.js'
import { BlockIndex } from '../../src/swapper/index/block-index.js'
import { HASH_BYTES, zeroHash } from '../../src/swapper/index/hash.js'
import { decodeHashPage, encodeHashPage } from '../../src/swapper/index/hash-pages.js'
import { indexFromManifest, type VerifiedHeader } from '../../src/swapper/index/manifest.js'

const BS = 512

/** An index of random hashes with zero blocks where `zero(i)`; the last block is short (100 bytes). */
function indexWith(blockCount: number, zero: (i: number) => boolean): BlockIndex {
  const diskSize = (blockCount - 1) * BS + 100
  const hashes = new Uint8Array(randomBytes(blockCount * HASH_BYTES))
  for (let i = 0; i < blockCount; i++) {
    if (zero(i)) hashes.set(zeroHash(Math.min(BS, diskSize - i * BS)), i * HASH_BYTES)
  }
  return new BlockIndex(diskSize, BS, hashes)
}

function sendAll(index: BlockIndex): HashPage[] {
  const pages: HashPage[] = []
  for (let first = 0; first < index.blockCount; first += HASH_PAGE_HASHES)
    pages.push(encodeHashPage(index, first))
  return pages
}

function receiveAll(t: Test, index: BlockIndex, pages: HashPage[]): Uint8Array {
  const into = new Uint8Array(index.blockCount * HASH_BYTES)
  let have = 0
  for (const p of pages) have = decodeHashPage(p, into, have, index)
  t.equal(have, index.blockCount, 'every block received')
  return into
}

t.test('pages rebuild the hash list exactly, with zero hashes left off the wire', async (t) => {
  const n = 2 * HASH_PAGE_HASHES + 777 // three pages, the last one partial
  const cases: [string, (i: number) => boolean][] = [
    ['no zeros', () => false],
    ['all zeros (the short last block too)', () => true],
    ['every third block and the last', (i) => i % 3 === 0 || i === n - 1],
    ['runs of zeros across page boundaries', (i) => Math.floor(i / 5000) % 2 === 1],
  ]
  for (const [name, zero] of cases) {
    const index = indexWith(n, zero)
    const pages = sendAll(index)
    t.equal(pages.length, 3, `${name}: three pages`)
    const bytes = pages.reduce((s, p) => s + p.hashes.length, 0)
    t.equal(bytes, (n - index.zeroCount) * HASH_BYTES, `${name}: only non-zero hashes sent`)
    t.same(receiveAll(t, index, pages), index.hashes, `${name}: the list is rebuilt bit for bit`)
  }
})

t.test('malformed pages are refused with SWAP_BAD_PAGE', async (t) => {
  const index = indexWith(100, (i) => i % 2 === 0)
  const good = encodeHashPage(index, 0)
  const into = new Uint8Array(index.blockCount * HASH_BYTES)
  const refused = (page: HashPage, have: number, why: string) =>
    t.throws(() => decodeHashPage(page, into, have, index), { code: 'SWAP_BAD_PAGE' }, why)
  refused(good, 5, 'not continuing where the last page ended')
  refused({ ...good, count: 0, zeroMap: new Uint8Array(0), hashes: new Uint8Array(0) }, 0, 'empty')
  refused({ ...good, count: 101, zeroMap: new Uint8Array(13) }, 0, 'past the disk')
  refused({ ...good, zeroMap: good.zeroMap.subarray(1) }, 0, 'zero map too short')
  const padded = Uint8Array.from(good.zeroMap)
  padded[padded.length - 1]! |= 0x80 // 100 blocks: bits 100..103 of the last byte are unused
  refused({ ...good, zeroMap: padded }, 0, 'zero map marks blocks past the page')
  refused({ ...good, hashes: good.hashes.subarray(HASH_BYTES) }, 0, 'one hash missing')
  refused({ ...good, hashes: new Uint8Array(good.hashes.length + 1) }, 0, 'a torn hash')
})

t.test(
  'a page that marks a non-zero block as zero decodes, and the signed root refuses the list',
  async (t) => {
    const index = indexWith(64, (i) => i < 8)
    const honest = encodeHashPage(index, 0)
    // block 20 claimed zero: its hash dropped, its bit set
    const zeroMap = Uint8Array.from(honest.zeroMap)
    zeroMap[20 >> 3]! |= 1 << (20 & 7)
    const at = (20 - 8) * HASH_BYTES
    const hashes = new Uint8Array([
      ...honest.hashes.subarray(0, at),
      ...honest.hashes.subarray(at + HASH_BYTES),
    ])
    const into = new Uint8Array(index.blockCount * HASH_BYTES)
    decodeHashPage({ ...honest, zeroMap, hashes }, into, 0, index)
    const header: VerifiedHeader = {
      swapId: new Uint8Array(16),
      role: 'a',
      diskSize: index.diskSize,
      blockSize: BS,
      blockCount: index.blockCount,
      merkleRoot: index.root,
      zeroCount: index.zeroCount,
      signer: new Uint8Array(32),
    }
    t.throws(() => indexFromManifest(header, into), { code: 'MANIFEST_ROOT' })
    t.ok(indexFromManifest(header, index.hashes), 'the honest list passes')
  },
)
