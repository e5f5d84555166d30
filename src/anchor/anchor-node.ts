/**
 * The anchor's libp2p node: a stable, well-known peer that agents bootstrap
 * from and that serves the DHT (server mode), and the anchor's services over
 * it: the signed benchmark catalog and modules, the swap commit coordinator
 * and verification (through a platform's hosts, or the VM's own agent). Its libp2p key
 * is persisted like an agent's so its multiaddr stays valid; its signing key
 * is `anchor.key`. It does not join the advert gossip: it is neutral, not a
 * trader.
 *
 * Data dir: `node.key`, `anchor.key`, `db/` (lock, coordinator votes),
 * `ledger/`, `benchmarks/` (signed registry; `benchmarks/built/` when the
 * suite is compiled at start), `control.sock` (the local control socket:
 * ledger queries while the anchor runs, metrics; control-server.ts).
 */
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { Registry } from 'prom-client'
import { type DataDir, openDataDir } from '../runtime/data-dir.js'
import { loadOrCreateKey } from '../runtime/key-store.js'
import { type AddressScope, createHost, type Host } from '../runtime/libp2p-host.js'
import { componentLogger, type Logger } from '../runtime/log.js'
import { AgentBootTargets } from './agent-boot-target.js'
import { BenchmarkRegistry } from './benchmarks/registry.js'
import { standardSuiteDir } from './benchmarks/standard.js'
import { ControlAuthorizer } from './control-auth.js'
import { AnchorControlServer } from './control-server.js'
import { AnchorCoordinator } from './coordinator.js'
import { type AnchorKey, loadOrCreateAnchorKey } from './key.js'
import { Ledger } from './ledger/index.js'
import { AnchorServices } from './services.js'
import { type HostResolver, Verifier } from './verifier.js'

export interface AnchorNodeOptions {
  dataDir: string
  listen: string[]
  addressScope: AddressScope
  log: Logger
  /**
   * How the anchor reaches the host of a location to verify it (the
   * testnet's emulated hosts). A location it does not resolve is reached
   * through its VM's own agent (agent-boot-target.ts), as on real Linux VMs.
   */
  hosts?: HostResolver
  /** Validity of the attestations it signs, ms. */
  attestationTtlMs?: number
  /** Benchmarks a verification runs, by name; default every catalog benchmark that needs no network peer. */
  verifyBenchmarks?: string[]
}

export class AnchorNode {
  readonly metrics = new Registry()
  private services: AnchorServices | null = null
  private control: AnchorControlServer | null = null
  private agentTargets: AgentBootTargets | null = null

  private constructor(
    readonly host: Host,
    readonly dataDir: DataDir,
    readonly key: AnchorKey,
    readonly ledger: Ledger,
    readonly registry: BenchmarkRegistry,
    readonly coordinator: AnchorCoordinator,
    private readonly opts: AnchorNodeOptions,
  ) {}

  static async create(opts: AnchorNodeOptions): Promise<AnchorNode> {
    const dataDir = await openDataDir(opts.dataDir)
    const opened: Array<{ close(): Promise<void> }> = [dataDir]
    try {
      const key = await loadOrCreateAnchorKey(opts.dataDir)
      const ledger = await Ledger.open({ dir: join(opts.dataDir, 'ledger'), anchorKey: key })
      opened.push(ledger)
      const benchDir = join(opts.dataDir, 'benchmarks')
      const registry = await BenchmarkRegistry.open({ dir: benchDir, anchorKey: key })
      await registry.submitStandardSuite(await standardSuiteDir(join(benchDir, 'built')))
      const host = await createHost({
        privateKey: await loadOrCreateKey(opts.dataDir),
        listen: opts.listen,
        bootstrap: [],
        addressScope: opts.addressScope,
        gossip: false,
      })
      const coordinator = new AnchorCoordinator(ledger, dataDir.db)
      return new AnchorNode(host, dataDir, key, ledger, registry, coordinator, opts)
    } catch (err) {
      for (const o of opened.reverse()) await o.close().catch(() => {})
      throw err
    }
  }

  get peerId(): PeerId {
    return this.host.peerId
  }

  /** The anchor's Ed25519 public key: what agents configure as the trusted anchor key. */
  get publicKey(): Uint8Array {
    return this.key.publicKey
  }

  /** The addresses agents bootstrap from, with the peer id appended. */
  get multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString())
  }

  async start(): Promise<void> {
    await this.host.start()
    const agentTargets = new AgentBootTargets({
      node: this.host,
      key: this.key,
      ownership: this.ledger,
      log: componentLogger(this.opts.log, 'vboom:anchor:agent-boot'),
    })
    await agentTargets.start()
    this.agentTargets = agentTargets
    const hosts = this.opts.hosts
    const verifier = new Verifier({
      key: this.key,
      registry: this.registry,
      hosts: (location) => hosts?.(location) ?? agentTargets.resolve(location),
      control: new ControlAuthorizer({ ownership: this.ledger, anchorPublicKey: this.key.publicKey }),
      ownership: this.ledger,
      ttlMs: this.opts.attestationTtlMs,
      benchmarks: this.opts.verifyBenchmarks,
      log: componentLogger(this.opts.log, 'vboom:anchor:verifier'),
    })
    this.services = new AnchorServices({
      node: this.host,
      registry: this.registry,
      coordinator: this.coordinator,
      ledger: this.ledger,
      verifier,
      metrics: this.metrics,
      log: componentLogger(this.opts.log, 'vboom:anchor:services'),
    })
    await this.services.start()
    this.control = new AnchorControlServer({
      dataDir: this.dataDir.path,
      ledger: this.ledger,
      metrics: this.metrics,
      log: componentLogger(this.opts.log, 'vboom:anchor:control'),
    })
    await this.control.start()
    this.opts.log.info(
      {
        peerId: this.peerId.toString(),
        anchorKey: Buffer.from(this.key.publicKey).toString('hex'),
        addresses: this.multiaddrs,
      },
      'anchor listening',
    )
  }

  async stop(): Promise<void> {
    await this.control?.stop()
    await this.services?.stop()
    await this.agentTargets?.stop()
    await this.host.stop()
    await this.coordinator.drain()
    await this.ledger.close()
    await this.dataDir.close()
  }
}
