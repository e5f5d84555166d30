import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import t, { type Test } from 'tap'
import { type Advert, classId, signAdvert, validateAdvert } from '../../src/protocols/advert.js'
import { MAX_ADVERT_ENVELOPE_BYTES, MAX_CLOCK_SKEW_MS } from '../../src/protocols/constants.js'
import { ValidationError } from '../../src/protocols/errors.js'
import { SignedAdvert } from '../../src/protocols/proto/advert.js'
import type { Bytes } from '../../src/protocols/signing.js'

const NOW = 1_800_000_000_000
const cls = { vcpus: 2, memoryBytes: 4 * 2 ** 30, diskBytes: 20 * 2 ** 30 }

async function vm() {
  const key = await generateKeyPair('Ed25519')
  return {
    id: peerIdFromPrivateKey(key).toString(),
    secret: key.raw.subarray(0, 32),
    pub: key.publicKey.raw as Bytes,
  }
}

function advert(id: string, over: Partial<Advert> = {}): Advert {
  return {
    vm: id,
    instanceClass: cls,
    location: 'i-0abc',
    profile: { diskWrite: { median: 31, spread: 2, samples: 30, windowMs: 600_000 } },
    needs: { diskWrite: 0.7, cpu: 0.3 },
    askMicros: 0n,
    attestations: [],
    sequence: 5n,
    issuedAtMs: NOW,
    expiresAtMs: NOW + 600_000,
    ...over,
  }
}

const ctx = { topicClassId: classId(cls), nowMs: NOW }

function rejects(t: Test, fn: () => unknown, code: string, action: 'IGNORE' | 'REJECT') {
  try {
    fn()
    t.fail(`expected ${code}`)
  } catch (err) {
    t.type(err, ValidationError)
    t.equal((err as ValidationError).code, code)
    t.equal((err as ValidationError).action, action)
  }
}

t.test('a signed advert round-trips through the validator', async (t) => {
  const v = await vm()
  const a = advert(v.id)
  const got = validateAdvert(signAdvert(a, v.secret, v.pub), { ...ctx, from: v.id, lastSequence: 4n })
  t.same(got, a)
})

t.test('each rule rejects with its own code', async (t) => {
  const v = await vm()
  const other = await vm()
  const good = signAdvert(advert(v.id), v.secret, v.pub)

  // forged: signature by another key over the same payload
  const env = SignedAdvert.decode(good)
  const forged = SignedAdvert.encode({
    ...env,
    signature: SignedAdvert.decode(signAdvert(advert(v.id), other.secret, other.pub)).signature,
  })
  rejects(t, () => validateAdvert(forged, ctx), 'BAD_SIGNATURE', 'REJECT')
  // one flipped payload bit
  const flipped = SignedAdvert.encode({
    ...env,
    payload: Uint8Array.from(env.payload, (b, i) => (i === 40 ? b ^ 1 : b)),
  })
  t.throws(() => validateAdvert(flipped, ctx), ValidationError)

  rejects(
    t,
    () =>
      validateAdvert(
        signAdvert(advert(v.id, { expiresAtMs: NOW - 1, issuedAtMs: NOW - 1000 }), v.secret, v.pub),
        ctx,
      ),
    'EXPIRED',
    'IGNORE',
  )
  const future = NOW + MAX_CLOCK_SKEW_MS + 1000
  rejects(
    t,
    () =>
      validateAdvert(
        signAdvert(advert(v.id, { issuedAtMs: future, expiresAtMs: future + 1000 }), v.secret, v.pub),
        ctx,
      ),
    'FUTURE',
    'REJECT',
  )
  rejects(t, () => validateAdvert(good, { ...ctx, lastSequence: 5n }), 'STALE_SEQUENCE', 'IGNORE')
  rejects(t, () => validateAdvert(good, { ...ctx, lastSequence: 9n }), 'STALE_SEQUENCE', 'IGNORE')
  rejects(t, () => validateAdvert(new Uint8Array(MAX_ADVERT_ENVELOPE_BYTES + 1), ctx), 'OVERSIZED', 'REJECT')
  rejects(t, () => validateAdvert(good, { ...ctx, topicClassId: 'v8-m1-d1' }), 'CLASS_MISMATCH', 'REJECT')
  rejects(
    t,
    () => validateAdvert(Uint8Array.from([0xff, 0xff, 0xff, 0x07, 1, 2, 3]), ctx),
    'MALFORMED',
    'REJECT',
  )
  rejects(t, () => validateAdvert(good, { ...ctx, from: other.id }), 'SIGNER_MISMATCH', 'REJECT')
  // an advert naming another VM than its signer
  rejects(
    t,
    () => validateAdvert(signAdvert(advert(other.id), v.secret, v.pub), ctx),
    'SIGNER_MISMATCH',
    'REJECT',
  )
  rejects(
    t,
    () =>
      validateAdvert(signAdvert(advert(v.id, { needs: { cpu: 0.8, diskWrite: 0.8 } }), v.secret, v.pub), ctx),
    'FIELD_RANGE',
    'REJECT',
  )
  rejects(
    t,
    () => validateAdvert(signAdvert(advert(v.id, { expiresAtMs: NOW + 2 * 3600_000 }), v.secret, v.pub), ctx),
    'FIELD_RANGE',
    'REJECT',
  )
})
