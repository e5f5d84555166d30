import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { blake3 } from '@napi-rs/blake-hash'
import t from 'tap'
import { ManifestHeader } from '../../src/protocols/proto/swap.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { BlockIndex } from '../../src/swapper/index/block-index.js'
import { createManifest, indexFromManifest, verifyManifestHeader } from '../../src/swapper/index/manifest.js'

const bs = 4096
const blocks = [randomBytes(bs), Buffer.alloc(bs), randomBytes(bs)]
const index = new BlockIndex(3 * bs, bs, Buffer.concat(blocks.map((b) => blake3(b))))
const sk = generateSecretKey()
const pk = publicKeyOf(sk)
const swapId = randomBytes(16)
const signed = createManifest(index, swapId, 'a', sk)
const expect = { swapId, role: 'a' as const, signer: pk }

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    t.equal((err as Error).name, 'ManifestError')
    return (err as { code: string }).code
  }
  return 'no error'
}

t.test('a signed manifest verifies and rebuilds the index', async (t) => {
  const h = verifyManifestHeader(signed, expect)
  t.equal(h.blockCount, 3)
  t.equal(h.zeroCount, 1)
  const idx = indexFromManifest(h, index.hashes)
  t.same(Buffer.from(idx.root), Buffer.from(index.root))
})

t.test('each rule refuses with its code', async (t) => {
  t.equal(
    codeOf(() => verifyManifestHeader(signed, { ...expect, swapId: randomBytes(16) })),
    'MANIFEST_SWAP_ID',
  )
  t.equal(
    codeOf(() => verifyManifestHeader(signed, { ...expect, role: 'b' })),
    'MANIFEST_ROLE',
  )
  t.equal(
    codeOf(() => verifyManifestHeader(signed, { ...expect, signer: publicKeyOf(generateSecretKey()) })),
    'MANIFEST_SIGNER',
  )
  const forged = ManifestHeader.encode({ ...ManifestHeader.decode(signed.header), zeroCount: 0 })
  t.equal(
    codeOf(() => verifyManifestHeader({ header: forged, signature: signed.signature }, expect)),
    'MANIFEST_SIGNATURE',
  )
  t.equal(
    codeOf(() => verifyManifestHeader({ header: new Uint8Array(5000), signature: signed.signature }, expect)),
    'MANIFEST_TOO_LARGE',
  )
  // a manifest signed for another swap cannot be replayed for this one
  const other = createManifest(index, randomBytes(16), 'a', sk)
  t.equal(
    codeOf(() => verifyManifestHeader(other, expect)),
    'MANIFEST_SWAP_ID',
  )
  const h = verifyManifestHeader(signed, expect)
  const tampered = Buffer.from(index.hashes)
  tampered[70] = tampered[70]! ^ 1
  t.equal(
    codeOf(() => indexFromManifest(h, tampered)),
    'MANIFEST_ROOT',
  )
  t.equal(
    codeOf(() => indexFromManifest(h, index.hashes.subarray(0, 64))),
    'MANIFEST_HASHES',
  )
})
