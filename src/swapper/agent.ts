/**
 * One side of a disk swap: index, exchange signed manifests, plan, stage and
 * verify, vote, and after the commit point apply and prove the result.
 *
 * Crash story, phase by phase (journal.ts records the phase atomically):
 * - before `prepared`: the disk has only been read. A restart redoes the work
 *   (the stored local manifest is reused; staged slots that still verify are
 *   kept). An abort removes staging: both disks are their originals.
 * - `staged`: staging is complete, every block hash-checked before its write,
 *   and fsynced (a restart rehashes all of it before trusting it), so this
 *   side can roll forward whenever the coordinator commits; once it has voted (`prepared`)
 *   it no longer aborts on its own unless the coordinator agrees.
 * - commit point = the coordinator's commit record. From then on, each side
 *   rolls forward from its manifests and staging, idempotently, however often
 *   it restarts: apply runs in windows, each fsynced and recorded in the
 *   journal before the next; a restart replays from the first unrecorded one
 *   (apply.ts). Once the last window is recorded, no run reads staging again
 *   (a restart goes straight to the final check), so it is removed then,
 *   before this side reports. The manifests stay until both sides completed
 *   and `done` is recorded.
 */
import { access, rm } from 'node:fs/promises'
import { VBoomError } from '../protocols/errors.js'
import type { SignedManifest } from '../protocols/proto/swap.js'
import { publicKeyOf } from '../protocols/signing.js'
import { StreamError, StreamErrorCode } from '../protocols/stream/index.js'
import {
  handleSwapStreams,
  hangUpPeer,
  openSwapChannel,
  type SwapChannel,
  unhandleSwapStreams,
} from '../protocols/swap-channel.js'
import {
  DEFAULT_MAX_BAD_BLOCKS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_STREAMS,
  DEFAULT_WINDOW,
} from '../protocols/swap-constants.js'
import {
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_STAGING_RESERVE_BYTES,
  type SwapAgentOptions,
} from './agent-options.js'
import type { Coordinator, SwapStatus } from './coordinator/coordinator.js'
import { type Disk, openDisk } from './disk.js'
import {
  BadPeerError,
  DiskSizeMismatchError,
  PeerNotInAgreementError,
  SwapAbortedError,
  SwapStateError,
} from './errors.js'
import type { SwapPhase, SwapProgressEvent, SwapSideReport } from './events.js'
import { type BlockIndex, DEFAULT_BLOCK_SIZE, hashDisk, indexDisk } from './index/block-index.js'
import { BATCHED_HASHING, equalBytes, MAPPED_HASHING, merkleRoot } from './index/hash.js'
import {
  createManifest,
  indexFromManifest,
  otherRole,
  type Role,
  verifyManifestHeader,
} from './index/manifest.js'
import { Journal, phaseAtLeast } from './journal.js'
import { makePlan, noCounts, type Plan, type PlanOptions } from './plan/plan.js'
import { applyPlan } from './staging/apply.js'
import { checkStagingSpace, findBadSlots, Staging, stageLocal } from './staging/staging.js'
import { chunkCount, type FetchJob, type FetchStats, fetchBlocks, fetchManifest } from './transfer/fetch.js'
import { type ServeContext, serveChannel } from './transfer/serve.js'

export {
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_STAGING_RESERVE_BYTES,
  pickTuning,
  SWAP_TUNING_KEYS,
  type SwapAgentOptions,
  type SwapAgreement,
  type SwapParty,
  type SwapTuning,
} from './agent-options.js'

const POLL_FIRST_MS = 5
const POLL_MAX_MS = 250

/**
 * Pauses between polls of the coordinator: 5, 10, 20 ... 250 ms. The peer is
 * usually a few tens of ms behind (a fixed 50 ms poll cost ~25 ms per wait on
 * average), and a long wait does not load a remote coordinator.
 */
function pollPauses(): () => Promise<void> {
  let ms = POLL_FIRST_MS
  return async () => {
    await sleep(ms)
    ms = Math.min(POLL_MAX_MS, ms * 2)
  }
}
/** Longest single long poll of the coordinator (ms): a lost answer costs at most this. */
const WATCH_SLICE_MS = 5_000
const DIAL_RETRY_MS = 100
/** Pause between retries of a coordinator call that failed in transit. */
const COORDINATOR_RETRY_MS = 500
/** Longest wait for our manifest to reach the peer before planning (a send takes ~50-100 ms per GiB of disk here). */
const MANIFEST_SEND_WAIT_MS = 500
/** Progress events per phase: a bar needs no finer steps (1 %). */
const PROGRESS_STEPS = 100

/**
 * A lost connection (peer restarting, link dropped, stream reset or timed out)
 * is worth a retry; a peer that lied or refused is not.
 */
function isConnectionLoss(err: unknown): boolean {
  const e = err as { name?: string; code?: string }
  if (err instanceof StreamError) return err.connectionLost
  if (e.name === 'SwapProtocolError') return e.code === 'SWAP_EOF'
  // libp2p's own errors (dial failures, resets) are not VBoom errors
  return !(err instanceof VBoomError)
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Loaded {
  local: BlockIndex
  peer: BlockIndex
  localSigned: SignedManifest
  plan: Plan
}

export class SwapAgent {
  readonly role: Role
  readonly peerRole: Role
  readonly swapIdHex: string
  private readonly o: SwapAgentOptions
  private journal!: Journal
  private disk: Disk | null = null
  private serveCtx: ServeContext | null = null
  private readonly serveReady = Promise.withResolvers<void>()
  private readonly manifestDelivered = Promise.withResolvers<void>()
  private committed = false
  private readonly phaseMs: Partial<Record<SwapPhase, number>> = {}
  /** State-directory writes left running in the background (see `background`). */
  private readonly pendingWrites: Promise<void>[] = []
  private readonly bytes = { read: 0, sent: 0, received: 0, written: 0 }
  private readonly serveStats = { bytesRead: 0, bytesSent: 0, blocksServed: 0 }
  private badBlocks = 0
  private resumed = false
  /** Whether this run's staging bypassed the page cache (for the report). */
  private stagingDirect = false

  constructor(opts: SwapAgentOptions) {
    this.o = opts
    this.role = opts.role
    this.peerRole = otherRole(opts.role)
    this.swapIdHex = hex(opts.agreement.swapId)
    if (!equalBytes(publicKeyOf(opts.swapSecretKey), opts.agreement.parties[opts.role].swapKey)) {
      throw new PeerNotInAgreementError(
        `our swap key is not the one the agreement names for role ${opts.role}`,
      )
    }
    if (!opts.node.peerId.equals(opts.agreement.parties[opts.role].peerId)) {
      throw new PeerNotInAgreementError(
        `our peer id is not the one the agreement names for role ${opts.role}`,
      )
    }
    // an unhandled rejection here would crash the process; waiters handle it
    this.serveReady.promise.catch(() => undefined)
  }

  /**
   * The coordinator with transient failures retried: the anchor may be
   * restarting or briefly unreachable, and every transition is idempotent, so
   * a call is repeated until the decision timeout. Refusals are not retried.
   */
  private get coordinator(): Pick<Coordinator, 'status' | 'prepare' | 'commit' | 'abort' | 'complete'> & {
    retry: <T>(fn: () => Promise<T>) => Promise<T>
  } {
    const c = this.o.coordinator
    const retry = async <T>(fn: () => Promise<T>): Promise<T> => {
      const deadline = Date.now() + (this.o.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS)
      for (;;) {
        try {
          return await fn()
        } catch (err) {
          const code = (err as { code?: string }).code
          const transient = !(err instanceof VBoomError) || code === 'COORDINATOR_UNREACHABLE'
          if (!transient || Date.now() > deadline) throw err
          this.emit({
            type: 'note',
            role: this.role,
            message: `coordinator unreachable (${(err as Error).message}), retrying`,
          })
          await sleep(COORDINATOR_RETRY_MS)
        }
      }
    }
    return {
      status: (id) => retry(() => c.status(id)),
      prepare: (id, role) => retry(() => c.prepare(id, role)),
      commit: (id) => retry(() => c.commit(id)),
      abort: (id, role, reason) => retry(() => c.abort(id, role, reason)),
      complete: (id, role) => retry(() => c.complete(id, role)),
      retry,
    }
  }

  /** The same before and after a restart: the plan is rebuilt from the manifests and must come out the same. */
  private get planOptions(): PlanOptions {
    return { dedup: this.o.dedup ?? true, maxWindows: this.o.applyWindows }
  }

  private emit(e: SwapProgressEvent): void {
    this.o.onProgress?.(e)
  }

  private async phase<T>(phase: SwapPhase, total: number, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    this.emit({ type: 'phase-start', role: this.role, phase, total })
    const r = await fn()
    const ms = performance.now() - t0
    this.phaseMs[phase] = (this.phaseMs[phase] ?? 0) + ms
    this.emit({ type: 'phase-end', role: this.role, phase, ms })
    return r
  }

  private progress(phase: SwapPhase, total: number): (bytes: number) => void {
    let done = 0
    const emit = this.progressAbs(phase, total)
    return (bytes) => {
      done += bytes
      emit({ bytesDone: done })
    }
  }

  /** Registers the serving handler; it answers once our manifest exists. */
  async start(): Promise<void> {
    const peer = this.o.agreement.parties[this.peerRole].peerId
    await handleSwapStreams(this.o.node, async (ch: SwapChannel) => {
      // rule: only the peer the agreement names
      if (!ch.remotePeer.equals(peer))
        throw new PeerNotInAgreementError(`${ch.remotePeer} is not in the agreement`)
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          this.serveReady.promise,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new SwapStateError('NOT_READY', 'manifest not ready in time')),
              this.o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
            )
          }),
        ])
      } finally {
        clearTimeout(timer)
      }
      await serveChannel(ch, this.serveCtx!)
    })
  }

  async stop(): Promise<void> {
    this.committed = true
    this.serveReady.reject(new SwapStateError('STOPPED', 'agent stopped'))
    await unhandleSwapStreams(this.o.node)
    await this.disk?.close()
    this.disk = null
  }

  /** Runs (or resumes) this side to the end: resolves swapped, or throws SwapAbortedError with the disk untouched. */
  async run(): Promise<SwapSideReport> {
    this.journal = await Journal.open(this.o.stateDir)
    let rec = await this.journal.read()
    if (rec !== null && rec.phase === 'done' && rec.swapId !== this.swapIdHex) {
      // a finished earlier swap left only its record: nothing of it to keep
      await this.journal.remove()
      this.journal = await Journal.open(this.o.stateDir)
      rec = null
    }
    if (rec !== null && (rec.swapId !== this.swapIdHex || rec.role !== this.role)) {
      throw new SwapStateError(
        'JOURNAL_OTHER_SWAP',
        `${this.o.stateDir} holds swap ${rec.swapId}/${rec.role}, not ${this.swapIdHex}/${this.role}`,
      )
    }
    this.resumed = rec !== null
    if (rec !== null)
      this.emit({ type: 'note', role: this.role, message: `resuming from phase ${rec.phase}` })
    const status = await this.coordinator.status(this.swapIdHex)
    if (status.decision === 'aborted') {
      await this.journal.remove()
      throw new SwapAbortedError(this.swapIdHex, status.reason ?? 'aborted')
    }
    if (rec?.phase === 'done' || (status.completed[this.role] && rec === null)) {
      if (rec !== null) await this.journal.clean() // what a run killed after `done` left
      return this.report('already-swapped', null, true)
    }
    if (status.decision === 'committed' || phaseAtLeast(rec, 'committed')) {
      if (rec === null || !phaseAtLeast(rec, 'staged')) {
        throw new SwapStateError(
          'JOURNAL_LOST',
          `swap ${this.swapIdHex} committed but ${this.o.stateDir} has no staged state`,
        )
      }
      return this.rollForward(await this.loadStored())
    }
    let loaded: Loaded
    try {
      loaded = await this.prepareSide(phaseAtLeast(rec, 'staged'))
    } catch (err) {
      return this.abortOrRollForward(err)
    }
    const decision = await this.awaitDecision()
    try {
      await this.settleBackground()
    } catch (err) {
      return this.abortOrRollForward(err)
    }
    if (decision.decision !== 'committed') {
      return this.abortOrRollForward(new SwapAbortedError(this.swapIdHex, decision.reason ?? 'aborted'))
    }
    return this.rollForward(loaded)
  }

  /**
   * Everything before the vote. Throws on any failure; nothing written to the
   * disk. `staged`: the journal is at `staged` or later (a restart), and is
   * never written back to an earlier phase (a resumed side that had voted
   * could otherwise be found committed with its journal at `planned`).
   */
  private async prepareSide(staged: boolean): Promise<Loaded> {
    const o = this.o
    const disk = await openDisk(o.diskPath)
    this.disk = disk
    const { swapId } = o.agreement
    const blockSize = o.blockSize ?? DEFAULT_BLOCK_SIZE

    // connect while indexing, so that the manifest exchange finds a live
    // connection (~40 ms of handshakes here); a failure only means dial() connects later
    o.node
      .dial(o.peerAddrs, { signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) })
      .catch(() => undefined)

    // index (or reuse the stored manifest: the disk is untouched before commit)
    let localSigned: SignedManifest
    let local: BlockIndex
    const stored = await this.journal.loadManifest('local')
    if (stored !== null) {
      const h = verifyManifestHeader(stored.signed, {
        swapId,
        role: this.role,
        signer: o.agreement.parties[this.role].swapKey,
      })
      local = indexFromManifest(h, stored.hashes)
      localSigned = stored.signed
      if (local.diskSize !== disk.size)
        throw new SwapStateError('DISK_CHANGED', 'disk size differs from the stored manifest')
      this.phaseMs.index = 0
    } else {
      local = await this.phase('index', disk.size, () =>
        indexDisk(disk, blockSize, this.progressAbs('index', disk.size)),
      )
      this.bytes.read += disk.size
      localSigned = createManifest(local, swapId, this.role, o.swapSecretKey)
      const signed = localSigned
      this.background(
        this.journal
          .saveManifest('local', signed, local.hashes)
          .then(() => this.journal.write(this.swapIdHex, this.role, 'indexed')),
      )
    }
    this.serveCtx = {
      swapId,
      signed: localSigned,
      index: local,
      disk,
      compress: o.compress ?? true,
      serving: () => !this.committed,
      idleTimeoutMs: o.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS,
      faults: o.faults,
      attempts: new Map(),
      stats: this.serveStats,
      onManifestSent: () => this.manifestDelivered.resolve(),
    }
    this.serveReady.resolve()

    // the peer's manifest, checked against the agreement
    const peer = await this.phase('manifest', 0, () =>
      this.retryingConnection('manifest', async () => {
        const ch = await this.dial()
        try {
          const m = await fetchManifest(
            ch,
            swapId,
            { swapId, role: this.peerRole, signer: o.agreement.parties[this.peerRole].swapKey },
            o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
          )
          this.bytes.sent += ch.bytesSent
          this.bytes.received += ch.bytesReceived
          return m
        } finally {
          await ch.close()
        }
      }),
    )
    if (peer.header.diskSize !== local.diskSize) {
      throw new DiskSizeMismatchError(
        local.diskSize,
        peer.header.diskSize,
        `${this.role} vs ${this.peerRole}`,
      )
    }
    if (peer.header.blockSize !== local.blockSize) {
      throw new SwapStateError(
        'BLOCK_SIZE_MISMATCH',
        `block sizes differ: ${local.blockSize} vs ${peer.header.blockSize}`,
      )
    }
    // the plan holds this thread for ~0.1 s: our manifest reaches the peer
    // first (it asks for it as we ask for its), or the peer waits that long
    await this.manifestSent()
    // stored while the plan is made and staging written; settled before `staged`
    this.background(this.journal.saveManifest('peer', peer.signed, peer.hashes))
    const plan = await this.phase('plan', 0, async () => makePlan(local, peer.index, this.planOptions))
    if (!staged) this.background(this.journal.write(this.swapIdHex, this.role, 'planned'))
    const loaded: Loaded = { local, peer: peer.index, localSigned, plan }
    await this.stage(loaded)
    // both manifests durable before `staged`: a restart after the vote rebuilds the plan from them
    await this.settleBackground()
    if (!staged) await this.journal.write(this.swapIdHex, this.role, 'staged')

    const s = await this.coordinator.prepare(this.swapIdHex, this.role)
    if (s.decision === 'aborted') throw new SwapAbortedError(this.swapIdHex, s.reason ?? 'aborted')
    // recorded while the coordinator decides (the vote is the coordinator's;
    // this record only tells a restart it voted, and `staged` resumes the
    // same way); run() settles it before anything else writes the journal
    this.background(this.journal.write(this.swapIdHex, this.role, 'prepared'))
    return loaded
  }

  /**
   * Until our manifest has been sent once, at most MANIFEST_SEND_WAIT_MS: a
   * peer that stored it before a restart never asks again, and a stalled one
   * holds nothing up for longer.
   */
  private async manifestSent(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.manifestDelivered.promise,
      new Promise((r) => {
        timer = setTimeout(r, MANIFEST_SEND_WAIT_MS)
      }),
    ])
    clearTimeout(timer)
  }

  /**
   * A write to the state directory that nothing waits for until staging is
   * done: the manifests and the early journal records are needed only by a
   * restart after the vote, and their fsyncs, queued behind the peer's
   * staging writes on a shared disk, held up the plan and staging by up to
   * ~0.15 s here. `settleBackground` waits for them (and throws the first
   * failure) before `staged`, after the vote's decision (the `prepared`
   * record), and before an abort removes the directory.
   */
  private background(write: Promise<void>): void {
    write.catch(() => undefined) // settled in settleBackground
    this.pendingWrites.push(write)
  }

  private async settleBackground(): Promise<void> {
    const pending = this.pendingWrites.splice(0)
    const results = await Promise.allSettled(pending)
    for (const r of results) if (r.status === 'rejected') throw r.reason
  }

  /**
   * Runs `fn` while `pending` writes finish, and returns or throws only once
   * they have: nothing is left writing into the state directory behind a
   * failure (an abort removes it). A failed write wins over `fn`'s result.
   */
  private async afterAll<T>(pending: Promise<void>[], fn: () => Promise<T>): Promise<T> {
    for (const p of pending) p.catch(() => undefined) // settled below, not unhandled meanwhile
    try {
      return await fn()
    } finally {
      for (const p of pending) await p
    }
  }

  /**
   * At most ~PROGRESS_STEPS events per phase, and always the last one: an
   * agent process sends each over IPC as JSON, measured at ~0.7 ms apiece
   * under load (~0.45 s of CPU per 256 MiB at one event per MiB). Smaller
   * steps are merged until they reach 1 % of the phase.
   */
  private progressAbs(phase: SwapPhase, total: number): (p: { bytesDone: number }) => void {
    const step = total / PROGRESS_STEPS
    let last = 0
    return (p) => {
      if (p.bytesDone < total && p.bytesDone - last < step) return
      last = p.bytesDone
      this.emit({ type: 'progress', role: this.role, phase, done: p.bytesDone, total })
    }
  }

  private async dial(): Promise<SwapChannel> {
    const o = this.o
    const peerId = o.agreement.parties[this.peerRole].peerId
    const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    for (;;) {
      try {
        return await openSwapChannel(
          o.node,
          o.peerAddrs,
          peerId,
          AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        )
      } catch (err) {
        if ((err as { code?: string }).code === StreamErrorCode.WRONG_PEER) {
          throw new PeerNotInAgreementError(
            `the peer at ${o.peerAddrs.join(', ')} is not ${peerId}: ${(err as Error).message}`,
          )
        }
        // the peer may be restarting: retry until the deadline
        if (Date.now() + DIAL_RETRY_MS >= deadline) throw err
        await sleep(DIAL_RETRY_MS)
      }
    }
  }

  /**
   * Fills staging (keeping slots of an earlier run that still verify) and
   * fsyncs it. No read-back after the fsync: every byte written here was
   * hash-checked against the peer's manifest in memory just before its write
   * (fetched: checkBatch; local: stageLocal), pwrite took all of it and fsync
   * succeeded, so staging holds exactly the verified bytes; a read-back would
   * come from the page cache and prove nothing more. Staging is trusted
   * unread only by the run that wrote and fsynced it, and only once the
   * journal says `staged` (written after the fsync). Any other run finds the
   * file not fresh and hashes every slot before trusting it (here, and in
   * rollForward after a restart), so a crash mid-staging or a torn slot is
   * always detected.
   */
  private async stage(l: Loaded): Promise<void> {
    const o = this.o
    const { plan, peer } = l
    await checkStagingSpace(
      this.journal.stagingPath,
      plan.stagingBytes,
      o.stagingReserveBytes ?? DEFAULT_STAGING_RESERVE_BYTES,
    )
    const staging = await Staging.open(this.journal.stagingPath, plan.slots.length, plan.blockSize)
    this.stagingDirect = staging.direct
    try {
      await this.phase('stage', plan.stagingBytes, async () => {
        const onBytes = this.progress('stage', plan.stagingBytes)
        let todo: number[]
        if (staging.fresh) {
          todo = plan.slots.map((_, k) => k)
        } else {
          // left by an earlier run: nothing in it is trusted until hashed
          todo = await findBadSlots(staging, plan, peer)
          this.bytes.read += plan.stagingBytes
          onBytes(plan.stagingBytes - todo.length * plan.blockSize)
        }
        const jobs: FetchJob[] = []
        for (const k of todo) {
          const s = plan.slots[k]!
          if (s.from === 'peer') jobs.push({ block: s.source, slot: k })
        }
        // the fetch runs while local copies are staged: on loopback this is
        // no faster (both share one thread), but over a real link the
        // fetch's round trips and wire time hide under the local copies
        const fetched = jobs.length > 0 ? this.fetch(jobs, peer, staging, onBytes) : Promise.resolve()
        const local = await this.afterAll([fetched], () =>
          stageLocal(staging, plan, peer, this.disk!, todo, onBytes),
        )
        this.bytes.read += local.bytesRead
        this.bytes.written += local.bytesWritten
        await staging.sync()
      })
    } finally {
      await staging.close()
    }
  }

  private async fetch(
    jobs: FetchJob[],
    peer: BlockIndex,
    staging: Staging,
    onBytes: (n: number) => void,
  ): Promise<void> {
    const o = this.o
    const n = Math.max(1, o.streams ?? DEFAULT_STREAMS)
    const stats: FetchStats = { bytesReceived: 0, bytesSent: 0, blocksFetched: 0, badBlocks: 0 }
    const stored = new Set<number>()
    try {
      await this.retryingConnection('fetch', async () => {
        const todo = jobs.filter((j) => !stored.has(j.slot))
        if (todo.length === 0) return
        const channels: SwapChannel[] = []
        try {
          for (let k = 0; k < n; k++) channels.push(await this.dial())
        } catch (err) {
          for (const ch of channels) ch.abort(err as Error)
          throw err
        }
        await this.fetchOnce(channels, todo, peer, staging, onBytes, stats, stored)
      })
    } catch (err) {
      if (err instanceof BadPeerError) {
        this.emit({ type: 'note', role: this.role, message: err.message })
        await hangUpPeer(o.node, o.agreement.parties[this.peerRole].peerId).catch(() => undefined)
      }
      throw err
    } finally {
      this.badBlocks += stats.badBlocks
      this.bytes.received += stats.bytesReceived
      this.bytes.sent += stats.bytesSent
    }
  }

  /**
   * Runs `fn` again after a lost connection (the peer restarting, a dropped
   * link) until the decision timeout; gives up at once on anything else, and
   * when the coordinator says the swap is already aborted.
   */
  private async retryingConnection<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.o.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS)
    for (;;) {
      try {
        return await fn()
      } catch (err) {
        if (!isConnectionLoss(err) || Date.now() > deadline) throw err
        const s = await this.coordinator.status(this.swapIdHex)
        if (s.decision === 'aborted')
          throw new SwapAbortedError(this.swapIdHex, s.reason ?? 'aborted', { cause: err })
        this.emit({
          type: 'note',
          role: this.role,
          message: `${what}: connection lost (${(err as Error).message}), retrying`,
        })
        await sleep(DIAL_RETRY_MS)
      }
    }
  }

  private async fetchOnce(
    channels: SwapChannel[],
    jobs: FetchJob[],
    peer: BlockIndex,
    staging: Staging,
    onBytes: (n: number) => void,
    stats: FetchStats,
    stored: Set<number>,
  ): Promise<void> {
    const o = this.o
    await fetchBlocks(
      channels,
      jobs,
      peer,
      async (got, data) => {
        // consecutive slots in one write
        const oneChunk = chunkCount(data) === 1
        let pos = 0
        for (let k = 0; k < got.length; ) {
          let m = 1
          while (k + m < got.length && got[k + m]!.slot === got[k]!.slot + m) m++
          let len = 0
          for (let j = k; j < k + m; j++) len += peer.blockLength(got[j]!.block)
          // one chunk (a gathered batch, in an aligned staging buffer): a view, written without a copy
          await staging.write(
            got[k]!.slot,
            oneChunk ? data.subarray(pos, pos + len) : data.sublist(pos, pos + len),
          )
          for (let j = k; j < k + m; j++) stored.add(got[j]!.slot)
          pos += len
          this.bytes.written += len
          onBytes(len)
          k += m
        }
      },
      {
        swapId: o.agreement.swapId,
        window: Math.max(1, o.window ?? DEFAULT_WINDOW),
        maxBadBlocks: o.maxBadBlocks ?? DEFAULT_MAX_BAD_BLOCKS,
        timeoutMs: o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        buffer: (n) => staging.buffer(n),
      },
      stats,
    )
  }

  /** Asks for the commit until the coordinator decides, or gives up and aborts after the decision timeout. */
  private async awaitDecision(): Promise<SwapStatus> {
    return this.phase('commit', 0, async () => {
      const deadline = Date.now() + (this.o.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS)
      const change = this.peerChange(deadline)
      for (;;) {
        const s = await this.coordinator.commit(this.swapIdHex)
        if (s.decision !== 'pending') return s
        if (Date.now() > deadline)
          return this.coordinator.abort(this.swapIdHex, this.role, 'peer did not stage in time')
        await change(s)
      }
    })
  }

  /**
   * Waits for the swap's status to move on from `seen` (the peer's vote or
   * completion), at most until `deadline`: through the coordinator's long
   * poll where it has one, else by polling with growing pauses.
   */
  private peerChange(deadline: number): (seen: SwapStatus) => Promise<SwapStatus> {
    const pause = pollPauses()
    const poll = async (): Promise<SwapStatus> => {
      await pause()
      return this.coordinator.status(this.swapIdHex)
    }
    const c = this.o.coordinator
    if (c.watch === undefined) return poll
    const watch = c.watch.bind(c)
    let polling = false
    return async (seen) => {
      if (polling) return poll()
      try {
        return await this.coordinator.retry(() =>
          watch(this.swapIdHex, seen, Math.max(0, Math.min(WATCH_SLICE_MS, deadline - Date.now()))),
        )
      } catch (err) {
        // an anchor from before WATCH refuses it as an unknown operation: poll instead
        if ((err as { code?: string }).code !== 'MALFORMED') throw err
        polling = true
        this.emit({
          type: 'note',
          role: this.role,
          message: `the coordinator refused a long poll (${(err as Error).message}); polling instead`,
        })
        return poll()
      }
    }
  }

  /** A failure before our commit point: abort, unless the coordinator already committed (then roll forward). */
  private async abortOrRollForward(err: unknown): Promise<SwapSideReport> {
    // nothing may still be writing into the state directory when it is removed
    await this.settleBackground().catch(() => undefined)
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    const s = await this.coordinator.abort(this.swapIdHex, this.role, reason)
    if (s.decision === 'committed') {
      const rec = await this.journal.read()
      if (phaseAtLeast(rec, 'staged')) return this.rollForward(await this.loadStored())
    }
    this.committed = true // stop serving: the swap is over
    await this.disk?.close()
    this.disk = null
    await this.journal.remove()
    this.emit({ type: 'note', role: this.role, message: `aborted: ${s.reason ?? reason}` })
    if (err instanceof SwapAbortedError) throw err
    throw new SwapAbortedError(this.swapIdHex, s.reason ?? reason, { cause: err })
  }

  /** Manifests from the journal, re-verified as if they came from the network. */
  private async loadStored(): Promise<Loaded> {
    const o = this.o
    const { swapId, parties } = o.agreement
    const l = await this.journal.loadManifest('local')
    const p = await this.journal.loadManifest('peer')
    if (l === null || p === null)
      throw new SwapStateError('JOURNAL_LOST', `manifests missing in ${o.stateDir}`)
    const local = indexFromManifest(
      verifyManifestHeader(l.signed, { swapId, role: this.role, signer: parties[this.role].swapKey }),
      l.hashes,
    )
    const peer = indexFromManifest(
      verifyManifestHeader(p.signed, { swapId, role: this.peerRole, signer: parties[this.peerRole].swapKey }),
      p.hashes,
    )
    return { local, peer, localSigned: l.signed, plan: makePlan(local, peer, this.planOptions) }
  }

  /** After the commit point: apply from staging, prove the root, complete, then drop staging once both completed. */
  private async rollForward(l: Loaded): Promise<SwapSideReport> {
    this.committed = true
    const rec = await this.journal.read()
    if (!phaseAtLeast(rec, 'committed')) await this.journal.write(this.swapIdHex, this.role, 'committed')
    if (this.disk !== null) {
      await this.disk.close()
      this.disk = null
    }
    let dropStaging: Promise<void> = Promise.resolve()
    if (!phaseAtLeast(rec, 'applied')) {
      const disk = await openDisk(this.o.diskPath, { writable: true })
      this.disk = disk
      const p = l.plan
      const applied = rec?.phase === 'committed' ? (rec.appliedWindows ?? 0) : 0
      // the final check stays a real read pass over the whole disk, not a sum
      // of what apply wrote: it also covers the blocks the plan skipped
      // (trusted so far only from the index taken before the commit point).
      // Comparing every block hash with the peer's list is the same proof as
      // comparing Merkle roots (that list rebuilt the peer's signed root)
      // without ~65k inner-node hashes per GiB. It reads through the page
      // cache, so it can start once apply has issued its last write: it then
      // runs (CPU) during apply's last fsync (device), ~0.2-0.3 s each per GiB here
      let checking = undefined as Promise<void> | undefined
      const startCheck = (): Promise<void> => {
        checking ??= this.finalCheck(l, disk)
        checking.catch(() => undefined) // awaited below
        return checking
      }
      const applyAndCheck = async (fromWindow: number, fromStaging: boolean): Promise<void> => {
        try {
          if (fromWindow < p.windowCount)
            await this.applyFromStaging(l, disk, fromWindow, startCheck, fromStaging)
        } finally {
          // never left reading behind a failed apply (the disk closes after)
          await checking?.catch(() => undefined)
        }
        await startCheck()
      }
      try {
        await applyAndCheck(applied, this.resumed)
      } catch (err) {
        // every window is recorded but the disk is not the peer's image: a
        // moved block read from its source (a first run reads them there) or
        // an earlier run's write did not hold. Staging still holds every
        // staged block, verified before the vote: apply all of it again from
        // there (proved again first), then check once more
        if (
          !(err instanceof SwapStateError && err.code === 'FINAL_CHECK') ||
          !(await exists(this.journal.stagingPath))
        )
          throw err
        this.emit({
          type: 'note',
          role: this.role,
          message: `${err.message}; applying again from staging`,
        })
        checking = undefined
        await applyAndCheck(0, true)
      }
      // the disk is the peer's image and every window is recorded: staging is
      // no longer read by any run (a restart goes straight to the final
      // check), so it is removed now, while the coordinator hears of it
      // (~0.1-0.2 s for 0.5 GB here: ext4 frees and discards the blocks);
      // awaited before this side reports
      dropStaging = rm(this.journal.stagingPath, { force: true })
      dropStaging.catch(() => undefined) // awaited below
      await this.journal.write(this.swapIdHex, this.role, 'applied')
    }
    await this.disk?.close()
    this.disk = null
    await this.coordinator.complete(this.swapIdHex, this.role)
    await dropStaging
    const removed = await this.phase('cleanup', 0, async () => {
      const deadline = Date.now() + (this.o.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS)
      const change = this.peerChange(deadline)
      let s = await this.coordinator.status(this.swapIdHex)
      while (!(s.completed.a && s.completed.b)) {
        if (Date.now() > deadline) return false
        s = await change(s)
      }
      // `done` first: a run that dies between the two finds `done` and only
      // cleans again; the other order left `applied` without the manifests
      // that a resumed `applied` needs (JOURNAL_LOST)
      await this.journal.write(this.swapIdHex, this.role, 'done')
      await this.journal.clean()
      return true
    })
    return this.report('swapped', l, removed)
  }

  /** Hashes the whole disk and proves it is the peer's original image (FINAL_CHECK otherwise). */
  private async finalCheck(l: Loaded, disk: Disk): Promise<void> {
    const after = await this.phase('verify', disk.size, () =>
      hashDisk(disk, l.peer.blockSize, this.progressAbs('verify', disk.size)),
    )
    this.bytes.read += disk.size
    if (!equalBytes(after, l.peer.hashes)) {
      throw new SwapStateError(
        'FINAL_CHECK',
        `disk root ${hex(merkleRoot(after))} is not the peer's original root ${hex(l.peer.root)}`,
      )
    }
  }

  /**
   * Apply windows `fromWindow`.. from staging, each durable and recorded
   * before the next. `fromStaging`: a run after others wrote the disk (a
   * restart, or a repair): staging is proved again first, and every staged
   * block is read from it (a first run reads moved blocks from their sources).
   */
  private async applyFromStaging(
    l: Loaded,
    disk: Disk,
    fromWindow: number,
    onLastWrites: () => unknown,
    fromStaging: boolean,
  ): Promise<void> {
    const p = l.plan
    const staging = await Staging.open(this.journal.stagingPath, p.slots.length, p.blockSize)
    this.stagingDirect = staging.direct
    try {
      if (staging.fresh)
        throw new SwapStateError('STAGING_LOST', `staging ${staging.path} is missing after commit`)
      if (fromStaging) {
        // a restart or a repair: prove staging is still what was verified before the vote
        const bad = await findBadSlots(staging, p, l.peer)
        this.bytes.read += p.stagingBytes
        if (bad.length > 0)
          throw new SwapStateError(
            'STAGING_BAD',
            `${bad.length} staged blocks fail verification after commit`,
          )
      }
      const total = (p.writeBlocks.length + p.zeroBlocks.length + p.copyTargets.length) * p.blockSize
      const r = await this.phase('apply', total, () =>
        applyPlan(p, staging, l.peer, disk, {
          fromWindow,
          onLastWrites,
          sourcesIntact: !fromStaging,
          onWindowDone: (w) => this.journal.write(this.swapIdHex, this.role, 'committed', w + 1),
          onBytes: this.progress('apply', total),
        }),
      )
      this.bytes.read += r.bytesRead
      this.bytes.written += r.bytesWritten
    } finally {
      await staging.close()
    }
  }

  private report(outcome: SwapSideReport['outcome'], l: Loaded | null, cleanedUp: boolean): SwapSideReport {
    const counts = l?.plan.counts ?? noCounts()
    return {
      role: this.role,
      outcome,
      resumed: this.resumed,
      bytes: {
        read: this.bytes.read + this.serveStats.bytesRead,
        sent: this.bytes.sent + this.serveStats.bytesSent,
        received: this.bytes.received,
        written: this.bytes.written,
      },
      blocks: { ...counts, total: l?.plan.blockCount ?? 0 },
      badBlocks: this.badBlocks,
      phaseMs: { ...this.phaseMs },
      rootBefore: l === null ? '' : hex(l.local.root),
      rootAfter: l === null ? '' : hex(l.peer.root),
      cleanedUp,
      io: {
        stagingDirect: this.stagingDirect,
        batchedHashing: BATCHED_HASHING,
        mappedHashing: MAPPED_HASHING,
      },
    }
  }
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}
