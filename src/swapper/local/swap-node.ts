/**
 * A minimal libp2p node for a stateless swap agent: the one host builder
 * (src/runtime/libp2p-host.ts) with no services and no discovery (the
 * agreement names the peer and its addresses), and the swap's stream windows.
 */
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { publicKeyOf } from '../../protocols/signing.js'
import { createNode } from '../../runtime/libp2p-host.js'

/**
 * The libp2p Ed25519 key of a 32-byte seed: the same key as
 * generateKeyPairFromSeed('Ed25519', seed), whose public key derivation runs
 * @noble/curves and builds its tables on first use (~55 ms of CPU in each of
 * the three processes a local swap starts); node:crypto derives it in ~0.05 ms.
 */
function keyFromSeed(seed: Uint8Array): PrivateKey {
  const raw = new Uint8Array(64)
  raw.set(seed)
  raw.set(publicKeyOf(seed), 32)
  return privateKeyFromRaw(raw)
}

export async function peerIdFromSeed(seed: Uint8Array): Promise<PeerId> {
  return peerIdFromPrivateKey(keyFromSeed(seed))
}

/** A started node with a key derived from `seed` (32 bytes), listening on `listen`. */
export async function createSwapNode(seed: Uint8Array, listen = '/ip4/127.0.0.1/tcp/0'): Promise<Libp2p> {
  return createNode({ privateKey: keyFromSeed(seed), listen: [listen], traffic: 'swap' })
}
