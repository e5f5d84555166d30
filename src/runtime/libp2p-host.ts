/**
 * The libp2p host shared by agents and the anchor: TCP + noise + yamux,
 * identify, ping (kad-dht requires it), kad-dht on a private protocol, and
 * gossipsub for the nodes that trade adverts.
 */
import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { type GossipSub, gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
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
import { createLibp2p } from 'libp2p'
import { GOSSIP_MAX_INBOUND_BYTES, KAD_PROTOCOL } from '../protocols/constants.js'
import { UsageError } from '../protocols/errors.js'

/**
 * Which addresses the DHT keeps for peers: `lan` keeps private and loopback
 * addresses (testnets, one cloud VPC), `public` keeps only public ones.
 */
export type AddressScope = 'lan' | 'public'

export interface HostOptions {
  privateKey: PrivateKey
  listen: string[]
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

export function parseMultiaddrs(addrs: string[], what: string): void {
  for (const a of addrs) {
    try {
      multiaddr(a)
    } catch (err) {
      throw new UsageError(
        'BAD_MULTIADDR',
        `${what} "${a}" is not a valid multiaddr (${(err as Error).message})`,
      )
    }
  }
}

export async function createHost(opts: HostOptions): Promise<Host> {
  parseMultiaddrs(opts.listen, 'listen address')
  parseMultiaddrs(opts.bootstrap, 'bootstrap address')
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
  const peerDiscovery = opts.bootstrap.length > 0 ? [bootstrap({ list: opts.bootstrap })] : []
  try {
    return (await createLibp2p({
      privateKey: opts.privateKey,
      addresses: { listen: opts.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery,
      // On a LAN or a loopback testnet many peers share one IP; libp2p's default
      // of 5 inbound connections per second per host would refuse most of them.
      connectionManager:
        opts.addressScope === 'lan'
          ? { inboundConnectionThreshold: 200, maxIncomingPendingConnections: 64 }
          : {},
      services: services as never,
    })) as unknown as Host
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE') {
      throw new UsageError(
        'LISTEN_IN_USE',
        `cannot listen on ${opts.listen.join(', ')}: address already in use`,
      )
    }
    throw err
  }
}
