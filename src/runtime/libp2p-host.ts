/**
 * The one libp2p host builder: TCP + noise + yamux, with the services each
 * kind of host needs. `createNode` builds any host; `createHost` is the
 * market host of agents and the anchor (identify, ping, kad-dht on a private
 * protocol, gossipsub for the nodes that trade adverts); the swap's agents
 * build theirs with no services (src/swapper/local/swap-node.ts).
 */
import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { type GossipSub, gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey, ServiceMap } from '@libp2p/interface'
import {
  type KadDHT,
  kadDHT,
  type PeerInfoMapper,
  passthroughMapper,
  removePrivateAddressesMapper,
} from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type ServiceFactoryMap } from 'libp2p'
import { GOSSIP_MAX_INBOUND_BYTES, KAD_PROTOCOL } from '../protocols/constants.js'
import { UsageError } from '../protocols/errors.js'

/**
 * yamux stream windows, bytes, per kind of traffic. A stream's window is how
 * much its sender may have in flight unread. The yamux spec starts every
 * stream at 256 KiB and each side assumes the other's start, so a host may
 * start higher only when every peer it talks to starts at the same value.
 * - `market` (agents, anchor): the spec's 256 KiB, growing (doubled while the
 *   reader keeps up) to yamux's default cap of 16 MiB. Their peers are any
 *   libp2p peer, many and untrusted, and their streams small (gossip, DHT,
 *   RPC). The net-bandwidth benchmark was calibrated with this window (its
 *   1 MiB warm-up grows it), and the bandwidth sink's hold bound
 *   (SINK_MAX_HELD_BYTES) is the 16 MiB cap.
 * - `swap`: both ends are our swap agents, built here with the same value,
 *   moving blocks in bulk: starting at 16 MiB moved ~145-310 MiB/s per
 *   stream instead of 115-150 with the spec's start (one stream of 512 MiB
 *   between two processes; bench/swap.ts measures the raw stream).
 */
const STREAM_WINDOWS = {
  market: { initialStreamWindowSize: 256 * 1024, maxStreamWindowSize: 16 * 1024 * 1024 },
  swap: { initialStreamWindowSize: 16 * 1024 * 1024, maxStreamWindowSize: 16 * 1024 * 1024 },
} as const
export type StreamTraffic = keyof typeof STREAM_WINDOWS

/**
 * Which addresses the DHT keeps for peers: `lan` keeps private and loopback
 * addresses (testnets, one cloud VPC), `public` keeps only public ones.
 */
export type AddressScope = 'lan' | 'public'

export interface HostOptions {
  privateKey: PrivateKey
  listen: string[]
  /** Announced instead of the listen addresses (behind a relay or a NAT); default none. */
  announce?: string[]
  bootstrap: string[]
  addressScope: AddressScope
  /** Agents run gossipsub; the anchor does not trade adverts. */
  gossip: boolean
}

export type HostServices = {
  dht: KadDHT
  ping: unknown
  identify: unknown
  pubsub?: GossipSub
}

export type Host = Libp2p<HostServices>

function parseMultiaddrs(addrs: string[], what: string): void {
  for (const a of addrs) {
    try {
      multiaddr(a)
    } catch (err) {
      throw new UsageError(
        'BAD_MULTIADDR',
        `${what} "${a}" is not a valid multiaddr (${(err as Error).message}); write it like /ip4/0.0.0.0/tcp/4001`,
      )
    }
  }
}

export interface NodeOptions<S extends ServiceMap> {
  privateKey: PrivateKey
  listen: string[]
  /** Announced instead of the listen addresses (behind a relay or a NAT); default none. */
  announce?: string[]
  /** Which yamux windows the host's streams get (STREAM_WINDOWS). */
  traffic: StreamTraffic
  /** libp2p services by name; none by default. */
  services?: ServiceFactoryMap<S>
  /** Peers dialled at start; none by default. */
  bootstrap?: string[]
  /** `lan` raises libp2p's per-IP connection limits; default libp2p's own. */
  addressScope?: AddressScope
}

/** Builds and starts a libp2p host over TCP + noise + yamux. Bad or busy addresses throw UsageError. */
export async function createNode<S extends ServiceMap = ServiceMap>(
  opts: NodeOptions<S>,
): Promise<Libp2p<S>> {
  const bootstrapList = opts.bootstrap ?? []
  parseMultiaddrs(opts.listen, 'listen address')
  parseMultiaddrs(opts.announce ?? [], 'announce address')
  parseMultiaddrs(bootstrapList, 'bootstrap address')
  try {
    return await createLibp2p<S>({
      privateKey: opts.privateKey,
      addresses: {
        listen: opts.listen,
        ...(opts.announce !== undefined && opts.announce.length > 0 ? { announce: opts.announce } : {}),
      },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ streamOptions: { ...STREAM_WINDOWS[opts.traffic] } })],
      peerDiscovery: bootstrapList.length > 0 ? [bootstrap({ list: bootstrapList })] : [],
      // On a LAN or a loopback testnet many peers share one IP; libp2p's default
      // of 5 inbound connections per second per host would refuse most of them.
      connectionManager:
        opts.addressScope === 'lan'
          ? { inboundConnectionThreshold: 200, maxIncomingPendingConnections: 64 }
          : {},
      ...(opts.services === undefined ? {} : { services: opts.services }),
    })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE') {
      throw new UsageError(
        'LISTEN_IN_USE',
        `cannot listen on ${opts.listen.join(', ')}: address already in use; pick another port or stop the process holding it`,
      )
    }
    throw err
  }
}

/** The market host of agents and the anchor: identify, ping, kad-dht, and gossipsub when asked. */
export async function createHost(opts: HostOptions): Promise<Host> {
  const mapper: PeerInfoMapper =
    opts.addressScope === 'lan' ? passthroughMapper : removePrivateAddressesMapper
  const services: Record<string, unknown> = {
    identify: identify(),
    // kad-dht pings peers before evicting them from its routing table, and
    // libp2p's connection monitor pings every connection; with the default of
    // one outbound ping stream per connection they collide, the monitor takes
    // the refusal for a dead peer and aborts a healthy connection.
    ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 4 }),
    dht: kadDHT({
      protocol: KAD_PROTOCOL,
      clientMode: false,
      peerInfoMapper: mapper,
    }),
  }
  if (opts.gossip) {
    services.pubsub = gossipsub({
      // Adverts are republished, so publishing before the mesh forms is harmless.
      allowPublishToZeroTopicPeers: true,
      maxInboundDataLength: GOSSIP_MAX_INBOUND_BYTES,
      // Our validator keeps the per-VM sequence; gossipsub's own dedup stays on.
      emitSelf: false,
      // gossipsub penalises more than 10 peers on one IP (a Sybil defence). Every
      // peer of a loopback testnet shares 127.0.0.1: without this, peers past the
      // tenth are graylisted and even their subscriptions are dropped. Other
      // addresses keep the defence.
      scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
    })
  }
  return (await createNode({
    privateKey: opts.privateKey,
    listen: opts.listen,
    announce: opts.announce,
    traffic: 'market',
    services: services as never,
    bootstrap: opts.bootstrap,
    addressScope: opts.addressScope,
  })) as unknown as Host
}
