import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import t from 'tap'
import { type Advert, classId, signAdvert } from '../../src/protocols/advert.js'
import { MAX_ADVERT_ENVELOPE_BYTES, MAX_CLOCK_SKEW_MS } from '../../src/protocols/constants.js'
import { SignedAdvert } from '../../src/protocols/proto/advert.js'
import type { Bytes } from '../../src/protocols/signing.js'
import { counterByLabel } from '../../src/runtime/metrics.js'
import { LARGE, SMALL } from '../../src/testnet/mesh.js'
import { startAgent, startAnchor, topicPeer, waitFor } from './helpers.js'

t.test(
  'bad adverts from the network are rejected, counted by reason, and the agent keeps running',
  async (t) => {
    const dir = t.testdir()
    const anchor = await startAnchor(t, dir)
    const agent = await startAgent(t, join(dir, 'agent'), 0, SMALL, anchor.multiaddrs)

    // The attacker is a real libp2p peer on the same topic, publishing crafted bytes.
    const { key, id: me, pubsub, topic } = await topicPeer(t, agent)

    const secret = key.raw.subarray(0, 32)
    const pub = key.publicKey.raw as Bytes
    const now = Date.now()
    const advert = (over: Partial<Advert> = {}): Advert => ({
      vm: me,
      instanceClass: SMALL,
      location: 'attacker-host',
      profile: { diskWrite: { median: 500, spread: 1, samples: 30, windowMs: 600_000 } },
      needs: {},
      askMicros: 0n,
      attestations: [],
      sequence: 10n,
      issuedAtMs: now,
      expiresAtMs: now + 600_000,
      ...over,
    })
    const signed = (over: Partial<Advert> = {}) => signAdvert(advert(over), secret, pub)
    const rejected = () => counterByLabel(agent.metrics.adverts.rejected)
    const send = async (data: Uint8Array, reason: string) => {
      const before = (await rejected())[reason] ?? 0
      await pubsub.publish(topic, data)
      t.ok(
        await waitFor(async () => ((await rejected())[reason] ?? 0) === before + 1, 20_000),
        `rejected as ${reason}`,
      )
    }

    // A good advert first, so sequence checks have something to compare with.
    await pubsub.publish(topic, signed())
    t.ok(await waitFor(() => agent.market.get(me) !== undefined, 20_000), 'a valid advert is accepted')

    const env = SignedAdvert.decode(signed({ sequence: 11n }))
    await send(SignedAdvert.encode({ ...env, signature: new Uint8Array(64).fill(7) }), 'BAD_SIGNATURE')
    await send(signed({ sequence: 12n, issuedAtMs: now - 10_000, expiresAtMs: now - 5_000 }), 'EXPIRED')
    const future = now + MAX_CLOCK_SKEW_MS + 60_000
    await send(signed({ sequence: 13n, issuedAtMs: future, expiresAtMs: future + 60_000 }), 'FUTURE')
    await send(signed(), 'STALE_SEQUENCE') // replay of sequence 10
    await send(signed({ sequence: 3n }), 'STALE_SEQUENCE') // lower sequence
    await send(new Uint8Array(MAX_ADVERT_ENVELOPE_BYTES * 2).fill(1), 'OVERSIZED')
    await send(signed({ sequence: 14n, instanceClass: LARGE }), 'CLASS_MISMATCH')
    await send(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x0f, 0xff]), 'MALFORMED')

    t.equal(agent.market.get(me)?.sequence, 10n, 'the market still holds the last valid advert')
    t.equal(agent.market.get(me)?.location, 'attacker-host')
    const counts = await rejected()
    t.same(Object.keys(counts).sort(), [
      'BAD_SIGNATURE',
      'CLASS_MISMATCH',
      'EXPIRED',
      'FUTURE',
      'MALFORMED',
      'OVERSIZED',
      'STALE_SEQUENCE',
    ])

    // Still running: a new valid advert is accepted, status answers.
    await pubsub.publish(topic, signed({ sequence: 20n, location: 'attacker-host-2' }))
    t.ok(
      await waitFor(() => agent.market.get(me)?.sequence === 20n, 20_000),
      'the agent still accepts valid adverts',
    )
    const status = await agent.status()
    t.equal(status.counters.rejected['STALE_SEQUENCE'], 2)
    t.equal(classId(SMALL), agent.classId)
  },
)

t.test('a peer flooding adverts is rate limited', async (t) => {
  const dir = t.testdir()
  const anchor = await startAnchor(t, dir)
  const agent = await startAgent(t, join(dir, 'agent'), 0, SMALL, anchor.multiaddrs)
  const { key, pubsub, topic } = await topicPeer(t, agent)
  const now = Date.now()
  for (let i = 1; i <= 40; i++) {
    const a: Advert = {
      vm: peerIdFromPrivateKey(key).toString(),
      instanceClass: SMALL,
      location: 'flood',
      profile: {},
      needs: {},
      askMicros: 0n,
      attestations: [],
      sequence: BigInt(i),
      issuedAtMs: now,
      expiresAtMs: now + 60_000,
    }
    await pubsub.publish(topic, signAdvert(a, key.raw.subarray(0, 32), key.publicKey.raw as Bytes))
  }
  t.ok(
    await waitFor(
      async () => ((await counterByLabel(agent.metrics.adverts.rejected))['RATE_LIMITED'] ?? 0) > 20,
      20_000,
    ),
    'most of a 40-advert burst is dropped as rate-limited',
  )
})
