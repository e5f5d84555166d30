/**
 * The lifecycle tests' world: two testnet hosts (loc-1, loc-2), each with a
 * supervisor and a VM on a small ext4 disk (vm-a of alice on loc-1, vm-b of
 * bob on loc-2), and an anchor process whose ledger has the two owners, the
 * two locations and one agreed swap between them. Everything it creates is
 * removed by its teardown, also when a test fails; `worldTest` then checks
 * the system holds nothing of it.
 *
 * The swap is registered as agents register it: an agreement both VMs'
 * agents signed under their owners' delegations, naming each side's swap key,
 * which the anchor's coordinator then admits for that side's calls.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Test } from 'tap'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import type { AgentStatus } from '../../src/node/agent.js'
import { type LeaveRequest, leaveRequestToJson } from '../../src/node/lifecycle/index.js'
import { type AgreementParty, readAgreement, signAgreement } from '../../src/protocols/agreement.js'
import { newDelegationId, signDelegation } from '../../src/protocols/delegation.js'
import { buildSignedAction, type InstanceClass } from '../../src/protocols/ledger-action.js'
import {
  generateSecretKey,
  generateSigningKeyPair,
  publicKeyOf,
  type SigningKeyPair,
} from '../../src/protocols/signing.js'
import { freePort } from '../../src/runtime/free-port.js'
import { loadOrCreateKey } from '../../src/runtime/key-store.js'
import {
  AnchorProcess,
  agentKeyFile,
  buildVmDisk,
  hostLayout,
  SupervisorProcess,
  type SupervisorStatus,
} from '../../src/testnet/host/index.js'
import { createHostFabric, type Host, type HostFabric, multiaddrOf } from '../../src/testnet/hosts/index.js'
import { nodeCommand } from '../../src/testnet/hosts/spawn.js'
import { agentControl } from '../../src/testnet/run/agent-control.js'
import { runOnSystem } from './system-objects.js'

const MiB = 2 ** 20
/** Small disks: the machine is shared. */
export const VM_DISK_BYTES = 64 * MiB
/** Random data on each VM's disk, so the swap moves real blocks (and apply takes a while). */
const DATA_BYTES = 12 * MiB
const CLASS: InstanceClass = { vcpus: 2, memoryBytes: 4n << 30n, diskBytes: BigInt(VM_DISK_BYTES) }
const CLASS_JSON = { vcpus: 2, memoryBytes: 4 * 2 ** 30, diskBytes: VM_DISK_BYTES }
/** The anchor's port in root mode (its own hub namespace: no clash). */
const ROOT_ANCHOR_PORT = 4100
const OBSERVER = join(import.meta.dirname, 'fixtures', 'observer.ts')

export interface Party {
  role: 'a' | 'b'
  vm: string
  location: string
  host: Host
  sup: SupervisorProcess
  owner: SigningKeyPair
  agentPeerId: string
  swap: SigningKeyPair
}

/** A run as the system knows it: its id and its directory. */
export interface RunOnSystem {
  runId: string
  dir: string
}

export interface World {
  mode: 'root' | 'emulated'
  run: RunOnSystem
  fabric: HostFabric
  anchor: AnchorProcess
  anchorAddr: string
  anchorKey: Uint8Array
  anchorDir: string
  swapId: Uint8Array
  /** The SignedAgreement registered in the ledger. */
  agreement: Uint8Array
  a: Party
  b: Party
}

export interface WorldOptions {
  /** Supervisor test faults per side (`phase:type:n`). */
  crashAt?: Partial<Record<'a' | 'b', string>>
  /** Told the run as soon as its hosts exist (the cleanup check needs it even when the world never comes up). */
  onRun?: (run: RunOnSystem) => void
}

export async function createWorld(
  t: Test,
  mode: 'root' | 'emulated',
  opts: WorldOptions = {},
): Promise<World> {
  const baseDir = await mkdtemp(join(tmpdir(), 'vboom-lc-'))
  const stops: (() => Promise<void>)[] = []
  let fabric: HostFabric | null = null
  t.teardown(async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => t.comment(`teardown: ${err}`))
    await fabric?.close()
    await rm(baseDir, { recursive: true, force: true })
  })
  fabric = await createHostFabric({
    mode,
    baseDir,
    vmDiskBytes: VM_DISK_BYTES,
    print: () => undefined,
    hosts: [
      { name: 'loc-1', profile: {} },
      { name: 'loc-2', profile: {} },
    ],
  })
  const run = { runId: fabric.runId, dir: join(baseDir, `vboomtn-${fabric.runId}`) }
  opts.onRun?.(run)

  // the anchor's keys first: its address goes on the VM disks
  const anchorDir = join(baseDir, 'anchor')
  await mkdir(anchorDir)
  const anchorKey = (await loadOrCreateAnchorKey(anchorDir)).publicKey
  const anchorPeer = peerIdFromPrivateKey(await loadOrCreateKey(anchorDir)).toString()
  const port = mode === 'root' ? ROOT_ANCHOR_PORT : await freePort()
  const listen = `/ip4/${fabric.outsideAddress}/tcp/${port}`
  const anchorAddr = `${listen}/p2p/${anchorPeer}`

  const owners = { a: generateSigningKeyPair(), b: generateSigningKeyPair() }
  const swapKeys = { a: generateSigningKeyPair(), b: generateSigningKeyPair() }
  const seeds = { a: generateSecretKey(), b: generateSecretKey() }
  const locations = { a: 'loc-1', b: 'loc-2' } as const
  const now = Date.now()
  const party = (role: 'a' | 'b'): AgreementParty => ({
    location: locations[role],
    agentKey: publicKeyOf(seeds[role]),
    ownerKey: owners[role].publicKey,
    swapKey: swapKeys[role].publicKey,
    advertSequence: 1n,
    delegation: signDelegation(
      {
        id: newDelegationId(),
        ownerKey: owners[role].publicKey,
        agentKey: publicKeyOf(seeds[role]),
        limits: { maxPriceMicros: 0n, minGainMicros: 0n, mayAcceptPayment: false },
        notBeforeMs: now - 3600_000,
        expiresAtMs: now + 30 * 86_400_000,
      },
      owners[role],
    ),
    statedGainMicros: 0n,
  })
  const agreement = signAgreement(
    {
      a: party('a'),
      b: party('b'),
      instanceClass: CLASS,
      priceMicros: 0n,
      payer: null,
      issuedAtMs: now,
      // the whole test within it, with room for a loaded machine
      expiresAtMs: now + 6 * 3600_000,
      anchorKey,
    },
    seeds,
  )
  const swapId = readAgreement(agreement).swapId
  const ledger = await Ledger.open({
    dir: join(anchorDir, 'ledger'),
    anchorKey: await loadOrCreateAnchorKey(anchorDir),
  })
  try {
    for (const [role, name] of [
      ['a', 'alice'],
      ['b', 'bob'],
    ] as const)
      await ledger.append(
        buildSignedAction({ kind: 'owner-registered', owner: owners[role].publicKey, name }, [owners[role]]),
      )
    for (const role of ['a', 'b'] as const)
      await ledger.append(
        buildSignedAction(
          {
            kind: 'location-registered',
            location: locations[role],
            owner: owners[role].publicKey,
            vm: publicKeyOf(seeds[role]),
            instanceClass: CLASS,
          },
          [owners[role]],
        ),
      )
    await ledger.registerAgreement(agreement)
  } finally {
    await ledger.close()
  }

  const hosts = { a: fabric.hosts[0]!, b: fabric.hosts[1]! }
  const parties = {} as Record<'a' | 'b', Omit<Party, 'sup'>>
  for (const role of ['a', 'b'] as const) {
    const seed = seeds[role]
    const host = hosts[role]
    await buildVmDisk(host.info.vmDisk, host.info.vmDiskBytes, {
      identity: { name: `vm-${role}`, owner: owners[role].publicKey, instanceClass: CLASS_JSON },
      agentSecretKey: seed,
      agent: {
        instanceClass: CLASS_JSON,
        bootstrap: [anchorAddr],
        anchorKey: Buffer.from(anchorKey).toString('hex'),
        needs: role === 'a' ? { diskWrite: 0.8 } : { cpu: 0.8 },
      },
      workload: { kind: 'idle' },
      files: { 'workload/data/blob': new Uint8Array(randomBytes(DATA_BYTES)) },
    })
    parties[role] = {
      role,
      vm: `vm-${role}`,
      location: locations[role],
      host,
      owner: owners[role],
      agentPeerId: agentKeyFile(seed).peerId,
      swap: swapKeys[role],
    }
  }

  const anchor = await AnchorProcess.start({
    fabric,
    dataDir: anchorDir,
    listen,
    hosts: { 'loc-1': hostLayout(hosts.a.info).socket, 'loc-2': hostLayout(hosts.b.info).socket },
    logFile: join(baseDir, 'anchor.log'),
  })
  stops.push(() => anchor.stop())
  const sups = await Promise.all(
    (['a', 'b'] as const).map((role) =>
      SupervisorProcess.start(hosts[role], { hashDisk: true, crashAt: opts.crashAt?.[role] }),
    ),
  )
  for (const s of sups) stops.push(() => s.stop())
  return {
    mode,
    run,
    fabric,
    anchor,
    anchorAddr,
    anchorKey,
    anchorDir,
    swapId,
    agreement,
    a: { ...parties.a, sup: sups[0]! },
    b: { ...parties.b, sup: sups[1]! },
  }
}

export interface WorldTestOptions {
  mode: 'root' | 'emulated'
  /** Why the test cannot run here, or false. */
  skip?: string | false
  world?: Omit<WorldOptions, 'onRun'>
}

/**
 * A test on a world of its own: `fn` runs in a subtest whose teardown removes
 * the world (also when `fn` fails); then the test checks, on the system, that
 * the run left no cgroup, loop device, namespace, mount or process.
 */
export function worldTest(
  t: Test,
  name: string,
  o: WorldTestOptions,
  fn: (t: Test, w: World) => Promise<void>,
): Promise<unknown> {
  return t.test(name, { skip: o.skip ?? false }, async (t) => {
    const runs: RunOnSystem[] = []
    await t.test(`${o.mode} mode`, async (t) => {
      const w = await createWorld(t, o.mode, { ...o.world, onRun: (r) => runs.push(r) })
      await fn(t, w)
    })
    for (const r of runs)
      t.same(
        runOnSystem(r.runId, r.dir),
        [],
        `run ${r.runId} left nothing on the system (cgroups, loop devices, namespaces, mounts, processes)`,
      )
  })
}

/** The agent's data dir of the VM a host runs now. */
async function agentDataDir(sup: SupervisorProcess): Promise<string> {
  const s = await sup.waitFor((s) => s.state === 'vm' && s.vm !== null, 120_000, 'running a VM')
  return join(s.vm!.root, 'vboom', 'data')
}

/** The status of the agent of the VM a host runs now, once it answers and `pred` holds. */
export async function agentStatus(
  sup: SupervisorProcess,
  pred: (s: AgentStatus) => boolean = () => true,
  timeoutMs = 120_000,
): Promise<AgentStatus> {
  const deadline = Date.now() + timeoutMs
  let last: string | null = null
  for (;;) {
    const r = await agentControl(await agentDataDir(sup), 'GET', '/status')
    if (r?.status === 200) {
      const s = JSON.parse(r.text) as AgentStatus
      if (pred(s)) return s
      last = r.text
    }
    if (Date.now() > deadline)
      throw new Error(`${sup.host.info.name}: agent status not as wanted after ${timeoutMs} ms: ${last}`)
    await new Promise((res) => setTimeout(res, 500))
  }
}

/** The partner's stateless node is dialled where the partner VM's agent is: its host's advertised address. */
export const advertisedOf = (p: Party): string => multiaddrOf(p.host.info.advertised[0]!)

/** Tells `p`'s agent its swap is registered: it stores its boot parameters and leaves. */
export async function leave(w: World, p: Party): Promise<{ code: number; text: string }> {
  const partner = p.role === 'a' ? w.b : w.a
  const req: LeaveRequest = {
    swap: {
      swapId: w.swapId,
      role: p.role,
      swapKeys: { a: w.a.swap.publicKey, b: w.b.swap.publicKey },
      agreement: w.agreement,
    },
    swapSecretKey: p.swap.secretKey,
    peerAddrs: [advertisedOf(partner)],
  }
  const r = await agentControl(
    await agentDataDir(p.sup),
    'POST',
    '/swap',
    JSON.stringify(leaveRequestToJson(req)),
  )
  if (r === null) throw new Error(`${p.location}: the agent did not answer the swap request`)
  return { code: r.status, text: r.text }
}

/** Waits until the host runs VM `vm` again after a swap (a stateless boot behind it). */
export function swappedTo(p: Party, vm: string, timeoutMs: number): Promise<SupervisorStatus> {
  return p.sup.waitFor(
    (s) => s.state === 'vm' && s.vm?.name === vm && s.boots.some((b) => b.kind === 'stateless'),
    timeoutMs,
    `running ${vm} after the swap`,
  )
}

/** The disk's hash at the host's first stateless boot (the VM as it left) and at its last boot. */
export function diskHashes(s: SupervisorStatus): { left: string | null; now: string | null } {
  const left = s.boots.find((b) => b.kind === 'stateless')?.diskSha256 ?? null
  return { left, now: s.boots.at(-1)?.diskSha256 ?? null }
}

export interface ObserverTask {
  locate: { peer: string; expect: string }[]
  controls: { location: string; ownerSecret: string; vm?: string }[]
  deadlineMs: number
}

/** Runs the observer (fixtures/observer.ts) outside the hosts; its findings. */
export async function observe(
  w: World,
  task: ObserverTask,
): Promise<{ located: Record<string, string[]>; reached: Record<string, string>; verified: string[] }> {
  const [cmd, args] = nodeCommand(OBSERVER, [])
  const full = {
    anchor: w.anchorAddr,
    anchorKey: Buffer.from(w.anchorKey).toString('hex'),
    ...task,
  }
  const child = w.fabric.spawnOutside(cmd, args, {
    env: { VBOOM_OBSERVER: JSON.stringify(full) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  if (code !== 0) throw new Error(`the observer exited ${code}`)
  return JSON.parse(out.trim().split('\n').at(-1)!) as {
    located: Record<string, string[]>
    reached: Record<string, string>
    verified: string[]
  }
}

/** Opens the anchor's ledger (the anchor stopped). */
export async function withLedger<T>(w: World, fn: (l: Ledger) => T | Promise<T>): Promise<T> {
  const ledger = await Ledger.open({
    dir: join(w.anchorDir, 'ledger'),
    anchorKey: await loadOrCreateAnchorKey(w.anchorDir),
  })
  try {
    return await fn(ledger)
  } finally {
    await ledger.close()
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Both VMs whole, each on the other's host, and the ledger saying so. */
export async function assertConverged(
  t: Test,
  w: World,
  h1: SupervisorStatus,
  h2: SupervisorStatus,
): Promise<void> {
  const { a, b } = w
  const d1 = diskHashes(h1)
  const d2 = diskHashes(h2)
  t.not(d1.left, d2.left, 'the two VMs differ')
  t.equal(d1.now, d2.left, "host 1's disk is B's disk as B left host 2")
  t.equal(d2.now, d1.left, "host 2's disk is A's disk as A left host 1")
  t.equal(h1.vm?.agentPeerId, b.agentPeerId, "host 1 runs B's VM")
  t.equal(h2.vm?.agentPeerId, a.agentPeerId, "host 2 runs A's VM")

  const moved = await agentStatus(a.sup, (s) => s.peerId === b.agentPeerId)
  t.equal(moved.location, 'loc-1', "B's agent runs on host 1 and knows it")
  t.match(
    moved.moves.at(-1),
    { kind: 'swap', outcome: 'completed', swapId: hex(w.swapId) },
    'and records the swap',
  )

  await w.anchor.stop()
  await withLedger(w, (l) => {
    t.equal(l.swapState(w.swapId)?.status, 'committed', 'the ledger has the swap committed')
    t.equal(hex(l.ownerOf('loc-1')!.owner), hex(b.owner.publicKey), 'bob owns loc-1, where B runs')
    t.equal(hex(l.ownerOf('loc-2')!.owner), hex(a.owner.publicKey), 'alice owns loc-2, where A runs')
  })
}

/** Both VMs up where they were built, their agents answering; then both leave for the swap. */
export async function bothUpAndLeaving(t: Test, w: World): Promise<void> {
  const { a, b } = w
  await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
  await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)
  t.equal((await leave(w, a)).code, 200, 'A leaves for the swap')
  t.equal((await leave(w, b)).code, 200, 'B leaves for the swap')
}
