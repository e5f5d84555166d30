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
 *
 * Cancellation (`signal`) follows the same story: before the commit point
 * the side votes abort and removes staging (SwapCancelledError, both disks
 * untouched); after it, the side stops at its next durable point, an apply
 * window recorded (SwapInterruptedError), and a rerun resumes from there.
 *
 * The parts: the coordinator with retries and waits (coordinator/resilient.ts),
 * the peer behind its connection policy (transfer/connection.ts), staging
 * filled by its pipeline (staging/pipeline.ts), the roll-forward after the
 * commit point (staging/roll-forward.ts), and what the side counts and
 * reports (bookkeeping.ts).
 */
import type { SignedManifest } from '../protocols/proto/swap.js'
import { publicKeyOf } from '../protocols/signing.js'
import { handleSwapStreams, type SwapChannel, unhandleSwapStreams } from '../protocols/swap-channel.js'
import { type ResolvedTuning, resolveTuning, type SwapAgentOptions } from './agent-options.js'
import { SwapBookkeeping } from './bookkeeping.js'
import type { SwapStatus } from './coordinator/coordinator.js'
import { ResilientCoordinator } from './coordinator/resilient.js'
import { type Disk, openDisk } from './disk.js'
import {
  DiskSizeMismatchError,
  PeerNotInAgreementError,
  SwapAbortedError,
  SwapCancelledError,
  SwapInterruptedError,
  SwapStateError,
} from './errors.js'
import type { SwapSideReport } from './events.js'
import { type BlockIndex, indexDisk } from './index/block-index.js'
import { equalBytes } from './index/hash.js'
import {
  createManifest,
  indexFromManifest,
  otherRole,
  type Role,
  verifyManifestHeader,
} from './index/manifest.js'
import { Journal, phaseAtLeast } from './journal.js'
import { makePlan, type PlanOptions } from './plan/plan.js'
import { StagingPipeline } from './staging/pipeline.js'
import { type Loaded, rollForward } from './staging/roll-forward.js'
import { PeerConnection } from './transfer/connection.js'
import type { FetchStats } from './transfer/fetch.js'
import { type ServeContext, serveChannel } from './transfer/serve.js'
import { MANIFEST_SEND_WAIT_MS } from './tuning.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export class SwapAgent {
  readonly role: Role
  readonly peerRole: Role
  readonly swapIdHex: string
  private readonly o: SwapAgentOptions
  private readonly tuning: ResolvedTuning
  private readonly book: SwapBookkeeping
  private readonly coordinator: ResilientCoordinator
  private readonly peer: PeerConnection
  private journal!: Journal
  private disk: Disk | null = null
  private serveCtx: ServeContext | null = null
  private readonly serveReady = Promise.withResolvers<void>()
  private readonly manifestDelivered = Promise.withResolvers<void>()
  private committed = false
  /** State-directory writes left running in the background (see `background`). */
  private readonly pendingWrites: Promise<void>[] = []

  constructor(opts: SwapAgentOptions) {
    this.o = opts
    this.tuning = resolveTuning(opts)
    this.role = opts.role
    this.peerRole = otherRole(opts.role)
    this.swapIdHex = hex(opts.agreement.swapId)
    if (!equalBytes(publicKeyOf(opts.swapSecretKey), opts.agreement.parties[opts.role].swapKey)) {
      throw new PeerNotInAgreementError(
        `our swap key is not the one the agreement names for role ${opts.role}; give the agent the swap key of its own party`,
      )
    }
    if (!opts.node.peerId.equals(opts.agreement.parties[opts.role].peerId)) {
      throw new PeerNotInAgreementError(
        `our peer id is not the one the agreement names for role ${opts.role}; run the agent with the libp2p key of its own party`,
      )
    }
    this.book = new SwapBookkeeping(opts.role, opts.onProgress)
    const note = (m: string): void => this.book.note(m)
    this.coordinator = new ResilientCoordinator(opts.coordinator, {
      retryForMs: this.tuning.decisionTimeoutMs,
      signal: opts.signal,
      onNote: note,
    })
    this.peer = new PeerConnection({
      node: opts.node,
      peerAddrs: opts.peerAddrs,
      peerId: opts.agreement.parties[this.peerRole].peerId,
      swapId: opts.agreement.swapId,
      swapIdHex: this.swapIdHex,
      streams: this.tuning.streams,
      window: this.tuning.window,
      maxBadBlocks: this.tuning.maxBadBlocks,
      timeoutMs: this.tuning.timeoutMs,
      retryForMs: this.tuning.decisionTimeoutMs,
      coordinator: this.coordinator,
      signal: opts.signal,
      onNote: note,
    })
    // an unhandled rejection here would crash the process; waiters handle it
    this.serveReady.promise.catch(() => undefined)
  }

  /** The same before and after a restart: the plan is rebuilt from the manifests and must come out the same. */
  private get planOptions(): PlanOptions {
    return { dedup: this.tuning.dedup, maxWindows: this.tuning.applyWindows }
  }

  /** True once the owner cancelled this swap. */
  private get cancelled(): boolean {
    return this.o.signal?.aborted === true
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
              () =>
                reject(
                  new SwapStateError(
                    'NOT_READY',
                    'our manifest was not ready in time for the peer; the peer retries its request',
                  ),
                ),
              this.tuning.timeoutMs,
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
    this.serveReady.reject(
      new SwapStateError('STOPPED', 'the swap agent stopped; run the swap again to resume it'),
    )
    await unhandleSwapStreams(this.o.node)
    await this.disk?.close()
    this.disk = null
  }

  /**
   * Runs (or resumes) this side to the end: resolves swapped, or throws
   * SwapAbortedError (SwapCancelledError when cancelled) with the disk
   * untouched, or SwapInterruptedError when cancelled after the commit point.
   */
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
        `${this.o.stateDir} holds swap ${rec.swapId}/${rec.role}, not ${this.swapIdHex}/${this.role}; finish that swap first (run it again) or give this one another state directory`,
      )
    }
    this.book.resumed = rec !== null
    if (rec !== null) this.book.note(`resuming from phase ${rec.phase}`)
    const status = await this.coordinator.status(this.swapIdHex)
    if (status.decision === 'aborted') {
      await this.journal.remove()
      throw new SwapAbortedError(this.swapIdHex, status.reason ?? 'aborted')
    }
    if (rec?.phase === 'done' || (status.completed[this.role] && rec === null)) {
      if (rec !== null) await this.journal.clean() // what a run killed after `done` left
      return this.book.report('already-swapped', null, true)
    }
    if (status.decision === 'committed' || phaseAtLeast(rec, 'committed')) {
      if (rec === null || !phaseAtLeast(rec, 'staged')) {
        throw new SwapStateError(
          'JOURNAL_LOST',
          `swap ${this.swapIdHex} committed but ${this.o.stateDir} has no staged state: this side cannot finish it; was the state directory removed or replaced?`,
        )
      }
      return this.finish(await this.loadStored())
    }
    let loaded: Loaded
    try {
      loaded = await this.prepareSide(phaseAtLeast(rec, 'staged'))
    } catch (err) {
      return this.abortOrRollForward(err)
    }
    let decision: SwapStatus
    try {
      decision = await this.awaitDecision()
    } catch (err) {
      // a cancellation cuts the wait short: vote abort (unless the coordinator committed meanwhile)
      if (!this.cancelled) throw err
      return this.abortOrRollForward(err)
    }
    try {
      await this.settleBackground()
    } catch (err) {
      return this.abortOrRollForward(err)
    }
    if (decision.decision !== 'committed') {
      return this.abortOrRollForward(new SwapAbortedError(this.swapIdHex, decision.reason ?? 'aborted'))
    }
    return this.finish(loaded)
  }

  /**
   * Everything before the vote. Throws on any failure; nothing written to the
   * disk. `staged`: the journal is at `staged` or later (a restart), and is
   * never written back to an earlier phase (a resumed side that had voted
   * could otherwise be found committed with its journal at `planned`).
   */
  private async prepareSide(staged: boolean): Promise<Loaded> {
    const o = this.o
    const book = this.book
    o.signal?.throwIfAborted()
    const disk = await openDisk(o.diskPath)
    this.disk = disk
    const { swapId } = o.agreement
    this.peer.preDial()

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
        throw new SwapStateError(
          'DISK_CHANGED',
          `${o.diskPath} is ${disk.size} bytes, not the ${local.diskSize} this swap indexed: the disk was replaced or resized; the swap aborts, start a new one`,
        )
      book.phaseMs.index = 0
    } else {
      local = await book.phase('index', disk.size, () =>
        indexDisk(disk, this.tuning.blockSize, book.progressAbs('index', disk.size)),
      )
      book.bytes.read += disk.size
      localSigned = createManifest(local, swapId, this.role, o.swapSecretKey)
      const signed = localSigned
      this.background(
        this.journal
          .saveManifest('local', signed, local.hashes)
          .then(() => this.journal.write(this.swapIdHex, this.role, 'indexed')),
      )
    }
    o.signal?.throwIfAborted()
    this.serveCtx = {
      swapId,
      signed: localSigned,
      index: local,
      disk,
      compress: this.tuning.compress,
      serving: () => !this.committed,
      idleTimeoutMs: this.tuning.decisionTimeoutMs,
      faults: o.faults,
      attempts: new Map(),
      stats: book.serveStats,
      onManifestSent: () => this.manifestDelivered.resolve(),
    }
    this.serveReady.resolve()

    // the peer's manifest, checked against the agreement
    const peer = await book.phase('manifest', 0, () =>
      this.peer.fetchManifest(
        { swapId, role: this.peerRole, signer: o.agreement.parties[this.peerRole].swapKey },
        book.bytes,
      ),
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
        `block sizes differ: ${local.blockSize} here vs ${peer.header.blockSize} at the peer; run both sides with the same block size`,
      )
    }
    // the plan holds this thread for ~0.1 s: our manifest reaches the peer
    // first (it asks for it as we ask for its), or the peer waits that long
    await this.manifestSent()
    // stored while the plan is made and staging written; settled before `staged`
    this.background(this.journal.saveManifest('peer', peer.signed, peer.hashes))
    const plan = await book.phase('plan', 0, async () => makePlan(local, peer.index, this.planOptions))
    if (!staged) this.background(this.journal.write(this.swapIdHex, this.role, 'planned'))
    const loaded: Loaded = { local, peer: peer.index, localSigned, plan }
    await this.stage(loaded)
    // both manifests durable before `staged`: a restart after the vote rebuilds the plan from them
    await this.settleBackground()
    if (!staged) await this.journal.write(this.swapIdHex, this.role, 'staged')

    o.signal?.throwIfAborted()
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

  /** Fills staging through its pipeline (staging/pipeline.ts), the peer's blocks fetched into it. */
  private async stage(l: Loaded): Promise<void> {
    const { plan, peer } = l
    const book = this.book
    const pipeline = await StagingPipeline.open(this.journal.stagingPath, plan, peer, {
      reserveBytes: this.tuning.stagingReserveBytes,
      onBytes: book.progress('stage', plan.stagingBytes),
      signal: this.o.signal,
    })
    book.stagingDirect = pipeline.direct
    const stats: FetchStats = { bytesReceived: 0, bytesSent: 0, blocksFetched: 0, badBlocks: 0 }
    try {
      await book.phase('stage', plan.stagingBytes, () =>
        pipeline.fill(this.disk!, (jobs, sink) => this.peer.fetchBlocks(jobs, peer, sink, stats)),
      )
    } finally {
      book.badBlocks += stats.badBlocks
      book.bytes.received += stats.bytesReceived
      book.bytes.sent += stats.bytesSent
      book.bytes.read += pipeline.bytesRead
      book.bytes.written += pipeline.bytesWritten
      await pipeline.close()
    }
  }

  /** Asks for the commit until the coordinator decides, or gives up and aborts after the decision timeout. */
  private async awaitDecision(): Promise<SwapStatus> {
    return this.book.phase('commit', 0, async () => {
      const deadline = Date.now() + this.tuning.decisionTimeoutMs
      for (;;) {
        const s = await this.coordinator.commit(this.swapIdHex)
        if (s.decision !== 'pending') return s
        if (Date.now() > deadline)
          return this.coordinator.abort(this.swapIdHex, this.role, 'peer did not stage in time')
        // the peer's vote, as soon as the coordinator has it
        await this.coordinator.watch(this.swapIdHex, s, Math.max(0, deadline - Date.now()))
      }
    })
  }

  /** A failure (or a cancellation) before our commit point: abort, unless the coordinator already committed (then roll forward). */
  private async abortOrRollForward(err: unknown): Promise<SwapSideReport> {
    // nothing may still be writing into the state directory when it is removed
    await this.settleBackground().catch(() => undefined)
    const reason = this.cancelled
      ? 'cancelled by its owner'
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err)
    const s = await this.coordinator.abort(this.swapIdHex, this.role, reason)
    if (s.decision === 'committed') {
      const rec = await this.journal.read()
      if (phaseAtLeast(rec, 'staged')) return this.finish(await this.loadStored())
    }
    this.committed = true // stop serving: the swap is over
    await this.disk?.close()
    this.disk = null
    await this.journal.remove()
    this.book.note(`aborted: ${s.reason ?? reason}`)
    if (this.cancelled)
      throw new SwapCancelledError(this.swapIdHex, err === this.o.signal?.reason ? undefined : { cause: err })
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
      throw new SwapStateError(
        'JOURNAL_LOST',
        `the manifests of committed swap ${this.swapIdHex} are missing in ${o.stateDir}: this side cannot finish it; was the state directory removed or replaced?`,
      )
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

  /** After the commit point: roll forward (apply, prove), complete, then drop the state once both completed. */
  private async finish(l: Loaded): Promise<SwapSideReport> {
    this.committed = true
    const rec = await this.journal.read()
    if (!phaseAtLeast(rec, 'committed')) await this.journal.write(this.swapIdHex, this.role, 'committed')
    if (this.disk !== null) {
      await this.disk.close()
      this.disk = null
    }
    let stagingRemoved: Promise<void> = Promise.resolve()
    if (!phaseAtLeast(rec, 'applied')) {
      // the commit record is a durable point: a cancellation stops before apply begins
      const fromWindow = rec?.phase === 'committed' ? (rec.appliedWindows ?? 0) : 0
      if (this.cancelled)
        this.interrupted(
          fromWindow === 0
            ? `before this side's apply began (${this.o.diskPath} unchanged so far)`
            : `before apply window ${fromWindow + 1} of ${l.plan.windowCount} (${this.o.diskPath} part way to the peer's image)`,
        )
      ;({ stagingRemoved } = await rollForward({
        loaded: l,
        diskPath: this.o.diskPath,
        journal: this.journal,
        swapIdHex: this.swapIdHex,
        role: this.role,
        fromWindow,
        resumed: this.book.resumed,
        book: this.book,
        signal: this.o.signal,
      }))
    }
    await this.coordinator.complete(this.swapIdHex, this.role)
    await stagingRemoved
    const removed = await this.book.phase('cleanup', 0, async () => {
      const deadline = Date.now() + this.tuning.decisionTimeoutMs
      let s = await this.coordinator.status(this.swapIdHex)
      while (!(s.completed.a && s.completed.b)) {
        if (Date.now() > deadline) return false
        if (this.cancelled) this.interruptedWaiting()
        try {
          s = await this.coordinator.watch(this.swapIdHex, s, Math.max(0, deadline - Date.now()))
        } catch (err) {
          if (this.cancelled) this.interruptedWaiting()
          throw err
        }
      }
      // `done` first: a run that dies between the two finds `done` and only
      // cleans again; the other order left `applied` without the manifests
      // that a resumed `applied` needs (JOURNAL_LOST)
      await this.journal.write(this.swapIdHex, this.role, 'done')
      await this.journal.clean()
      return true
    })
    return this.book.report('swapped', l, removed)
  }

  private interrupted(where: string): never {
    throw new SwapInterruptedError(this.swapIdHex, this.o.stateDir, where)
  }

  private interruptedWaiting(): never {
    this.interrupted(
      `while waiting for the peer to finish: ${this.o.diskPath} already holds the peer's image; only the swap's state remains to clean up`,
    )
  }
}
