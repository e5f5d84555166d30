/**
 * The swap node's key from a seed is libp2p's own Ed25519 key for that seed
 * (derived through node:crypto instead of @noble/curves), so peer ids in an
 * agreement match what libp2p would make.
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import t from 'tap'
import { createSwapNode, peerIdFromSeed } from '../../src/swapper/local/swap-node.js'

t.test('peer ids from seeds are the ones libp2p derives', async (t) => {
  for (let k = 0; k < 8; k++) {
    const seed = new Uint8Array(randomBytes(32))
    const expected = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed))
    t.ok((await peerIdFromSeed(seed)).equals(expected), `seed ${k}`)
  }
})

t.test('a node started from a seed has that peer id and signs its handshakes', async (t) => {
  const [sa, sb] = [new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(32))]
  const a = await createSwapNode(sa)
  const b = await createSwapNode(sb)
  t.teardown(async () => {
    await a.stop()
    await b.stop()
  })
  t.ok(a.peerId.equals(await peerIdFromSeed(sa)))
  // a noise handshake proves each side holds the private key of its peer id
  const conn = await a.dial(b.getMultiaddrs())
  t.ok(conn.remotePeer.equals(await peerIdFromSeed(sb)), 'connected to the peer the seed names')
})
