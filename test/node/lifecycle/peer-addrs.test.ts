/**
 * The swap partner's addresses for the boot parameters: `/p2p/<id>` stripped
 * (the stateless node has its swap key's id), circuit addresses dropped,
 * duplicates removed, at most MAX_PEER_ADDRS; none known is a typed error;
 * the DHT is asked only when the peer store knows no direct address.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import t from 'tap'
import {
  LifecycleError,
  LifecycleErrorCode,
  MAX_PEER_ADDRS,
  partnerAddrs,
  swapPeerAddrs,
} from '../../../src/node/lifecycle/index.js'

const ID = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const RELAY = '12D3KooWSoLzampfxoFgzXhK3nC4pNhgTBmGyWFJSzdYbgkQ2Kwd'

t.test('strips /p2p, drops circuits, dedupes, keeps the order', async (t) => {
  t.same(
    swapPeerAddrs(
      [
        `/ip4/10.0.0.2/tcp/4001/p2p/${ID}`,
        '/ip4/10.0.0.2/tcp/4001',
        `/ip4/1.2.3.4/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${ID}`,
        `/ip4/1.2.3.4/tcp/4001/p2p/${RELAY}/p2p-circuit`,
        multiaddr(`/ip6/::1/tcp/4002/p2p/${ID}`),
        '/dns4/host-b.example/tcp/4001',
        'not a multiaddr',
      ],
      ID,
    ),
    ['/ip4/10.0.0.2/tcp/4001', '/ip6/::1/tcp/4002', '/dns4/host-b.example/tcp/4001'],
  )
})

t.test('at most MAX_PEER_ADDRS (the boot parameters hold no more)', async (t) => {
  const many = Array.from({ length: MAX_PEER_ADDRS + 5 }, (_, i) => `/ip4/10.0.0.${i + 1}/tcp/4001`)
  t.equal(swapPeerAddrs(many, ID).length, MAX_PEER_ADDRS)
})

t.test('none left is a typed error saying what to do', async (t) => {
  for (const addrs of [[], [`/ip4/1.2.3.4/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${ID}`], [`/p2p/${ID}`]])
    t.throws(
      () => swapPeerAddrs(addrs, ID),
      {
        constructor: LifecycleError,
        code: LifecycleErrorCode.NO_PEER_ADDRESS,
        message: /tries again with back-off/,
      },
      `refused: ${JSON.stringify(addrs)}`,
    )
})

t.test('the peer store first, the DHT only when it knows no direct address', async (t) => {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  let lookups = 0
  const source = (known: string[], found: string[]) => ({
    known: async () => known.map((a) => multiaddr(a)),
    locate: async () => {
      lookups++
      return found.map((a) => multiaddr(a))
    },
  })
  t.same(await partnerAddrs(source([`/ip4/10.0.0.2/tcp/1/p2p/${peer}`], ['/ip4/10.0.0.9/tcp/1']), peer), [
    '/ip4/10.0.0.2/tcp/1',
  ])
  t.equal(lookups, 0, 'no DHT lookup when the peer store knows the partner')
  t.same(
    await partnerAddrs(
      source([`/ip4/1.2.3.4/tcp/1/p2p/${RELAY}/p2p-circuit`], ['/ip4/10.0.0.9/tcp/1']),
      peer,
    ),
    ['/ip4/10.0.0.9/tcp/1'],
  )
  t.equal(lookups, 1, 'the DHT asked when the peer store knows only a relayed address')
  const failing = {
    known: async () => {
      throw new Error('unknown peer')
    },
    locate: async () => {
      throw new Error('query aborted')
    },
  }
  await t.rejects(partnerAddrs(failing, peer), { name: 'LifecycleError', code: 'NO_PEER_ADDRESS' })
})
