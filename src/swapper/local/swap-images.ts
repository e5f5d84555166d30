/**
 * `swapImages(a, b)`: the whole swap protocol between two local stateless
 * agents over loopback, plus an in-process coordinator. Each agent has its own
 * libp2p node, swap key, state directory and disk; they share nothing but the
 * agreement and the coordinator, exactly as two VMs and the anchor would, so
 * this is the real swap's code path, not a shortcut.
 *
 * Run it again with the same arguments after a crash and it resumes: the
 * session (swap id and keys) is kept in the work directory until both sides
 * completed or the swap aborted. A completed swap leaves only its record
 * there (swap-record.ts): run again on the same pair, unchanged since, it is
 * refused rather than swapping the disks back, unless `again` asks for that.
 */
import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { publicKeyOf } from '../../protocols/signing.js'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { freePort } from '../../runtime/free-port.js'
import { SwapAgent } from '../agent.js'
import { pickTuning, type SwapAgreement, type SwapTuning } from '../agent-options.js'
import { type Coordinator, LevelCoordinator } from '../coordinator/coordinator.js'
import { assertSameSize, openDisk } from '../disk.js'
import { DiskOpenError, SwapAbortedError } from '../errors.js'
import type { SwapProgressEvent, SwapSideReport } from '../events.js'
import { checkSwapBlockSize, DEFAULT_BLOCK_SIZE } from '../index/block-index.js'
import type { Role } from '../index/manifest.js'
import type { ServeFaults } from '../transfer/serve.js'
import type { AgentProcessConfig } from './agent-main.js'
import { runAgentProcesses, spawnAgentProcess } from './agent-processes.js'
import { createSwapNode, peerIdFromSeed } from './swap-node.js'
import { diskIdentity, refuseIfJustSwapped, SWAP_RECORD_FILE, writeSwapRecord } from './swap-record.js'

export interface SwapImagesOptions extends SwapTuning {
  /**
   * Session, coordinator, (by default) both state directories, and the record
   * a completed swap leaves. Default: `.vboom-swap-<hash>` beside A.
   */
  workDir?: string
  /**
   * Swap even when the work directory records that these two disks were just
   * swapped and neither changed since (which swaps them back). Default false:
   * such a run throws SwapAlreadyCompletedError.
   */
  again?: boolean
  /** Staging/journal directory per side, e.g. on another filesystem. Default: workDir/a and workDir/b. */
  stateDirA?: string
  stateDirB?: string
  /** Use this coordinator instead of a level one in workDir (caller closes it). */
  coordinator?: Coordinator
  /** Deliberate misbehaviour of a side's serving path (tests). */
  faults?: Partial<Record<Role, ServeFaults>>
  onProgress?: (e: SwapProgressEvent) => void
  /**
   * Run each agent in its own child process (coordinator stays here): three
   * processes that can crash independently, and two cores for two agents.
   * `faults` do not cross the process boundary; `crashAt` does.
   */
  isolate?: boolean
  /** With `isolate`: restarts of a crashed agent process (default DEFAULT_MAX_RESTARTS). */
  maxRestarts?: number
  /** Test fault with `isolate`: SIGKILL agent `role` at its n-th `phase:type` event (`phase:type:n`), first start only. */
  crashAt?: Partial<Record<Role, string>>
  /**
   * With `isolate`: where each agent runs and listens, e.g. in a network
   * namespace behind a shaped link: `{ wrap: ['ip', 'netns', 'exec', 'ns-a'], host: '10.0.0.1', port: 4001 }`.
   * Default: this namespace, 127.0.0.1, a free port.
   */
  placement?: Partial<Record<Role, AgentPlacement>>
  /**
   * Cancels the swap (both agents; with `isolate`, over IPC). Before the
   * commit point the swap aborts, both disks untouched (SwapCancelledError);
   * after it, the agents stop at their next durable point
   * (SwapInterruptedError) and a rerun with the same arguments finishes it.
   */
  signal?: AbortSignal
}

export interface AgentPlacement {
  wrap?: string[]
  host: string
  port: number
}

export interface SwapImagesReport {
  swapId: string
  a: SwapSideReport
  b: SwapSideReport
  totals: { read: number; sent: number; received: number; written: number }
  wallMs: number
}

interface Session {
  version: 1
  aPath: string
  bPath: string
  swapId: string
  /**
   * Block size the swap indexes with, fixed when the session starts: a resumed
   * run keeps it whatever it is given, so manifests, roots and the completion
   * record agree. Absent in sessions written before it was kept.
   */
  blockSize?: number
  /** 32-byte seeds: libp2p node key and swap key per side (both sides are local here). */
  seeds: Record<Role, { node: string; swap: string }>
}

function defaultWorkDir(aReal: string, bReal: string): string {
  const h = createHash('sha256').update(`${aReal}\0${bReal}`).digest('hex').slice(0, 12)
  return join(dirname(aReal), `.vboom-swap-${h}`)
}

async function loadOrCreateSession(
  workDir: string,
  aPath: string,
  bPath: string,
  blockSize: number,
): Promise<Session> {
  const path = join(workDir, 'session.json')
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as Session
    if (s.version === 1 && s.aPath === aPath && s.bPath === bPath) return s
  } catch {}
  const seed = (): string => randomBytes(32).toString('hex')
  const s: Session = {
    version: 1,
    aPath,
    bPath,
    swapId: randomBytes(16).toString('hex'),
    blockSize,
    seeds: { a: { node: seed(), swap: seed() }, b: { node: seed(), swap: seed() } },
  }
  await mkdir(workDir, { recursive: true })
  await writeFileAtomic(path, JSON.stringify(s))
  return s
}

/** Checks both disks before anything is written: usable, not in use, not the same, equally sized. */
async function preflight(aPath: string, bPath: string): Promise<void> {
  const [sa, sb] = await Promise.all([stat(aPath), stat(bPath)])
  if (
    (sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino) ||
    (sa.isBlockDevice() && sa.rdev === sb.rdev)
  ) {
    throw new DiskOpenError(bPath, `is the same disk as ${aPath}`)
  }
  const a = await openDisk(aPath)
  try {
    const b = await openDisk(bPath)
    try {
      assertSameSize(a, b)
    } finally {
      await b.close()
    }
  } finally {
    await a.close()
  }
}

export async function swapImages(
  aPath: string,
  bPath: string,
  opts: SwapImagesOptions = {},
): Promise<SwapImagesReport> {
  const t0 = performance.now()
  const real = async (path: string): Promise<string> => {
    try {
      return await realpath(path)
    } catch (err) {
      throw new DiskOpenError(path, (err as Error).message, { cause: err })
    }
  }
  const [aReal, bReal] = [await real(aPath), await real(bPath)]
  if (opts.blockSize !== undefined) checkSwapBlockSize(opts.blockSize)
  // agent processes start (node, modules) while the disks are checked; idle until configured
  const spawned =
    opts.isolate === true
      ? { a: spawnAgentProcess(opts.placement?.a?.wrap), b: spawnAgentProcess(opts.placement?.b?.wrap) }
      : undefined
  try {
    return await swapWith(aReal, bReal, opts, t0, spawned)
  } finally {
    // still running only if never started (refused before the start): nothing of the swap runs in it
    for (const c of Object.values(spawned ?? {})) if (c.exitCode === null && c.signalCode === null) c.kill()
  }
}

async function swapWith(
  aReal: string,
  bReal: string,
  opts: SwapImagesOptions,
  t0: number,
  spawned: Record<Role, ChildProcess> | undefined,
): Promise<SwapImagesReport> {
  const workDir = opts.workDir ?? defaultWorkDir(aReal, bReal)
  let resuming = false
  try {
    await stat(join(workDir, 'session.json'))
    resuming = true
  } catch {}
  // a fresh swap is checked before anything is created; a resumed one may have written already
  if (!resuming) {
    await preflight(aReal, bReal)
    // the record may sit in the work directory of either order of the pair
    const recordDirs = opts.workDir === undefined ? [workDir, defaultWorkDir(bReal, aReal)] : [opts.workDir]
    if (opts.again !== true) await refuseIfJustSwapped(recordDirs, aReal, bReal, opts.onProgress)
  }
  const session = await loadOrCreateSession(workDir, aReal, bReal, opts.blockSize ?? DEFAULT_BLOCK_SIZE)
  const blockSize = session.blockSize ?? opts.blockSize ?? DEFAULT_BLOCK_SIZE
  const seeds = {
    a: { node: Buffer.from(session.seeds.a.node, 'hex'), swap: Buffer.from(session.seeds.a.swap, 'hex') },
    b: { node: Buffer.from(session.seeds.b.node, 'hex'), swap: Buffer.from(session.seeds.b.swap, 'hex') },
  }
  const agreement: SwapAgreement = {
    swapId: Buffer.from(session.swapId, 'hex'),
    parties: {
      a: { peerId: await peerIdFromSeed(seeds.a.node), swapKey: publicKeyOf(seeds.a.swap) },
      b: { peerId: await peerIdFromSeed(seeds.b.node), swapKey: publicKeyOf(seeds.b.swap) },
    },
  }
  const ownCoordinator = opts.coordinator ?? (await LevelCoordinator.open(join(workDir, 'coordinator')))
  const { coordinator, firstAborter } = witnessFirstAbort(ownCoordinator)
  const nodes: Libp2p[] = []
  const agents: SwapAgent[] = []
  let finished = false
  let completed: { a: SwapSideReport; b: SwapSideReport } | null = null

  const common = { ...pickTuning(opts), blockSize }
  const stateDir = (role: Role): string =>
    (role === 'a' ? opts.stateDirA : opts.stateDirB) ?? join(workDir, role)
  const diskOf = (role: Role): string => (role === 'a' ? aReal : bReal)

  /** Both agents in this process, each with its own libp2p node. */
  const runInProcess = async (): Promise<Record<Role, PromiseSettledResult<SwapSideReport>>> => {
    nodes.push(await createSwapNode(seeds.a.node), await createSwapNode(seeds.b.node))
    for (const [k, role] of (['a', 'b'] as const).entries()) {
      agents.push(
        new SwapAgent({
          ...common,
          role,
          diskPath: diskOf(role),
          stateDir: stateDir(role),
          agreement,
          swapSecretKey: seeds[role].swap,
          coordinator,
          node: nodes[k]!,
          peerAddrs: nodes[1 - k]!.getMultiaddrs(),
          faults: opts.faults?.[role],
          onProgress: opts.onProgress,
          signal: opts.signal,
        }),
      )
    }
    for (const a of agents) await a.start()
    const [a, b] = await Promise.allSettled(agents.map((x) => x.run()))
    return { a: a!, b: b! }
  }

  /** Each agent in its own process on a fixed loopback port, so a restarted one is found again. */
  const runIsolated = async (): Promise<Record<Role, PromiseSettledResult<SwapSideReport>>> => {
    const where = async (role: Role): Promise<{ host: string; port: number }> =>
      opts.placement?.[role] ?? { host: '127.0.0.1', port: await freePort() }
    const at = { a: await where('a'), b: await where('b') }
    const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    const parties = {
      a: { peerId: agreement.parties.a.peerId.toString(), swapKey: hexOf(agreement.parties.a.swapKey) },
      b: { peerId: agreement.parties.b.peerId.toString(), swapKey: hexOf(agreement.parties.b.swapKey) },
    }
    const config = (role: Role): AgentProcessConfig => {
      const peer: Role = role === 'a' ? 'b' : 'a'
      return {
        ...common,
        role,
        diskPath: diskOf(role),
        stateDir: stateDir(role),
        swapId: session.swapId,
        parties,
        swapSecret: session.seeds[role].swap,
        nodeSeed: session.seeds[role].node,
        listen: `/ip4/${at[role].host}/tcp/${at[role].port}`,
        peerAddrs: [`/ip4/${at[peer].host}/tcp/${at[peer].port}/p2p/${parties[peer].peerId}`],
        crashAt: opts.crashAt?.[role],
      }
    }
    return runAgentProcesses(
      { a: config('a'), b: config('b') },
      {
        coordinator,
        workDir,
        maxRestarts: opts.maxRestarts,
        onProgress: opts.onProgress,
        wrap: { a: opts.placement?.a?.wrap, b: opts.placement?.b?.wrap },
        spawned,
        signal: opts.signal,
      },
    )
  }

  try {
    const { a: ra, b: rb } = opts.isolate === true ? await runIsolated() : await runInProcess()
    if (ra.status === 'rejected' || rb.status === 'rejected') {
      const status = await coordinator.status(session.swapId)
      const errA = ra.status === 'rejected' ? ra.reason : null
      const errB = rb.status === 'rejected' ? rb.reason : null
      // the side that aborted first carries the cause
      const first = firstAborter() === 'b' ? (errB ?? errA) : (errA ?? errB)
      finished = status.decision === 'aborted'
      throw first instanceof Error ? first : new SwapAbortedError(session.swapId, String(first))
    }
    const a = ra.value
    const b = rb.value
    finished = a.cleanedUp && b.cleanedUp
    if (finished) completed = { a, b }
    return {
      swapId: session.swapId,
      a,
      b,
      totals: {
        read: a.bytes.read + b.bytes.read,
        sent: a.bytes.sent + b.bytes.sent,
        received: a.bytes.received + b.bytes.received,
        written: a.bytes.written + b.bytes.written,
      },
      wallMs: performance.now() - t0,
    }
  } finally {
    for (const a of agents) await a.stop().catch(() => undefined)
    for (const n of nodes) {
      try {
        await n.stop()
      } catch {}
    }
    if (opts.coordinator === undefined) await ownCoordinator.close()
    if (completed !== null) {
      try {
        await recordCompletion(workDir, session.swapId, blockSize, aReal, bReal, completed)
      } catch (err) {
        // the session stays instead: a rerun resumes it, finds both sides done and swaps nothing
        finished = false
        opts.onProgress?.({
          type: 'note',
          role: 'a',
          message: `the swap completed but its record could not be written in ${workDir} (${(err as Error).message}); its session stays there, so a rerun reports the disks already swapped instead of swapping them back`,
        })
      }
    }
    // done (both completed) or aborted (both original): the session is over, a rerun starts a new swap
    if (finished) await endSession(workDir)
  }
}

/** Records the completed swap in the work directory (swap-record.ts), before its session is removed. */
async function recordCompletion(
  workDir: string,
  swapId: string,
  blockSize: number,
  aReal: string,
  bReal: string,
  sides: { a: SwapSideReport; b: SwapSideReport },
): Promise<void> {
  const [ia, ib] = [await diskIdentity(aReal), await diskIdentity(bReal)]
  await mkdir(workDir, { recursive: true })
  await writeSwapRecord(workDir, {
    version: 1,
    swapId,
    completedAt: new Date().toISOString(),
    blockSize,
    disks: { a: { ...ia, root: sides.a.rootAfter }, b: { ...ib, root: sides.b.rootAfter } },
  })
}

/**
 * Removes the session (first: a crash after that leaves no half session to
 * resume) and everything else of the swap, except the record of a completed
 * swap; the work directory itself goes when nothing is left in it.
 */
async function endSession(workDir: string): Promise<void> {
  await rm(join(workDir, 'session.json'), { force: true })
  let entries: string[] = []
  try {
    entries = await readdir(workDir)
  } catch {
    return
  }
  for (const e of entries)
    if (e !== SWAP_RECORD_FILE) await rm(join(workDir, e), { recursive: true, force: true })
  if (!entries.includes(SWAP_RECORD_FILE)) await rm(workDir, { recursive: true, force: true })
}

/**
 * The coordinator as the agents see it, noting which side's abort decided the
 * swap: that side's error carries the cause, the other's only says its peer
 * aborted. Transitions are serialised, so the first abort to come back
 * aborted is the one that decided.
 */
function witnessFirstAbort(c: Coordinator): { coordinator: Coordinator; firstAborter: () => Role | null } {
  let first: Role | null = null
  const coordinator: Coordinator = {
    prepare: (id, role) => c.prepare(id, role),
    commit: (id) => c.commit(id),
    abort: async (id, role, reason) => {
      const s = await c.abort(id, role, reason)
      if (s.decision === 'aborted') first ??= role
      return s
    },
    complete: (id, role) => c.complete(id, role),
    status: (id) => c.status(id),
    close: () => c.close(),
  }
  const watch = c.watch?.bind(c)
  if (watch !== undefined) coordinator.watch = watch
  return { coordinator, firstAborter: () => first }
}
