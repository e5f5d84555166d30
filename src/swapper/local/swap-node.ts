/**
 * A minimal libp2p node for a stateless swap agent: TCP + noise + yamux, no
 * discovery (the agreement names the peer and its addresses). Callers import
 * '../polyfill.js' first (libp2p 3 needs Promise.withResolvers).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { publicKeyOf } from '../../protocols/signing.js'

/** 16 MiB stream window: ~145-310 MiB/s per stream instead of 115-150 with the default (STACK.md). */
export const SWAP_STREAM_WINDOW_BYTES = 16 * 1024 * 1024

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
  const privateKey = keyFromSeed(seed)
  return createLibp2p({
    privateKey,
    addresses: { listen: [listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [
      yamux({
        streamOptions: {
          initialStreamWindowSize: SWAP_STREAM_WINDOW_BYTES,
          maxStreamWindowSize: SWAP_STREAM_WINDOW_BYTES,
        },
      }),
    ],
  })
}
