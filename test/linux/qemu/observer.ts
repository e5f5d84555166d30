/**
 * A libp2p node on the host that watches the agents' advert gossip: it runs
 * gossipsub on the instance class's topic with the agents' own validator
 * (AdvertGossip: signed by the VM's key, the class, the sequence), dials the
 * guests' agents through qemu's host forwards (the guests sit behind user
 * networking's NAT; the forwards accept before the guest listens, so a dial
 * is retried), and keeps what it accepts in a MarketView. A subscription
 * arriving makes an agent republish, so the current advert shows up soon.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { GossipSub } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { AdvertGossip } from '../../../src/node/advert-gossip.js'
import { MarketView } from '../../../src/node/market/market-view.js'
import { type Advert, classId, type InstanceClass } from '../../../src/protocols/advert.js'
import { createHost, type Host } from '../../../src/runtime/libp2p-host.js'
import { createLogger } from '../../../src/runtime/log.js'
import { createNodeMetrics } from '../../../src/runtime/metrics.js'

/** How long a connection may bring no advert before it is dialled afresh (an agent republishes on a new subscriber). */
const REDIAL_MS = 45_000

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export class AdvertObserver {
  private constructor(
    private readonly host: Host,
    private readonly gossip: AdvertGossip,
    readonly market: MarketView,
  ) {}

  static async start(o: { instanceClass: InstanceClass; bootstrap: string[] }): Promise<AdvertObserver> {
    const host = await createHost({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: o.bootstrap,
      addressScope: 'lan',
      gossip: true,
    })
    const market = new MarketView()
    const gossip = new AdvertGossip({
      classId: classId(o.instanceClass),
      pubsub: host.services.pubsub as GossipSub,
      market,
      metrics: createNodeMetrics().adverts,
      log: createLogger('warn'),
    })
    await host.start()
    gossip.start()
    return new AdvertObserver(host, gossip, market)
  }

  /** Dials the agent `peerId` at 127.0.0.1:`port` (a host forward) until it answers or `timeoutMs` passes. */
  async connect(port: number, peerId: string, timeoutMs: number): Promise<void> {
    const addr = multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        await this.host.dial(addr, { signal: AbortSignal.timeout(20_000) })
        return
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(
            `could not reach agent ${peerId} through 127.0.0.1:${port}: ${(err as Error).message}`,
          )
        await sleep(2000)
      }
    }
  }

  /**
   * The first advert `match` accepts, waiting up to `timeoutMs`. With
   * `redial`, a connection that brought nothing for REDIAL_MS is closed and
   * dialled again: under TCG a guest can miss the deadline of a stream's
   * protocol negotiation, and gossipsub does not retry on that connection.
   */
  async waitFor(
    match: (a: Advert) => boolean,
    timeoutMs: number,
    redial?: { port: number; peerId: string },
  ): Promise<Advert> {
    const deadline = Date.now() + timeoutMs
    let dialledAt = Date.now()
    for (;;) {
      const found = this.market.list().find(match)
      if (found !== undefined) return found
      if (redial !== undefined && Date.now() - dialledAt > REDIAL_MS) {
        await this.host.hangUp(peerIdFromString(redial.peerId)).catch(() => undefined)
        await this.connect(redial.port, redial.peerId, Math.max(0, deadline - Date.now())).catch(
          () => undefined,
        )
        dialledAt = Date.now()
      }
      if (Date.now() > deadline)
        throw new Error(
          `no matching advert within ${timeoutMs} ms; seen: ${JSON.stringify(this.market.list().map((a) => ({ vm: a.vm, location: a.location })))}; connections ${this.host.getConnections().length}, subscribers of the topic ${(this.host.services.pubsub as GossipSub).getSubscribers(this.gossip.topic).length}`,
        )
      await sleep(500)
    }
  }

  async stop(): Promise<void> {
    this.gossip.stop()
    await this.host.stop()
  }
}
