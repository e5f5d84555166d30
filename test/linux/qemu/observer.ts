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
import { multiaddr } from '@multiformats/multiaddr'
import { AdvertGossip } from '../../../src/node/advert-gossip.js'
import { MarketView } from '../../../src/node/market/market-view.js'
import { type Advert, classId, type InstanceClass } from '../../../src/protocols/advert.js'
import { createHost, type Host } from '../../../src/runtime/libp2p-host.js'
import { createLogger } from '../../../src/runtime/log.js'
import { createNodeMetrics } from '../../../src/runtime/metrics.js'

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

  /** The first advert `match` accepts, waiting up to `timeoutMs`. */
  async waitFor(match: (a: Advert) => boolean, timeoutMs: number): Promise<Advert> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.market.list().find(match)
      if (found !== undefined) return found
      if (Date.now() > deadline)
        throw new Error(
          `no matching advert within ${timeoutMs} ms; seen: ${JSON.stringify(this.market.list().map((a) => ({ vm: a.vm, location: a.location })))}`,
        )
      await sleep(500)
    }
  }

  async stop(): Promise<void> {
    this.gossip.stop()
    await this.host.stop()
  }
}
