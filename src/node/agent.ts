/**
 * The agent: one VM's libp2p node, its advert, its market view, its discovery,
 * its profiler and needs learner. Composes the pieces; each lives in its own file.
 *
 * The advert carries the measured profile (the config's profileOverride on top,
 * per resource) and the needs of the moment; it is republished at once when
 * either changes materially. The activity gate (`activity`) is what swaps and
 * verifications hold so no profiling run measures while they load or stop the VM.
 */

import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Registry } from 'prom-client'
import { type Advert, advertToJson, classId, type Profile } from '../protocols/advert.js'
import { DEFAULT_PROBE_TOLERANCE } from '../protocols/anchor-constants.js'
import { type Attestation, checkAdvertAttestations } from '../protocols/attestation.js'
import { DelegationError, type VerifiedDelegation, validateDelegation } from '../protocols/delegation.js'
import { UsageError, VBoomError } from '../protocols/errors.js'
import type { Bytes } from '../protocols/signing.js'
import { type DataDir, openDataDir } from '../runtime/data-dir.js'
import { loadOrCreateKey } from '../runtime/key-store.js'
import { createHost, type Host } from '../runtime/libp2p-host.js'
import { componentLogger, type Logger } from '../runtime/log.js'
import { counterByLabel, createNodeMetrics, type NodeMetrics } from '../runtime/metrics.js'
import { AdvertGossip } from './advert-gossip.js'
import { AdvertPublisher } from './advert-publisher.js'
import { AttestationStore } from './attestation-store.js'
import { ClassDiscovery } from './class-discovery.js'
import type { AgentConfig } from './config.js'
import {
  AgreementLeave,
  type AgreementLeaveView,
  type BootNotice,
  type HistoryRecord,
  type LeaveRequest,
  LifecycleError,
  LifecycleErrorCode,
  LifecycleStore,
  noticeBoot,
  prepareLeave,
} from './lifecycle/index.js'
import { Libp2pMatchTransport, sendTimeoutFor } from './market/libp2p-match-transport.js'
import { MarketView } from './market/market-view.js'
import { MatchingDriver } from './market/matching-driver.js'
import { NeedsLearner, type NeedsReport } from './needs/index.js'
import { AgreementStore } from './negotiation/agreement-store.js'
import type { MarketConfig } from './negotiation/policy.js'
import { PersistentReputation } from './negotiation/reputation-store.js'
import { type MarketReport, NegotiationService } from './negotiation/service.js'
import type { Platform } from './platform/platform.js'
import { AgentProbeService } from './probe/index.js'
import {
  ActivityGate,
  type ActivityLease,
  advertisedProfile,
  gateBootTarget,
  Profiler,
  type ProfilerStatus,
} from './profiler/index.js'

export interface AgentOptions {
  dataDir: string
  config: AgentConfig
  log: Logger
  /**
   * Where the agent runs: its location, its disk, reboots and boot parameters
   * (its `bootRemote`, the verification path, is given the activity gate).
   * Without one the location comes from the config and the agent cannot swap.
   */
  platform?: Platform
}

export interface AgentStatus {
  peerId: string
  classId: string
  location: string
  /** Where the VM has moved, and the swaps it left for, oldest first (recent ones). */
  moves: HistoryRecord[]
  addresses: string[]
  connections: { peer: string; address: string }[]
  classPeersInDht: string[]
  advert: Record<string, unknown> | null
  market: Record<string, unknown>[]
  counters: { published: number; accepted: number; rejected: Record<string, number> }
}

interface AgentParts {
  attestations: AttestationStore
  config: AgentConfig
  host: Host
  dataDir: DataDir
  key: Ed25519PrivateKey
  market: MarketView
  gossip: AdvertGossip
  publisher: AdvertPublisher
  discovery: ClassDiscovery
  metrics: NodeMetrics
  classId: string
  probe: AgentProbeService | null
  activity: ActivityGate
  profiler: Profiler | null
  needs: NeedsLearner
  location: string
  platform: Platform | null
  lifecycle: LifecycleStore
  negotiation: NegotiationService | null
  matching: { transport: Libp2pMatchTransport; driver: MatchingDriver } | null
  leaves: AgreementLeave | null
  reputation: PersistentReputation
  log: Logger
}

export class Agent {
  readonly config: AgentConfig
  readonly host: Host
  readonly dataDir: DataDir
  readonly key: Ed25519PrivateKey
  readonly market: MarketView
  readonly discovery: ClassDiscovery
  readonly metrics: NodeMetrics
  readonly classId: string
  /** Where the agent runs: the platform's location, else the config's. */
  readonly location: string
  /** What this start found about where the VM has been (set by start(), with a platform). */
  boot: BootNotice | null = null
  private readonly lifecycle: LifecycleStore
  private readonly log: Logger
  private readonly gossip: AdvertGossip
  private readonly publisher: AdvertPublisher
  private readonly attestations: AttestationStore
  private readonly probe: AgentProbeService | null
  /** Held by swaps, verifications and probes served: no profiling run while held. */
  readonly activity: ActivityGate
  /** The platform with its verification path holding `activity`; null when none was given. */
  readonly platform: Platform | null
  private readonly profiler: Profiler | null
  private readonly needs: NeedsLearner
  /** The negotiation service; null when the market is off or the VM has no delegation. */
  readonly negotiation: NegotiationService | null
  /** The decentralized matching that picks the negotiation's partners; null when off or not trading. */
  readonly matching: { transport: Libp2pMatchTransport; driver: MatchingDriver } | null
  /** Leaves for the swap of an agreement in force, by itself; null without an anchor key. */
  private readonly leaves: AgreementLeave | null
  private readonly reputation: PersistentReputation

  private constructor(p: AgentParts) {
    this.negotiation = p.negotiation
    this.matching = p.matching
    this.leaves = p.leaves
    this.reputation = p.reputation
    this.config = p.config
    this.host = p.host
    this.dataDir = p.dataDir
    this.key = p.key
    this.market = p.market
    this.discovery = p.discovery
    this.metrics = p.metrics
    this.classId = p.classId
    this.gossip = p.gossip
    this.publisher = p.publisher
    this.attestations = p.attestations
    this.probe = p.probe
    this.activity = p.activity
    this.profiler = p.profiler
    this.needs = p.needs
    this.location = p.location
    this.platform = p.platform
    this.lifecycle = p.lifecycle
    this.log = p.log
  }

  /** Opens the data dir (exclusive), loads the key, builds the node. Call start() next. */
  static async create(opts: AgentOptions): Promise<Agent> {
    const { config, log } = opts
    const platform = opts.platform ?? null
    const location = platform?.location ?? config.location
    if (location === undefined)
      throw new UsageError(
        'NO_LOCATION',
        'the agent config names no location and the agent runs without a platform to tell it; add "location" to the config',
      )
    const dataDir = await openDataDir(opts.dataDir)
    try {
      const key = await loadOrCreateKey(opts.dataDir)
      const host = await createHost({
        privateKey: key,
        listen: config.listen,
        announce: config.announce,
        bootstrap: config.bootstrap,
        addressScope: config.addressScope,
        gossip: true,
      })
      const metrics = createNodeMetrics()
      const id = classId(config.instanceClass)
      const pubsub = host.services.pubsub as GossipSub
      const market = new MarketView()
      // The trusted anchor key (config): checks attestations in adverts and the benchmarks probes run.
      const anchorKey =
        config.anchorKey === undefined ? undefined : new Uint8Array(Buffer.from(config.anchorKey, 'hex'))
      const gossip = new AdvertGossip({
        classId: id,
        pubsub,
        market,
        metrics: metrics.adverts,
        log: componentLogger(log, 'vboom:node:gossip'),
        attestations:
          anchorKey === undefined
            ? undefined
            : { trustedAnchorKey: anchorKey, tolerance: DEFAULT_PROBE_TOLERANCE },
      })
      const attestations = new AttestationStore(dataDir.db, anchorKey, DEFAULT_PROBE_TOLERANCE)
      const activity = new ActivityGate()
      const diskDir = config.diskDir ?? platform?.diskDir ?? opts.dataDir
      const ioGate = platform?.ioGate?.()
      const cores = availableParallelism()
      const probe =
        anchorKey === undefined
          ? null
          : new AgentProbeService({
              node: host,
              anchor: config.bootstrap.map((a) => multiaddr(a)),
              anchorKey,
              key: { secretKey: key.raw.subarray(0, 32), publicKey: key.publicKey.raw },
              diskDir,
              ioGate,
              log: componentLogger(log, 'vboom:node:probe'),
              metrics: metrics.registry,
              gate: activity,
            })
      // Both report material changes before the publisher exists; it is bound below.
      let publisher: AdvertPublisher | undefined
      const republish = (why: string): void => {
        log.debug({ why }, 'profile or needs changed: republishing')
        publisher?.publish().catch((err) => log.warn({ err }, 'advert publish failed; will retry'))
      }
      const profiler =
        probe === null || anchorKey === undefined || !config.profiler.enabled
          ? null
          : new Profiler({
              db: dataDir.db,
              gate: activity,
              location,
              suite: () => probe.benchmarks,
              anchorKey,
              diskDir,
              ioGate,
              options: config.profiler,
              cores,
              log: componentLogger(log, 'vboom:node:profiler'),
              onMaterialChange: republish,
            })
      if (profiler === null && config.profiler.enabled)
        log.warn(
          'the profiler needs anchorKey in the config (to check the signed benchmarks): the advert carries only profileOverride',
        )
      const profile = (): Profile => advertisedProfile(profiler?.profile() ?? {}, config.profileOverride)
      const needs = new NeedsLearner({
        db: dataDir.db,
        config: config.needs,
        mode: config.needsMode,
        options: config.needsLearning,
        diskDir,
        cores,
        profile,
        ownCost: () => profiler?.totals() ?? { cpuMs: 0, diskMs: 0, readBytes: 0, writeBytes: 0 },
        log: componentLogger(log, 'vboom:node:needs'),
        onMaterialChange: republish,
      })
      const bound: AdvertPublisher = new AdvertPublisher({
        attestations: (now): Bytes[] =>
          attestations.current(now).filter((a) => agreesWith(bound.draft([a], 0n, now), anchorKey, now)),
        topic: gossip.topic,
        pubsub,
        key,
        db: dataDir.db,
        content: {
          instanceClass: config.instanceClass,
          location,
          profile: config.profileOverride,
          needs: config.needs,
          askMicros: BigInt(config.askMicros),
          ttlMs: config.advertTtlMs,
        },
        live: { profile, needs: () => needs.weights() },
        metrics: metrics.adverts,
        log: componentLogger(log, 'vboom:node:advert'),
      })
      publisher = bound
      const discovery = new ClassDiscovery({
        host,
        classId: id,
        bootstrap: config.bootstrap,
        log: componentLogger(log, 'vboom:node:discovery'),
      })
      const lifecycle = new LifecycleStore(dataDir.db, opts.dataDir)
      const reputation = new PersistentReputation(dataDir.db, componentLogger(log, 'vboom:node:reputation'))
      const delegation = await loadDelegation(opts.dataDir, config, key.publicKey.raw, log)
      const ledgerClass = {
        vcpus: config.instanceClass.vcpus,
        memoryBytes: BigInt(config.instanceClass.memoryBytes),
        diskBytes: BigInt(config.instanceClass.diskBytes),
      }
      // The agent is built last; the leave's prepare and reboot are its methods.
      let self: Agent | undefined
      const leaves =
        anchorKey === undefined
          ? null
          : new AgreementLeave({
              agentKey: key.publicKey.raw,
              anchorKey,
              instanceClass: ledgerClass,
              lifecycle,
              addrs: {
                known: async (peer) => (await host.peerStore.get(peer)).addresses.map((a) => a.multiaddr),
                locate: (peer, signal) => discovery.locate(peer, signal),
              },
              canSwap: platform !== null,
              prepare: (req) => self!.prepareLeave(req),
              reboot: () => self!.rebootStateless(),
              stillHeld: async (swapId) =>
                self!.negotiation === null || (await self!.negotiation.agreementInForce())?.swapId === swapId,
              metrics: metrics.registry,
              log: componentLogger(log, 'vboom:node:lifecycle'),
            })
      const negotiation =
        delegation === null || anchorKey === undefined || config.bootstrap.length === 0
          ? null
          : new NegotiationService({
              node: host,
              agent: { secretKey: key.raw.subarray(0, 32), publicKey: key.publicKey.raw },
              delegation,
              config: config.market,
              instanceClass: ledgerClass,
              location,
              anchor: { key: anchorKey, addrs: config.bootstrap.map((a) => multiaddr(a)) },
              market,
              ownAdvert: () => bound.advert,
              ownAdvertSequencesSince: (sinceMs) => bound.sequencesSince(sinceMs),
              lastSwapAtMs: async () => lastSwapAt(await lifecycle.history()),
              reputation,
              agreements: new AgreementStore(dataDir.db),
              probe: probe === null ? null : { benchmarks: () => probe.benchmarks, sink: probe.sink },
              metrics: metrics.registry,
              log: componentLogger(log, 'vboom:node:negotiation'),
              onAgreed: (stored, cause) => {
                // Not awaited: the leave reports its own outcome (logged and counted), never throws.
                void leaves?.leaveFor(stored, cause)
              },
              swapSettled: async (swapId) => (await lifecycle.settled(swapId)) !== null,
              pairedBy: (partner): string | undefined => {
                const s = matching?.driver.lastPairedSession()
                return s?.partner === partner ? `matching session ${s.session}` : undefined
              },
            })
      // read by the negotiation's pairedBy, which runs only after both exist
      const matching =
        negotiation === null || delegation === null || !config.market.matching.enabled
          ? null
          : matchingFor(negotiation, {
              host,
              key,
              delegation: delegation.signed,
              market,
              publisher: bound,
              config: config.market,
              diskBytes: config.instanceClass.diskBytes,
              metrics: metrics.registry,
              log: componentLogger(log, 'vboom:node:matching'),
            })
      if (negotiation === null && delegation !== null)
        log.warn(
          'the market needs anchorKey and bootstrap in the config (the anchor registers agreements): negotiation is off',
        )
      self = new Agent({
        negotiation,
        matching,
        leaves,
        reputation,
        attestations,
        config,
        host,
        dataDir,
        key,
        market,
        gossip,
        publisher: bound,
        discovery,
        metrics,
        classId: id,
        probe,
        activity,
        profiler,
        needs,
        location,
        platform: platform === null ? null : gateBootTarget(platform, activity),
        lifecycle,
        log,
      })
      return self
    } catch (err) {
      await dataDir.close()
      throw err
    }
  }

  get peerId(): PeerId {
    return this.host.peerId
  }

  /**
   * Joins the network. Under a platform, first notices where the VM is (it
   * may have moved: its history records it, and the advert and the DHT then
   * carry the new location and addresses); a VM whose host holds stateless
   * boot parameters leaves for that swap instead (it had not left yet). An
   * agreement in force whose swap the VM has neither left for nor settled
   * (a crash between registration and leave) is left for once started.
   */
  async start(): Promise<void> {
    if (this.platform !== null) {
      this.boot = await noticeBoot(this.platform, this.lifecycle, this.log)
      if (this.boot.leave !== null) await this.platform.rebootStateless()
    }
    await this.host.start()
    this.gossip.start()
    await this.attestations.load((a) => this.publisher.draft(a))
    // Kept samples and learned state first, so the first advert carries them.
    await this.needs.start()
    await this.profiler?.start()
    await this.publisher.start()
    this.discovery.start()
    this.probe?.start()
    await this.reputation.load()
    await this.negotiation?.start()
    await this.matching?.transport.start()
    this.matching?.driver.start()
    this.startupLeave = this.resumeLeave().catch((err: unknown) =>
      this.log.error({ err }, 'could not check for an agreement to leave for'),
    )
  }

  /**
   * Settles once start's check of an agreement in force has ended: left
   * for, refused (logged and counted), or nothing to do.
   */
  startupLeave: Promise<void> = Promise.resolve()

  /**
   * A crash between an agreement's registration and the leave: the agreement
   * is still in force and the VM neither left nor settled its swap. It leaves
   * now, unless the anchor says the swap is no longer open (the partner's
   * side aborted it at its decision timeout): leaving then would cost a
   * reboot for a swap the coordinator refuses. An anchor out of reach does
   * not stop the leave; the coordinator decides the swap.
   */
  private async resumeLeave(): Promise<void> {
    if (this.platform === null || this.negotiation === null || this.leaves === null) return
    const held = await this.negotiation.agreementInForce()
    if (held === null) return
    if ((await this.negotiation.openAtAnchor(held.swapId)) === false) {
      this.log.info(
        { swapId: held.swapId },
        'the agreement in force names a swap the anchor no longer holds open (resolved): not leaving for it',
      )
      await this.negotiation.dropResolved(held.swapId)
      return
    }
    await this.leaves.leaveFor(held, 'resumed')
  }

  /** The swap this agent left for by itself in this process (its agreement's), if any. */
  get leavingFor(): string | null {
    return this.leaves?.leaving ?? null
  }

  /** Stops everything and releases the data dir; calling it again is harmless. */
  async stop(): Promise<void> {
    if (this.stopping !== undefined) return await this.stopping
    this.stopping = this.stopNow()
    await this.stopping
  }

  private stopping?: Promise<void>

  private async stopNow(): Promise<void> {
    this.leaves?.stop()
    if (this.quiet === null) await this.stopNetwork()
    this.quiet?.release()
    await this.profiler?.stop()
    await this.needs.stop()
    await this.probe?.stop()
    await this.dataDir.close()
  }

  /** The libp2p node and what runs over it (the market, discovery, adverts, gossip): what a failed leave starts again. */
  private async startNetwork(): Promise<void> {
    await this.host.start()
    this.gossip.start()
    await this.publisher.start()
    this.discovery.start()
    await this.negotiation?.start()
    await this.matching?.transport.start()
    this.matching?.driver.start()
  }

  /** What startNetwork starts, in reverse. */
  private async stopNetwork(): Promise<void> {
    this.matching?.driver.stop()
    await this.matching?.transport.stop()
    await this.negotiation?.stop()
    this.discovery.stop()
    this.publisher.stop()
    this.gossip.stop()
    await this.host.stop()
  }

  /** Held while the agent is quiet for a leave (quietForLeave): no profiling run starts. */
  private quiet: ActivityLease | null = null

  /**
   * The leave's quiet step (LeaveHooks.quiet): holds the activity gate (a
   * profiling run in progress is aborted, none starts) and stops the matching,
   * the market rounds, discovery, adverts, gossip and the libp2p node (so no
   * inbound probe or negotiation either): the machine's CPU and memory go to
   * loading the stateless image. Keeps the data dir (the lifecycle's record),
   * the leave itself and the needs sampling (a read of /proc now and then).
   * Best effort: a service that fails to stop is logged, and the leave goes on.
   */
  private async quietForLeave(): Promise<void> {
    if (this.quiet !== null || this.stopping !== undefined) return
    const t0 = performance.now()
    this.quiet = await this.activity.acquire('swap')
    try {
      await this.stopNetwork()
    } catch (err) {
      this.log.warn({ err }, 'a service did not stop for the leave; leaving anyway')
    }
    this.log.info(
      { ms: Math.round(performance.now() - t0) },
      'agent quiet for the leave: its network and market are stopped',
    )
  }

  /**
   * For booting the anchor's verification image in place of this VM (Linux:
   * a kexec, like a leave): `quiet` stops the agent's services as for a
   * leave, `wake` starts them again when the boot failed and the VM stays up
   * (nothing when it was not quieted).
   */
  verificationBootHooks(): { quiet: () => Promise<void>; wake: () => Promise<void> } {
    return {
      quiet: () => this.quietForLeave(),
      wake: () => this.wakeAfterFailedLeave(),
    }
  }

  /** After a failed leave: starts again what quietForLeave stopped. */
  private async wakeAfterFailedLeave(): Promise<void> {
    const lease = this.quiet
    if (lease === null || this.stopping !== undefined) return
    this.quiet = null
    lease.release()
    await this.startNetwork()
    this.log.info('the leave (or the verification boot) failed: the agent runs its network and market again')
  }

  /**
   * Step 1 of a registered swap: stores the boot parameters on the host and
   * records the leave, durably. The VM is then ready to leave; call
   * `rebootStateless` (or use `leaveForSwap` for both).
   */
  async prepareLeave(req: LeaveRequest): Promise<void> {
    const platform = this.requirePlatform()
    const anchorKey = this.config.anchorKey
    if (anchorKey === undefined || this.config.bootstrap.length === 0)
      throw new LifecycleError(
        LifecycleErrorCode.NO_ANCHOR,
        'the agent config names no anchor (anchorKey and bootstrap): a swap needs its coordinator',
      )
    await prepareLeave(req, {
      platform,
      store: this.lifecycle,
      anchor: { publicKey: new Uint8Array(Buffer.from(anchorKey, 'hex')), addrs: this.config.bootstrap },
      network: { listen: this.config.listen, announce: this.config.announce },
      log: this.log,
    })
  }

  /**
   * Leaves the running system for the stateless swapper (the boot parameters
   * stored). Never resolves. The platform quiets the agent just before the
   * heavy part of the leave (LeaveHooks.quiet); a leave that fails after that
   * starts the services again and throws LifecycleError LEAVE_FAILED with the
   * platform's error as its cause. A refusal before it (nothing changed, the
   * services never stopped) is the platform's error as it is.
   */
  async rebootStateless(): Promise<never> {
    const platform = this.requirePlatform()
    try {
      return await platform.rebootStateless({ quiet: () => this.quietForLeave() })
    } catch (err) {
      if (this.quiet === null) throw err
      const cause = err instanceof VBoomError ? `${err.code}: ${err.message}` : (err as Error).message
      await this.wakeAfterFailedLeave().catch((wakeErr: unknown) =>
        this.log.error(
          { err: wakeErr },
          'the leave failed and the services did not start again; restart the agent',
        ),
      )
      throw new LifecycleError(
        LifecycleErrorCode.LEAVE_FAILED,
        `the machine could not leave for the stateless image (${cause}); the agent runs its services again and the swap's boot parameters stay stored: fix the cause, then restart the agent (at its start it leaves for the swap again), or let the swap abort at its coordinator's timeout`,
        { cause: err },
      )
    }
  }

  /** Step 1 whole: prepare, then reboot stateless. Never resolves. */
  async leaveForSwap(req: LeaveRequest): Promise<never> {
    await this.prepareLeave(req)
    return this.rebootStateless()
  }

  private requirePlatform(): Platform {
    if (this.platform === null)
      throw new LifecycleError(
        LifecycleErrorCode.NO_PLATFORM,
        'this agent runs without a platform: it cannot reboot into the stateless swapper, so it cannot swap',
      )
    return this.platform
  }

  /** Publishes a fresh advert now (new sequence), e.g. after the profile changed. */
  async republish(): Promise<void> {
    await this.publisher.publish()
  }

  /**
   * Keeps an anchor attestation of this VM (checked as receivers will check it)
   * and publishes an advert carrying it at once.
   */
  async addAttestation(bytes: Bytes): Promise<Attestation> {
    const a = await this.attestations.add(bytes, (list) => this.publisher.draft(list))
    await this.publisher.publish()
    return a
  }

  /** The profiler's state, budget, per-resource statistics and detected changes; null without a profiler. */
  profileStatus(): (ProfilerStatus & { advertised: Profile }) | null {
    const s = this.profiler?.status()
    return s === undefined ? null : { ...s, advertised: this.publisher.draft([]).profile }
  }

  /** The needs weights now and where each came from. */
  needsReport(): NeedsReport {
    return this.needs.report()
  }

  /** The candidates this agent sees, each side's utility, and why each is or is not pursued. */
  async marketReport(): Promise<MarketReport | null> {
    const r = (await this.negotiation?.report()) ?? null
    if (r === null || this.matching === null) return r
    const driver = this.matching.driver
    return { ...r, matching: driver.lastSession(), matchingPaired: driver.lastPairedSession() }
  }

  /** The agreements this agent reached, oldest first, with their states. */
  async agreements(): Promise<AgreementLeaveView[]> {
    const list = (await this.negotiation?.agreements()) ?? []
    return list.map((a) => ({ ...a, leave: this.leaves?.status(a.swapId) ?? null }))
  }

  async status(): Promise<AgentStatus> {
    const own = this.publisher.advert
    return {
      peerId: this.host.peerId.toString(),
      classId: this.classId,
      location: this.location,
      moves: await this.lifecycle.history(),
      addresses: this.host.getMultiaddrs().map((a) => a.toString()),
      connections: this.host.getConnections().map((c) => ({
        peer: c.remotePeer.toString(),
        address: c.remoteAddr.toString(),
      })),
      classPeersInDht: this.discovery.classPeers,
      advert: own === undefined ? null : advertToJson(own),
      market: this.market.list().map(advertToJson),
      counters: {
        published: (await this.metrics.adverts.published.get()).values[0]?.value ?? 0,
        accepted: (await this.metrics.adverts.accepted.get()).values[0]?.value ?? 0,
        rejected: await counterByLabel(this.metrics.adverts.rejected),
      },
    }
  }
}

/**
 * Whether an advert drafted with one attestation passes the receivers' check:
 * the measured profile moves, and an attestation it no longer agrees with
 * (beyond the tolerance) would get every advert rejected, so it is left out.
 */
function agreesWith(advert: Advert, anchorKey: Uint8Array | undefined, nowMs: number): boolean {
  if (anchorKey === undefined) return false
  try {
    checkAdvertAttestations(advert, {
      trustedAnchorKey: anchorKey,
      nowMs,
      tolerance: DEFAULT_PROBE_TOLERANCE,
    })
    return true
  } catch {
    return false
  }
}

/** When the VM last completed a swap, from its lifecycle history. */
/**
 * The matching's transport and driver for a trading agent: the same
 * schedule (market interval, round length, round counts) as every agent of
 * its class, its partners judged by the negotiation service, the pair found
 * negotiated there.
 */
function matchingFor(
  negotiation: NegotiationService,
  p: {
    host: Host
    key: Ed25519PrivateKey
    delegation: Uint8Array
    market: MarketView
    publisher: AdvertPublisher
    config: MarketConfig
    diskBytes: number
    metrics: Registry
    log: Logger
  },
): { transport: Libp2pMatchTransport; driver: MatchingDriver } {
  const m = p.config.matching
  const transport = new Libp2pMatchTransport({
    node: p.host,
    agent: { secretKey: p.key.raw.subarray(0, 32), publicKey: p.key.publicKey.raw },
    delegation: p.delegation,
    market: p.market,
    ownAdvert: () => p.publisher.advert,
    ownAdvertSequencesSince: (sinceMs) => p.publisher.sequencesSince(sinceMs),
    sendTimeoutMs: sendTimeoutFor(m.roundMs),
    metrics: p.metrics,
    log: p.log,
  })
  const driver = new MatchingDriver({
    self: p.host.peerId.toString(),
    intervalMs: p.config.intervalMs,
    roundMs: m.roundMs,
    settleMs: m.settleMs,
    params: { pairingRounds: m.pairingRounds, improvementCycles: m.improvementCycles },
    transport,
    market: p.market,
    ownAdvert: () => p.publisher.advert,
    diskBytes: p.diskBytes,
    judge: () => negotiation.judge(),
    busy: () => negotiation.held() !== null,
    negotiate: (partner) => negotiation.negotiateWith(partner),
    log: p.log,
  })
  return { transport, driver }
}

function lastSwapAt(history: HistoryRecord[]): number | undefined {
  let last: number | undefined
  for (const r of history)
    if (r.kind === 'swap' && r.outcome === 'completed') last = Math.max(last ?? 0, r.atMs)
  return last
}

/**
 * The owner's delegation for this VM's agent key (config market.delegationFile,
 * default delegation.bin in the data dir). Without one the agent does not
 * trade; one that does not validate is reported and ignored the same way.
 */
async function loadDelegation(
  dataDir: string,
  config: AgentConfig,
  agentKey: Uint8Array,
  log: Logger,
): Promise<VerifiedDelegation | null> {
  if (!config.market.enabled) return null
  const file = config.market.delegationFile ?? join(dataDir, 'delegation.bin')
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (err) {
    log.info(
      { file, code: (err as NodeJS.ErrnoException).code },
      'no owner delegation: this agent does not trade (the owner makes one with `vboom owner delegate`)',
    )
    return null
  }
  try {
    return validateDelegation(bytes, { atMs: Date.now(), agentKey })
  } catch (err) {
    if (!(err instanceof DelegationError)) throw err
    log.warn(
      { file, code: err.code },
      `the owner delegation is refused (${err.message}): this agent does not trade`,
    )
    return null
  }
}
