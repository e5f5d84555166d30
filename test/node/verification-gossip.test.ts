/**
 * Attestations on the advert path: an agent configured with the anchor's key
 * accepts an advert whose attestation agrees with its claims, and rejects
 * (counted by reason) inflated claims, attestations of another VM, of an
 * untrusted anchor, or expired. The same agent serves probes with the
 * anchor's signed benchmarks.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import t from 'tap'
import { AnchorClient } from '../../src/node/anchor-client.js'
import { Reputation } from '../../src/node/market/reputation.js'
import { ProbeClient } from '../../src/node/probe/index.js'
import { type Advert, signAdvert } from '../../src/protocols/advert.js'
import { type Attestation, signAttestation } from '../../src/protocols/attestation.js'
import type { Bytes } from '../../src/protocols/signing.js'
import { counterByLabel } from '../../src/runtime/metrics.js'
import { SMALL } from '../../src/testnet/mesh.js'
import { keys } from '../anchor/helpers.js'
import { startAgent, startAnchor, topicPeer, waitFor } from './helpers.js'

t.test('adverts carrying attestations are checked against the trusted anchor', async (t) => {
  const dir = t.testdir()
  const anchor = await startAnchor(t, dir)
  const agent = await startAgent(t, join(dir, 'agent'), 0, SMALL, anchor.multiaddrs, {
    anchorKey: Buffer.from(anchor.publicKey).toString('hex'),
  })

  // The advertiser is a real libp2p peer on the class topic.
  const { key, id: me, host: peer, pubsub, topic } = await topicPeer(t, agent)

  const now = Date.now()
  const attestation = (over: Partial<Attestation> = {}, signer = anchor.key.secretKey): Bytes =>
    signAttestation(
      {
        location: 'loc-p',
        vm: me,
        measurements: [{ resource: 'DISK_WRITE', name: 'vboom/disk-write', value: 30, unit: 'MB/s' }],
        measuredAtMs: now,
        expiresAtMs: now + 3_600_000,
        anchorKey: new Uint8Array(anchor.publicKey),
        ...over,
      },
      signer,
    )
  let seq = 1n
  const advert = (claim: number, attestations: Bytes[]): Uint8Array => {
    const a: Advert = {
      vm: me,
      instanceClass: SMALL,
      location: 'loc-p',
      profile: { diskWrite: { median: claim, spread: 1, samples: 30, windowMs: 600_000 } },
      needs: {},
      askMicros: 0n,
      attestations,
      sequence: seq++,
      issuedAtMs: now,
      expiresAtMs: now + 600_000,
    }
    return signAdvert(a, key.raw.subarray(0, 32), key.publicKey.raw as Bytes)
  }
  const rejected = () => counterByLabel(agent.metrics.adverts.rejected)
  const send = async (data: Uint8Array, reason: string) => {
    const before = (await rejected())[reason] ?? 0
    await pubsub.publish(topic, data)
    t.ok(
      await waitFor(async () => ((await rejected())[reason] ?? 0) === before + 1, 20_000),
      `rejected as ${reason}`,
    )
  }

  await pubsub.publish(topic, advert(31, [attestation()]))
  t.ok(
    await waitFor(() => agent.market.get(me) !== undefined, 20_000),
    'a claim of 31 MB/s attested at 30 is accepted',
  )
  await send(advert(60, [attestation()]), 'ATTESTATION_MISMATCH')
  const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  await send(advert(31, [attestation({ vm: other })]), 'ATTESTATION_WRONG_VM')
  await send(advert(31, [attestation({ location: 'loc-q' })]), 'ATTESTATION_WRONG_LOCATION')
  const rogue = keys()
  await send(
    advert(31, [attestation({ anchorKey: new Uint8Array(rogue.publicKey) }, rogue.secretKey)]),
    'ATTESTATION_UNTRUSTED',
  )
  await send(advert(31, [attestation({}, rogue.secretKey)]), 'ATTESTATION_BAD_SIGNATURE')
  await send(
    advert(31, [attestation({ measuredAtMs: now - 7200_000, expiresAtMs: now - 1 })]),
    'ATTESTATION_EXPIRED',
  )

  // The agent serves probes with the anchor's signed benchmarks (fetched at start).
  const anchorClient = new AnchorClient({
    node: peer,
    anchor: multiaddr(anchor.multiaddrs[0]!),
    anchorKey: anchor.publicKey,
  })
  const [cpu] = await anchorClient.benchmarks(['vboom/cpu'])
  const probes = new ProbeClient({ node: peer, reputation: new Reputation() })
  let outcome = await probes.probe(agent.peerId, agent.host.getMultiaddrs(), [cpu!], {
    cpu: { median: 1000, spread: 0, samples: 1, windowMs: 1 },
  })
  // The agent fetches its benchmarks in the background at start: allow it a moment.
  for (let i = 0; i < 50 && outcome.verdict === 'no-answer'; i++) {
    await new Promise((r) => setTimeout(r, 200))
    outcome = await probes.probe(agent.peerId, agent.host.getMultiaddrs(), [cpu!], {
      cpu: { median: 1000, spread: 0, samples: 1, windowMs: 1 },
    })
  }
  t.equal(outcome.verdict, 'pass', 'the agent answers a probe with a signed CPU measurement')
})
