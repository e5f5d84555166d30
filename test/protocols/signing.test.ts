import { generateKeyPairSync, sign as nodeSign, randomBytes } from 'node:crypto'
import * as ed from '@noble/ed25519'
import t from 'tap'
import {
  generateSecretKey,
  generateSigningKeyPair,
  publicKeyOf,
  SignatureDomain,
  sign,
  signable,
  signingKeyPairOf,
  verify,
} from '../../src/protocols/signing.js'

t.test('signatures verify in their own domain only', async (t) => {
  const sk = generateSecretKey()
  const pk = publicKeyOf(sk)
  const msg = new TextEncoder().encode('swap me')
  const sig = sign(SignatureDomain.advert, msg, sk)
  t.ok(verify(SignatureDomain.advert, msg, sig, pk))
  t.notOk(
    verify(SignatureDomain.agreement, msg, sig, pk),
    'an advert signature is not an agreement signature',
  )
  t.notOk(verify(SignatureDomain.advert, new TextEncoder().encode('swap you'), sig, pk))
  t.notOk(
    verify(SignatureDomain.advert, msg, sig.subarray(0, 63), pk),
    'short signature is false, not a throw',
  )
  t.notOk(verify(SignatureDomain.advert, msg, sig, pk.subarray(1)), 'short key is false, not a throw')
})

t.test('@noble signatures and node:crypto signatures are interchangeable (RFC 8032)', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const seed = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32))
  const pk = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
  t.same(publicKeyOf(seed), pk)
  const msg = new TextEncoder().encode('same bytes')
  const viaNode = nodeSign(null, signable(SignatureDomain.advert, msg), privateKey)
  t.same(Buffer.from(sign(SignatureDomain.advert, msg, seed)), viaNode)
  t.ok(verify(SignatureDomain.advert, msg, new Uint8Array(viaNode), pk))
})

t.test('signatures made by node:crypto are the bytes @noble makes, and @noble verifies them', async (t) => {
  for (let k = 0; k < 16; k++) {
    const seed = new Uint8Array(randomBytes(32))
    const msg = new Uint8Array(randomBytes(k * 37))
    const sig = sign(SignatureDomain.swapManifest, msg, seed)
    const bytes = signable(SignatureDomain.swapManifest, msg)
    t.same(sig, ed.sign(bytes, seed), `seed ${k}`)
    t.ok(ed.verify(sig, bytes, ed.getPublicKey(seed)))
  }
  t.throws(() => sign(SignatureDomain.advert, new Uint8Array(1), new Uint8Array(33)), {
    name: 'SigningKeyError',
    code: 'BAD_SECRET_KEY_LENGTH',
  })
})

t.test('public keys derived by node:crypto are the ones @noble derives', async (t) => {
  for (let k = 0; k < 16; k++) {
    const seed = new Uint8Array(randomBytes(32))
    t.same(publicKeyOf(seed), ed.getPublicKey(seed), `seed ${k}`)
  }
  t.throws(
    () => publicKeyOf(new Uint8Array(31)),
    { name: 'SigningKeyError', code: 'BAD_SECRET_KEY_LENGTH' },
    'a secret key of the wrong length is refused',
  )
})

t.test('a key pair holds a secret key and its own public key', async (t) => {
  const a = generateSigningKeyPair()
  const b = generateSigningKeyPair()
  t.equal(a.secretKey.length, 32)
  t.same(a.publicKey, publicKeyOf(a.secretKey))
  t.notSame(a.secretKey, b.secretKey, 'each pair is fresh')
  const msg = new TextEncoder().encode('pair')
  t.ok(verify(SignatureDomain.advert, msg, sign(SignatureDomain.advert, msg, a.secretKey), a.publicKey))
  t.same(signingKeyPairOf(a.secretKey), a, 'the pair of a stored secret key')
})
