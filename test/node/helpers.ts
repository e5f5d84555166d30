import '../../src/polyfill.js'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { GossipSub } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Test } from 'tap'
import { AnchorNode } from '../../src/anchor/anchor-node.js'
import { Agent } from '../../src/node/agent.js'
import { parseAgentConfig } from '../../src/node/config.js'
import { type Advert, type InstanceClass, signAdvert } from '../../src/protocols/advert.js'
import { advertTopic } from '../../src/protocols/constants.js'
import {
  type NegotiationMessage,
  newNegotiationNonce,
  signNegotiationMessage,
} from '../../src/protocols/negotiation.js'
import type { Bytes } from '../../src/protocols/signing.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { createHost } from '../../src/runtime/libp2p-host.js'
import { createLogger } from '../../src/runtime/log.js'
import { hostConfig } from '../../src/testnet/mesh.js'
import { delegate, keys as ownerKeys } from '../protocols/agreement-fixtures.js'
import { CLS, CPU_RICH } from './fixtures/market-sides.js'

export const log = createLogger((process.env.VBOOM_TEST_LOG as 'debug') ?? 'silent')

export async function startAnchor(t: Test, dir: string): Promise<AnchorNode> {
  const anchor = await AnchorNode.create({
    dataDir: join(dir, 'anchor'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    addressScope: 'lan',
    log,
  })
  await anchor.start()
  t.teardown(() => anchor.stop())
  return anchor
}

export async function startAgent(
  t: Test,
  dataDir: string,
  i: number,
  cls: InstanceClass,
  bootstrap: string[],
  over: Record<string, unknown> = {},
): Promise<Agent> {
  const config = parseAgentConfig({ ...hostConfig(i, cls, bootstrap), ...over })
  const agent = await Agent.create({ dataDir, config, log })
  await agent.start()
  t.teardown(() => agent.stop())
  return agent
}

/** Polls `check` every 50 ms until it holds; fails the wait (returns false) after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return await check()
}

/**
 * A raw libp2p peer (not an agent) subscribed to `agent`'s advert topic and
 * connected to it, for publishing crafted adverts; resolves once it sees the
 * agent on the topic.
 */
export async function topicPeer(t: Test, agent: Agent) {
  const key = await generateKeyPair('Ed25519')
  const host = await createHost({
    privateKey: key,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    addressScope: 'lan',
    gossip: true,
  })
  await host.start()
  t.teardown(() => host.stop())
  const pubsub = host.services.pubsub as GossipSub
  const topic = advertTopic(agent.classId)
  pubsub.subscribe(topic)
  await host.dial(multiaddr(agent.host.getMultiaddrs()[0]!.toString()))
  t.ok(
    await waitFor(() => pubsub.getSubscribers(topic).some((p) => p.equals(agent.peerId)), 30_000),
    'the raw peer sees the agent on the topic',
  )
  return { key, id: peerIdFromPrivateKey(key).toString(), host, pubsub, topic }
}

/**
 * The raw peer (topicPeer) publishes `advert` under fresh sequences until
 * `agent` holds it and every one published has arrived, so the offers it
 * makes next can name the last; `advert.sequence` is then one past it.
 */
export async function publishUntilHeld(
  t: Test,
  agent: Agent,
  r: Awaited<ReturnType<typeof topicPeer>>,
  keys: { secretKey: Uint8Array; publicKey: Bytes },
  advert: Advert,
): Promise<void> {
  t.ok(
    await waitFor(async () => {
      await r.pubsub.publish(
        r.topic,
        signAdvert({ ...advert, issuedAtMs: Date.now() }, keys.secretKey, keys.publicKey),
      )
      advert.sequence++
      return agent.market.get(r.id) !== undefined
    }, 60_000),
    "the agent holds the raw peer's advert",
  )
  t.ok(await waitFor(() => agent.market.get(r.id)!.sequence === advert.sequence - 1n, 30_000))
}

/**
 * An offer signed by a raw peer under `delegation`: mutual gain, no price, a
 * fresh swap key, valid for a minute; `over` replaces any field (a test's
 * forged, replayed or expired variant).
 */
export function rawOffer(
  m: { from: string; to: string; seq: number; fromAdvertSeq: bigint; toAdvertSeq: bigint },
  delegation: Uint8Array,
  keys: { secretKey: Uint8Array; publicKey: Bytes },
  over: Partial<NegotiationMessage> = {},
): Uint8Array {
  return signNegotiationMessage(
    {
      ...m,
      round: 0,
      phase: 0,
      nonce: newNegotiationNonce(),
      issuedAtMs: Date.now(),
      expiresAtMs: Date.now() + 60_000,
      kind: 'offer',
      terms: { payer: null, priceMicros: 0n },
      swapKey: publicKeyOf(generateSecretKey()),
      statedGainMicros: 1_000n,
      ...over,
    } as NegotiationMessage,
    { signed: delegation, full: true },
    keys,
  )
}

/**
 * A raw libp2p peer acting as a CPU-rich agent of the market sides' class
 * (topicPeer): its signing keys, its owner's delegation and the advert it
 * will publish (publishUntilHeld), wanting disk as a disk-rich agent offers.
 */
export async function rawCpuRichPeer(t: Test, agent: Agent) {
  const r = await topicPeer(t, agent)
  const keys = { secretKey: r.key.raw.subarray(0, 32), publicKey: r.key.publicKey.raw as Bytes }
  const delegation = delegate(ownerKeys(), keys.publicKey)
  const now = Date.now()
  const advert: Advert = {
    vm: r.id,
    instanceClass: CLS,
    location: 'host-r',
    profile: CPU_RICH,
    needs: { diskWrite: 0.9 },
    askMicros: 0n,
    attestations: [],
    sequence: 1n,
    issuedAtMs: now,
    expiresAtMs: now + 600_000,
  }
  return { r, keys, delegation, advert }
}
