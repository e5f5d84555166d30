/**
 * Discovery beyond the gossip mesh, through the DHT:
 * - the agent announces itself as a provider of its class key, and looks up
 *   the other providers of that key, dialing the ones it is not connected to;
 * - it finds a peer's current addresses by peer id (after the peer moved),
 *   asking the network rather than its own peer store.
 */
import { createHash } from 'node:crypto'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { CLASS_DHT_NAMESPACE } from '../protocols/constants.js'
import type { Host } from '../runtime/libp2p-host.js'
import type { Logger } from '../runtime/log.js'

const RAW_CODEC = 0x55
const SHA2_256 = 0x12

/** Look up peers often while the agent knows few, then settle to a slow refresh. */
const DISCOVERY_FAST_INTERVAL_MS = 2_000
const DISCOVERY_SLOW_INTERVAL_MS = 30_000
/** A DHT query on a small or partly down network must not hang the loop. */
const DHT_QUERY_TIMEOUT_MS = 10_000

function classKey(classId: string): CID {
  const hash = createHash('sha256')
    .update(CLASS_DHT_NAMESPACE + classId)
    .digest()
  return CID.createV1(RAW_CODEC, Digest.create(SHA2_256, hash))
}

export interface ClassDiscoveryOptions {
  host: Host
  classId: string
  /** Bootstrap multiaddrs, redialed whenever the agent has no connection at all. */
  bootstrap: string[]
  log: Logger
  /** Enough peers of the class to stop looking fast. */
  targetPeers?: number
}

export class ClassDiscovery {
  private readonly key: CID
  private timer?: NodeJS.Timeout
  private stopped = true
  private provided = false
  private readonly found = new Set<string>()

  constructor(private readonly opts: ClassDiscoveryOptions) {
    this.key = classKey(opts.classId)
  }

  /** Peers of our class found through the DHT so far. */
  get classPeers(): string[] {
    return [...this.found]
  }

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.round()
        .catch((err) => this.opts.log.debug({ err }, 'discovery round failed'))
        .finally(() => {
          const fast = !this.provided || this.found.size < (this.opts.targetPeers ?? 3)
          this.schedule(fast ? DISCOVERY_FAST_INTERVAL_MS : DISCOVERY_SLOW_INTERVAL_MS)
        })
    }, ms)
    this.timer.unref()
  }

  /** One round: announce (until it has succeeded once; kad-dht reprovides after), then look up and dial. */
  async round(): Promise<void> {
    const { host, log } = this.opts
    if (host.getConnections().length === 0) {
      // Isolated (bootstrap refused, anchor restarting, network blip): dial the bootstrap peers again.
      await Promise.allSettled(
        this.opts.bootstrap.map((a) =>
          host.dial(multiaddr(a), { signal: AbortSignal.timeout(DHT_QUERY_TIMEOUT_MS) }),
        ),
      )
      if (host.getConnections().length === 0) return
    }
    if (!this.provided) {
      for await (const _ of host.services.dht.provide(this.key, {
        signal: AbortSignal.timeout(DHT_QUERY_TIMEOUT_MS),
      })) {
        // drain the query
      }
      this.provided = true
      log.debug({ classId: this.opts.classId }, 'class announced in the DHT')
    }
    for await (const provider of host.contentRouting.findProviders(this.key, {
      signal: AbortSignal.timeout(DHT_QUERY_TIMEOUT_MS),
    })) {
      await this.consider(provider)
    }
  }

  private async consider(provider: PeerInfo): Promise<void> {
    const { host, log } = this.opts
    if (provider.id.equals(host.peerId)) return
    const id = provider.id.toString()
    if (!this.found.has(id)) log.info({ peer: id }, 'found a peer of our class in the DHT')
    this.found.add(id)
    if (host.getConnections(provider.id).length > 0) return
    try {
      if (provider.multiaddrs.length > 0)
        await host.peerStore.merge(provider.id, { multiaddrs: provider.multiaddrs })
      await host.dial(provider.id, { signal: AbortSignal.timeout(DHT_QUERY_TIMEOUT_MS) })
    } catch (err) {
      log.debug({ err, peer: id }, 'could not dial a class peer')
    }
  }

  /**
   * The peer's current addresses, asked of the network (not our peer store,
   * which still holds where the peer was). Every DHT answer naming the peer
   * is merged, since peers that have not seen it move may answer with its old
   * addresses; dialing then picks whichever works.
   */
  async locate(
    peer: PeerId,
    signal: AbortSignal = AbortSignal.timeout(DHT_QUERY_TIMEOUT_MS),
  ): Promise<Multiaddr[]> {
    const seen = new Map<string, Multiaddr>()
    const add = (info: PeerInfo): void => {
      if (!info.id.equals(peer)) return
      for (const a of info.multiaddrs) seen.set(a.toString(), a)
    }
    for await (const evt of this.opts.host.services.dht.findPeer(peer, { signal, useCache: false })) {
      if (evt.name === 'FINAL_PEER') add(evt.peer)
      else if (evt.name === 'PEER_RESPONSE') evt.closer.forEach(add)
    }
    return [...seen.values()]
  }

  /** Locates the peer through the DHT and connects to it. */
  async reach(
    peer: PeerId,
    signal: AbortSignal = AbortSignal.timeout(DHT_QUERY_TIMEOUT_MS),
  ): Promise<Multiaddr> {
    const addrs = await this.locate(peer, signal)
    const host = this.opts.host
    await host.peerStore.merge(peer, { multiaddrs: addrs })
    const conn = await host.dial(peer, { signal })
    return conn.remoteAddr
  }
}
