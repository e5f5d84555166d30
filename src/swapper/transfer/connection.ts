/**
 * How one side reaches its peer: dialing (once ahead, while indexing, then
 * per stream), retrying after a lost connection, and what counts as one. A
 * lost connection (the peer restarting, a link dropped, a stream reset or
 * timed out) is worth a retry until the decision timeout; a peer that lied,
 * refused or is not the one the agreement names is not. A cancelled swap
 * aborts its open streams and retries nothing.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  StreamError,
  StreamErrorCode,
  isConnectionLoss as streamConnectionLost,
} from '../../protocols/stream/errors.js'
import {
  connectSwapPeer,
  hangUpPeer,
  openSwapChannel,
  type SwapChannel,
} from '../../protocols/swap-channel.js'
import { pause } from '../cancellable.js'
import type { Coordinator } from '../coordinator/coordinator.js'
import { BadPeerError, PeerNotInAgreementError, SwapAbortedError } from '../errors.js'
import type { BlockIndex } from '../index/block-index.js'
import type { ManifestExpectations } from '../index/manifest.js'
import { DIAL_RETRY_MS } from '../tuning.js'
import {
  type BlockSink,
  type FetchedManifest,
  type FetchJob,
  type FetchStats,
  fetchBlocks,
  fetchManifest,
} from './fetch.js'

/**
 * A lost connection, worth a retry over a new stream: the stream layer's
 * timeouts, closes and failed dials (it turns libp2p's own failures into
 * those), including a stream that ended where a message was due (the peer
 * may be restarting). Anything else (a lie, a refusal, a bug) is not retried.
 */
export function isConnectionLoss(err: unknown): boolean {
  return streamConnectionLost(err)
}

/** The connection reached a peer other than the one dialled. */
function isWrongPeer(err: unknown): boolean {
  return err instanceof StreamError && err.code === StreamErrorCode.WRONG_PEER
}

export interface PeerConnectionOptions {
  node: Libp2p
  peerAddrs: Multiaddr[]
  /** The peer the agreement names: a connection that reaches another is refused. */
  peerId: PeerId
  swapId: Uint8Array
  swapIdHex: string
  /** Parallel streams for blocks. */
  streams: number
  /** Block requests in flight per stream. */
  window: number
  maxBadBlocks: number
  /** Deadline of a dial (with its retries) and of every message on a stream (ms). */
  timeoutMs: number
  /** How long lost connections are retried (ms). */
  retryForMs: number
  /** Asked after a lost connection whether the swap was aborted meanwhile (then nothing is retried). */
  coordinator: Pick<Coordinator, 'status'>
  /** Aborts open streams and ends retries. */
  signal?: AbortSignal
  onNote: (message: string) => void
}

export class PeerConnection {
  constructor(private readonly o: PeerConnectionOptions) {}

  /**
   * Connects ahead (while this side indexes), so that the manifest exchange
   * finds a live connection (~40 ms of handshakes here); a failure only means
   * the first stream connects later.
   */
  preDial(): void {
    connectSwapPeer(
      this.o.node,
      this.o.peerAddrs,
      this.o.peerId,
      this.dialSignal(Date.now() + this.o.timeoutMs),
    ).catch(() => undefined)
  }

  /** The peer's signed manifest, checked against `expect`; its bytes are added to `bytes`. */
  fetchManifest(
    expect: ManifestExpectations,
    bytes: { sent: number; received: number },
  ): Promise<FetchedManifest> {
    return this.retrying('manifest', () =>
      this.withChannels(1, async ([ch]) => {
        try {
          const m = await fetchManifest(ch!, this.o.swapId, expect, this.o.timeoutMs)
          bytes.sent += ch!.bytesSent
          bytes.received += ch!.bytesReceived
          return m
        } finally {
          await ch!.close()
        }
      }),
    )
  }

  /**
   * Every job's block into `sink`, over `streams` streams; after a lost
   * connection, the blocks `sink` does not hold yet over new ones. A peer
   * that sent too many bad blocks is hung up on (BadPeerError).
   */
  async fetchBlocks(jobs: FetchJob[], target: BlockIndex, sink: BlockSink, stats: FetchStats): Promise<void> {
    const o = this.o
    try {
      await this.retrying('fetch', async () => {
        const missing = jobs.filter((j) => !sink.holds(j.slot))
        if (missing.length === 0) return
        await this.withChannels(o.streams, (channels) =>
          fetchBlocks(
            channels,
            missing,
            target,
            sink,
            { swapId: o.swapId, window: o.window, maxBadBlocks: o.maxBadBlocks, timeoutMs: o.timeoutMs },
            stats,
          ),
        )
      })
    } catch (err) {
      if (err instanceof BadPeerError) {
        o.onNote(err.message)
        await hangUpPeer(o.node, o.peerId).catch(() => undefined)
      }
      throw err
    }
  }

  /**
   * Runs `fn` again after a lost connection until `retryForMs`; gives up at
   * once on anything else, when the swap is cancelled, and when the
   * coordinator says the swap is already aborted.
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const o = this.o
    const deadline = Date.now() + o.retryForMs
    for (;;) {
      try {
        return await fn()
      } catch (err) {
        if (o.signal?.aborted === true || !isConnectionLoss(err) || Date.now() > deadline) throw err
        const s = await o.coordinator.status(o.swapIdHex)
        if (s.decision === 'aborted')
          throw new SwapAbortedError(o.swapIdHex, s.reason ?? 'aborted', { cause: err })
        o.onNote(`${what}: connection lost (${(err as Error).message}), retrying`)
        await pause(DIAL_RETRY_MS, o.signal)
      }
    }
  }

  /** `n` streams to the peer for `fn`, all aborted when the swap is cancelled meanwhile. */
  private async withChannels<T>(n: number, fn: (channels: SwapChannel[]) => Promise<T>): Promise<T> {
    const channels: SwapChannel[] = []
    const cancel = (): void => {
      const reason = new StreamError(StreamErrorCode.ABORTED, 'the swap was cancelled')
      for (const ch of channels) ch.abort(reason)
    }
    this.o.signal?.addEventListener('abort', cancel, { once: true })
    try {
      try {
        for (let k = 0; k < n; k++) channels.push(await this.open())
      } catch (err) {
        for (const ch of channels) ch.abort(err as Error)
        throw err
      }
      return await fn(channels)
    } finally {
      this.o.signal?.removeEventListener('abort', cancel)
    }
  }

  /** A stream to the peer, dialled again while it may be restarting, until `timeoutMs`. */
  private async open(): Promise<SwapChannel> {
    const o = this.o
    const deadline = Date.now() + o.timeoutMs
    for (;;) {
      try {
        return await openSwapChannel(o.node, o.peerAddrs, o.peerId, this.dialSignal(deadline))
      } catch (err) {
        const late = o.signal?.aborted === true || Date.now() + DIAL_RETRY_MS >= deadline
        // Another peer at the partner's address is dialled again until the deadline: the
        // partner's own system may still listen there while it leaves for its stateless
        // mode. Nothing is sent to it (the handshake names the peer before any frame).
        if (isWrongPeer(err) && late) {
          throw new PeerNotInAgreementError(
            `the peer at ${o.peerAddrs.join(', ')} is not ${o.peerId}, the peer the agreement names (${(err as Error).message}); check the peer's addresses`,
          )
        }
        if (late) throw err
        await pause(DIAL_RETRY_MS, o.signal)
      }
    }
  }

  /** Ends a dial at `deadline`, or when the swap is cancelled. */
  private dialSignal(deadline: number): AbortSignal {
    const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()))
    return this.o.signal === undefined ? timeout : AbortSignal.any([timeout, this.o.signal])
  }
}
