/**
 * Where the swap partner's stateless node is dialled: where the partner's
 * agent listens (the stateless node takes over the VM's own addresses). The
 * boot parameters hold them without `/p2p/<id>` (the stateless node has
 * another peer id: its swap key's), and only direct ones: a relayed address
 * leads through a third peer the stateless side does not run with.
 */
import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { LifecycleError, LifecycleErrorCode } from './errors.js'

/** The multicodec of `/p2p/<id>`. */
const P2P_CODE = 421
/** Boot parameters hold at most 16 addresses (boot-params.ts); a node announces a handful. */
export const MAX_PEER_ADDRS = 16

/**
 * The partner's direct addresses, in the order given: `/p2p/...` suffixes
 * stripped, circuit (relay) addresses dropped, duplicates removed, at most
 * MAX_PEER_ADDRS. Unparsable strings are dropped. Throws LifecycleError
 * NO_PEER_ADDRESS when none remain.
 */
export function swapPeerAddrs(addrs: ReadonlyArray<Multiaddr | string>, partner: string): string[] {
  const out: string[] = []
  for (const a of addrs) {
    let ma: Multiaddr
    try {
      ma = typeof a === 'string' ? multiaddr(a) : a
    } catch {
      continue
    }
    if (ma.getComponents().some((c) => c.name === 'p2p-circuit')) continue
    const direct = ma.decapsulateCode(P2P_CODE).toString()
    if (direct === '/' || direct === '' || out.includes(direct)) continue
    out.push(direct)
    if (out.length === MAX_PEER_ADDRS) break
  }
  if (out.length === 0)
    throw new LifecycleError(
      LifecycleErrorCode.NO_PEER_ADDRESS,
      `no direct address of the swap partner ${partner} is known (neither this agent's peer store nor the DHT has one): the agent tries again with back-off until the agreement expires; if it persists, check that the partner's agent runs and announces a reachable address`,
    )
  return out
}

/** What the partner lookup needs of the agent's node. */
export interface PeerAddressSource {
  /** The addresses the peer store holds for the peer (identify fills it); empty when unknown. */
  known(peer: PeerId): Promise<Multiaddr[]>
  /** A DHT lookup of the peer's addresses, bounded by `signal`. */
  locate(peer: PeerId, signal: AbortSignal): Promise<Multiaddr[]>
}

/** A DHT lookup on a small or partly down network must not hold the leave long. */
export const PEER_LOOKUP_TIMEOUT_MS = 15_000

/**
 * The partner's direct addresses: from the peer store (we just negotiated
 * with it, so identify told us where it listens), else from a DHT lookup
 * bounded by PEER_LOOKUP_TIMEOUT_MS. Throws LifecycleError NO_PEER_ADDRESS
 * when neither knows one.
 */
export async function partnerAddrs(
  source: PeerAddressSource,
  peer: PeerId,
  timeoutMs = PEER_LOOKUP_TIMEOUT_MS,
): Promise<string[]> {
  const known = await source.known(peer).catch(() => [] as Multiaddr[])
  try {
    return swapPeerAddrs(known, peer.toString())
  } catch (err) {
    if (!(err instanceof LifecycleError)) throw err
  }
  const found = await source.locate(peer, AbortSignal.timeout(timeoutMs)).catch(() => [] as Multiaddr[])
  return swapPeerAddrs(found, peer.toString())
}
