/**
 * The anchor's libp2p node: a stable, well-known peer that agents bootstrap
 * from and that serves the DHT (server mode). Its key is persisted like an
 * agent's so its multiaddr, which agents are configured with, stays valid.
 * It does not join the advert gossip: it is neutral, not a trader.
 */
import type { PeerId } from '@libp2p/interface'
import { type DataDir, openDataDir } from '../runtime/data-dir.js'
import { loadOrCreateKey } from '../runtime/key-store.js'
import { type AddressScope, createHost, type Host } from '../runtime/libp2p-host.js'
import type { Logger } from '../runtime/log.js'

export interface AnchorNodeOptions {
  dataDir: string
  listen: string[]
  addressScope: AddressScope
  log: Logger
}

export class AnchorNode {
  private constructor(
    readonly host: Host,
    readonly dataDir: DataDir,
    private readonly log: Logger,
  ) {}

  static async create(opts: AnchorNodeOptions): Promise<AnchorNode> {
    const dataDir = await openDataDir(opts.dataDir)
    try {
      const key = await loadOrCreateKey(opts.dataDir)
      const host = await createHost({
        privateKey: key,
        listen: opts.listen,
        bootstrap: [],
        addressScope: opts.addressScope,
        gossip: false,
      })
      return new AnchorNode(host, dataDir, opts.log)
    } catch (err) {
      await dataDir.close()
      throw err
    }
  }

  get peerId(): PeerId {
    return this.host.peerId
  }

  /** The addresses agents bootstrap from, with the peer id appended. */
  get multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString())
  }

  async start(): Promise<void> {
    await this.host.start()
    this.log.info({ peerId: this.peerId.toString(), addresses: this.multiaddrs }, 'anchor listening')
  }

  async stop(): Promise<void> {
    await this.host.stop()
    await this.dataDir.close()
  }
}
