/**
 * A run's world: the hosts (src/testnet/hosts/), the anchor's ledger with
 * the owners and locations registered, each VM's disk built with its
 * workload, its agent (market on, anchor and bootstrap set) and its owner's
 * delegation to the agent key, the anchor process and one supervisor per
 * host. From then on the agents trade by themselves; the run reads the
 * ledger through the anchor's control socket. close() takes it all down,
 * also after a failed start.
 */

import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateAnchorKey } from '../../anchor/key.js'
import { Ledger } from '../../anchor/ledger/index.js'
import { DEFAULT_MARKET_POLICY } from '../../node/market/decision.js'
import type { MarketConfig } from '../../node/negotiation/policy.js'
import type { ResourceStat } from '../../protocols/advert.js'
import { newDelegationId, signDelegation } from '../../protocols/delegation.js'
import { buildSignedAction, type InstanceClass } from '../../protocols/ledger-action.js'
import {
  generateSecretKey,
  generateSigningKeyPair,
  publicKeyOf,
  type SigningKeyPair,
} from '../../protocols/signing.js'
import { freePort } from '../../runtime/free-port.js'
import { loadOrCreateKey } from '../../runtime/key-store.js'
import { AnchorProcess, agentKeyFile, buildVmDisk, hostLayout, SupervisorProcess } from '../host/index.js'
import {
  createHostFabric,
  type Host,
  type HostFabric,
  type ModeRequest,
  throwIfInterrupted,
  untilInterrupted,
} from '../hosts/index.js'
import { RunLedger } from './anchor-ledger.js'
import type { Scenario, ScenarioVm } from './scenarios.js'

/** The anchor's port in root mode: it listens alone in the run's hub namespace. */
const ROOT_ANCHOR_PORT = 4100
/**
 * The agents' profiler in a run: runs from the start every 15 s (the
 * defaults wait 2 min and run every 10 min, for a profile of a day), the
 * CPU and disk-write benchmarks only (what the scenarios' needs weigh), 5 %
 * of the VM's CPU capacity (its vCPUs) and half of the disk's time at most,
 * so the workloads keep running: the disk benchmark takes ~20 s a run on
 * the slow disk and as long a pause after it, so a profile is tradable (5
 * samples each) after ~3-4 min either way. Not faster: each sample can move
 * a median enough to republish the advert, and an offer names the advert
 * it rests on, so adverts that change every few seconds outrun the
 * negotiations on them (the partner refuses an offer on an advert it has
 * replaced twice).
 */
const RUN_PROFILER = {
  intervalMs: 15_000,
  jitter: 0,
  startDelayMs: 1_000,
  busyRetryMs: 2_000,
  cpuShare: 0.05,
  diskShare: 0.5,
  benchmarks: ['vboom/cpu', 'vboom/disk-write'],
} as const
/**
 * The network the hosts share, as the agents advertise it: the profiler does
 * not measure netBw, and the market prices a swap's downtime by it. 1 Gbit/s:
 * the run's links are not limited; the same claim on every VM, so a move
 * changes nothing in it.
 */
const RUN_NET_BW: ResourceStat = { median: 1000, spread: 10, samples: 30, windowMs: 86_400_000 }
/**
 * The matching in a run: on, the agents pick their partners by the
 * decentralized matching, in sessions on the wall clock. A run's agents
 * share their host's CPU quota and throttled disk with their workloads (the
 * default scenario's slow-disk agent beside a DFSIO writer saturating a
 * 12 MB/s disk), so they tick late: a late agent enters a session at the
 * clock's round, and messages a little early or bound to an advert just
 * replaced are taken (matching-driver.ts, libp2p-match-transport.ts). A
 * run's settings: 8 pairing rounds and 2 improvement cycles of 1 s, a 14-s
 * session every 15 s (the fewest market intervals of 5 s that hold one).
 */
const RUN_MATCHING = {
  enabled: true,
  roundMs: 1_000,
  pairingRounds: 8,
  improvementCycles: 2,
  settleMs: 10_000,
} as const
/**
 * The agents' market in a run: a look at the market every 5 s (the default
 * minute suits adverts republished every few minutes; a run's profiles fill
 * within minutes), and no probe before accepting: the hosts of a run share
 * this machine's cores and disk, so one probe measures the machine's load
 * of the moment (the other hosts' workloads, a swap, whatever else runs) as
 * much as the partner's host, and each failed probe costs an honest partner
 * reputation it cannot win back within the run (seen here: eight failed
 * probes under a load of 25 on 2 cores left a partner at -14, below any
 * margin). The profiles themselves are medians over many samples. A
 * scenario VM may ask for probes again (ScenarioVm.market). Everything else
 * is the agents' defaults: a day's cooldown (so a VM that swapped does not
 * swap back within the run), 2 % of a week's value as the margin.
 */
const RUN_MARKET = {
  enabled: true,
  intervalMs: 5_000,
  requireProbe: false,
  matching: RUN_MATCHING,
} as const satisfies Partial<MarketConfig>
/**
 * An owner's delegation in a run: valid from an hour back (clock skew) for
 * two days, beyond the longest run (--duration is at most a day).
 */
const DELEGATION_NOT_BEFORE_MS = 3600_000
const DELEGATION_LIFETIME_MS = 2 * 86_400_000
/**
 * A lying agent's disk claim: its factor times the host's rate, with the
 * relative spread and sample count of a settled honest profile (~5 %, a
 * day's worth), so nothing but the median gives it away.
 */
const LIE_RELATIVE_SPREAD = 0.05
const LIE_SAMPLES = 30

/** The profile override that makes a scenario's lying VM advertise its disk faster than it is. */
function liedProfile(vm: ScenarioVm, diskWriteMBps: number | undefined): { diskWrite?: ResourceStat } {
  if (vm.advertisedDiskFactor === undefined || diskWriteMBps === undefined) return {}
  const median = vm.advertisedDiskFactor * diskWriteMBps
  return {
    diskWrite: {
      median,
      spread: LIE_RELATIVE_SPREAD * median,
      samples: LIE_SAMPLES,
      windowMs: RUN_NET_BW.windowMs,
    },
  }
}

const VCPUS = 2
const MEMORY_BYTES = 4 * 2 ** 30

export interface WorldVm {
  spec: ScenarioVm
  agentPeerId: string
  /**
   * The VM's agent public key (raw Ed25519): its identity, as the ledger and
   * the agreements name it. The secret half is only on the VM's disk.
   */
  agentKey: Uint8Array
  owner: SigningKeyPair
  /** The owner's SignedDelegation to the agent key, as written on the VM's disk. */
  delegation: Uint8Array
}

export interface WorldHost {
  name: string
  host: Host
  sup: SupervisorProcess
}

export interface World {
  scenario: Scenario
  fabric: HostFabric
  baseDir: string
  anchor: AnchorProcess
  anchorDir: string
  anchorAddr: string
  /** The running anchor's ledger, read through its control socket. */
  ledger: RunLedger
  /** The anchor's public signing key: the agreements name it. */
  anchorKey: Uint8Array
  /** The VMs' instance class, as the ledger knows it. */
  instanceClass: InstanceClass
  owners: Map<string, SigningKeyPair>
  vms: Map<string, WorldVm>
  hosts: WorldHost[]
  close(): Promise<void>
}

export interface WorldOptions {
  mode: ModeRequest
  baseDir?: string
  print: (line: string) => void
  /** Where the anchor's and the run's logs go. */
  logDir?: string
  /** Whether the agents trade (their market on, their owners' delegations on their disks); default true. */
  trading?: boolean
  /** Aborts the start-up between its steps (HostEmulationError INTERRUPTED); what was built is removed. */
  signal?: AbortSignal
}

export async function createWorld(scenario: Scenario, o: WorldOptions): Promise<World> {
  const stops: (() => Promise<void>)[] = []
  const trading = o.trading ?? true
  const fabric = await createHostFabric({
    mode: o.mode,
    baseDir: o.baseDir,
    vmDiskBytes: scenario.vmDiskBytes,
    print: o.print,
    // the run stops its processes itself first; the fabric's own exit hook stays as the last resort
    handleSignals: false,
    hosts: scenario.hosts,
    signal: o.signal,
  })
  const close = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((err) => o.print(`testnet: stopping: ${err}`))
    await fabric.close()
  }
  try {
    const baseDir = join(fabric.hosts[0]!.info.vmDisk, '..', '..', '..')
    const anchorDir = join(baseDir, 'anchor')
    await mkdir(anchorDir, { recursive: true })
    const anchorKey = await loadOrCreateAnchorKey(anchorDir)
    const anchorPeer = peerIdFromPrivateKey(await loadOrCreateKey(anchorDir)).toString()
    const port = fabric.mode === 'root' ? ROOT_ANCHOR_PORT : await freePort()
    const listen = `/ip4/${fabric.outsideAddress}/tcp/${port}`
    const anchorAddr = `${listen}/p2p/${anchorPeer}`

    const owners = new Map<string, SigningKeyPair>()
    for (const vm of scenario.vms) if (!owners.has(vm.owner)) owners.set(vm.owner, generateSigningKeyPair())
    const byName = new Map(fabric.hosts.map((h) => [h.info.name, h]))
    // each VM's agent key: its identity, on its disk; a location is registered with the VM it holds
    const agentSeeds = new Map(scenario.vms.map((vm) => [vm.name, generateSecretKey()]))
    const instanceClass: InstanceClass = {
      vcpus: VCPUS,
      memoryBytes: BigInt(MEMORY_BYTES),
      diskBytes: BigInt(scenario.vmDiskBytes),
    }
    const ledger = await Ledger.open({ dir: join(anchorDir, 'ledger'), anchorKey })
    try {
      for (const [name, k] of owners)
        await ledger.append(buildSignedAction({ kind: 'owner-registered', owner: k.publicKey, name }, [k]))
      for (const vm of scenario.vms) {
        const owner = owners.get(vm.owner)!
        await ledger.append(
          buildSignedAction(
            {
              kind: 'location-registered',
              location: vm.host,
              owner: owner.publicKey,
              vm: publicKeyOf(agentSeeds.get(vm.name)!),
              instanceClass,
            },
            [owner],
          ),
        )
      }
    } finally {
      await ledger.close()
    }

    const vms = new Map<string, WorldVm>()
    const classJson = { vcpus: VCPUS, memoryBytes: MEMORY_BYTES, diskBytes: scenario.vmDiskBytes }
    for (const vm of scenario.vms) {
      throwIfInterrupted(o.signal)
      const host = byName.get(vm.host)!
      const seed = agentSeeds.get(vm.name)!
      const workload: Record<string, unknown> = { ...vm.workload, name: vm.name }
      if (vm.masterVm !== undefined) {
        const masterHost = byName.get(scenario.vms.find((v) => v.name === vm.masterVm)!.host)!
        // service port 1 is the workload's (0 the agent's)
        workload.master = masterHost.info.advertised[1]
      }
      if (vm.peerVm !== undefined) {
        const sinkHost = byName.get(scenario.vms.find((v) => v.name === vm.peerVm)!.host)!
        workload.peer = sinkHost.info.advertised[1]
      }
      if (vm.workload.kind === 'idle') delete workload.name
      const owner = owners.get(vm.owner)!
      const agentKey = publicKeyOf(seed)
      const now = Date.now()
      // the owner authorises the VM's agent to trade for it, within the scenario's limits
      const delegation = signDelegation(
        {
          id: newDelegationId(),
          ownerKey: owner.publicKey,
          agentKey,
          limits: {
            maxPriceMicros: BigInt(vm.maxPriceMicros ?? DEFAULT_MARKET_POLICY.maxPriceMicros),
            minGainMicros: 0n,
            mayAcceptPayment: true,
          },
          notBeforeMs: now - DELEGATION_NOT_BEFORE_MS,
          expiresAtMs: now + DELEGATION_LIFETIME_MS,
        },
        owner,
      )
      await buildVmDisk(host.info.vmDisk, host.info.vmDiskBytes, {
        identity: { name: vm.name, owner: owner.publicKey, instanceClass: classJson },
        agentSecretKey: seed,
        ...(trading ? { delegation } : {}),
        agent: {
          instanceClass: classJson,
          bootstrap: [anchorAddr],
          anchorKey: Buffer.from(anchorKey.publicKey).toString('hex'),
          needs: vm.needs,
          needsMode: 'config',
          profileOverride: { netBw: RUN_NET_BW, ...liedProfile(vm, host.info.profile.diskWriteMBps) },
          profiler: { ...RUN_PROFILER, benchmarks: [...RUN_PROFILER.benchmarks] },
          askMicros: vm.askMicros ?? 0,
          market: trading
            ? {
                ...RUN_MARKET,
                ...(vm.maxPriceMicros === undefined ? {} : { maxPriceMicros: vm.maxPriceMicros }),
                ...vm.market,
              }
            : { enabled: false },
          logLevel: 'warn',
        },
        workload,
      })
      vms.set(vm.name, { spec: vm, agentPeerId: agentKeyFile(seed).peerId, agentKey, owner, delegation })
    }

    const logDir = o.logDir ?? baseDir
    await mkdir(logDir, { recursive: true })
    const anchor = await untilInterrupted(
      o.signal,
      AnchorProcess.start({
        fabric,
        dataDir: anchorDir,
        listen,
        hosts: Object.fromEntries(fabric.hosts.map((h) => [h.info.name, hostLayout(h.info).socket])),
        logFile: join(logDir, 'anchor.log'),
        logLevel: 'warn',
      }),
    )
    stops.push(() => anchor.stop())
    // A DFSIO master's host boots last: its workers are up and dialling by then, so the job
    // starts with all of them (supervisors start one after another, ~10 s each on a loaded machine).
    const masterHosts = new Set(
      scenario.vms.filter((v) => v.workload.kind === 'dfsio-master').map((v) => v.host),
    )
    const order = [...fabric.hosts].sort(
      (x, y) => Number(masterHosts.has(x.info.name)) - Number(masterHosts.has(y.info.name)),
    )
    const started = new Map<string, WorldHost>()
    for (const h of order) {
      // a supervisor takes ~10 s to say ready on a loaded machine: given up at once on abort
      const sup = await untilInterrupted(
        o.signal,
        SupervisorProcess.start(h, { hashDisk: true, logLevel: 'warn' }),
      )
      stops.push(() => sup.stop())
      started.set(h.info.name, { name: h.info.name, host: h, sup })
    }
    const hosts = fabric.hosts.map((h) => started.get(h.info.name)!)
    return {
      scenario,
      fabric,
      baseDir,
      anchor,
      anchorDir,
      anchorAddr,
      ledger: new RunLedger(anchorDir),
      anchorKey: anchorKey.publicKey,
      instanceClass,
      owners,
      vms,
      hosts,
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
