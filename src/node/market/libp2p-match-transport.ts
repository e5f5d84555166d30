/**
 * The matching's transport over libp2p (/vboom/match/1.0.0, match-wire.ts):
 * what the agents run where the benchmark runs the in-memory network.
 *
 * Sending is fire and forget: a message is signed at once and queued for its
 * peer (at most MAX_QUEUED_PER_PEER; beyond, dropped and counted), and one
 * pump per peer opens a stream, writes what is queued, and closes it, every
 * step under the send deadline. A peer that crashed costs its own pump a
 * dial timeout and its queued messages, never a round: nothing here is
 * awaited by the matching, whose deadlines recover from what is lost.
 *
 * Receiving: each inbound stream carries up to MAX_FRAMES_PER_STREAM frames
 * (the stream layer's handle() closes our side once the sender's ends),
 * each at most MAX_NEGOTIATION_MESSAGE_BYTES (a longer one fails the stream
 * before its body is kept, counted as oversized). Every frame is validated
 * (validateMatchMessage: signature, delegation, adverts, sender = the
 * stream's peer, the receiver's session); a refusal is counted by class and
 * code and the frame dropped, never a crash. What passes goes to the
 * session's receiver.
 *
 * Tolerance for agents out of step (a clock a little off, timers that fire
 * late on a loaded or stalled host): a message of the session the driver
 * expects next (expect()) that arrives before it begins here is held, at
 * most MAX_HELD, and handed to the session once it has begun and ticked
 * its first round; without this, the proposals of agents a few hundred ms ahead were
 * refused as STALE_SESSION and their senders waited out proposalTtlRounds
 * for answers that never came. A message may name any of our adverts still
 * in force when the session began (published within one advert lifetime
 * before it), not only those published since: a republish just after the
 * start no longer makes the senders' views stale mid-session.
 */
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { Counter, type Registry } from 'prom-client'
import type { Advert } from '../../protocols/advert.js'
import { MATCH_PROTOCOL, MAX_NEGOTIATION_MESSAGE_BYTES } from '../../protocols/constants.js'
import { VBoomError } from '../../protocols/errors.js'
import { encodeMatchMessage, validateMatchMessage } from '../../protocols/match-wire.js'
import { handle, open, StreamError, StreamErrorCode, unhandle } from '../../protocols/stream/index.js'
import type { Logger } from '../../runtime/log.js'
import type { MarketView } from './market-view.js'
import type { MatchSession } from './matching-clock.js'
import type { MatchMessage, MatchTransport } from './matching-messages.js'

/**
 * Messages waiting for one peer: a round sends a peer a handful at most
 * (a proposal, an accept, a withdrawal, a pair step); 64 covers a stream
 * stalled for several rounds, after which older news is worthless anyway.
 */
export const MAX_QUEUED_PER_PEER = 64
/** Frames one inbound stream may carry: a pump's batch is at most the queue. */
export const MAX_FRAMES_PER_STREAM = MAX_QUEUED_PER_PEER
/**
 * The send deadline for a round length: four rounds, at least 2 s. A dial on
 * a loaded machine can take a second; a message later than staleAfterRounds
 * (3) rounds is dropped by its receiver anyway, so waiting longer only keeps
 * a dead peer's pump busy.
 */
export function sendTimeoutFor(roundMs: number): number {
  return Math.max(2_000, 4 * roundMs)
}
/**
 * Messages of the next session held until it begins: what the agents of a
 * class send one agent in its first rounds (a proposal, an accept, a notice
 * each, from up to candidateLimit + extraCandidates peers) fits in 256.
 */
export const MAX_HELD = 256
/** Concurrent matching streams per connection: one pump each way, and one overlapping. */
const MATCH_STREAMS = 4

export interface Libp2pMatchTransportInit {
  node: Libp2p
  /** The agent's raw Ed25519 key pair: signs every message. */
  agent: { secretKey: Uint8Array; publicKey: Uint8Array }
  /** The owner's SignedDelegation for the agent key, sent with every message. */
  delegation: Uint8Array
  /** The class market view: the sender's advert binds its messages, and only its agents are heard. */
  market: Pick<MarketView, 'get' | 'replacedSequenceSince'>
  ownAdvert: () => Advert | undefined
  /** The sequences of this agent's adverts published since a time, oldest first. */
  ownAdvertSequencesSince: (sinceMs: number) => bigint[]
  /** Deadline of each outbound step (dial, each frame, close), ms. */
  sendTimeoutMs: number
  metrics: Registry
  log: Logger
  now?: () => number
}

interface Queue {
  frames: Uint8Array[]
  running: boolean
}

export class Libp2pMatchTransport implements MatchTransport {
  private readonly now: () => number
  private readonly self: string
  private readonly queues = new Map<string, Queue>()
  private session: MatchSession | null = null
  private receiver: ((m: MatchMessage) => void) | null = null
  /** The session the driver runs next, and its messages that came before it began here. */
  private next: MatchSession | null = null
  private held: MatchMessage[] = []
  private started = false
  private readonly sent: Counter<'outcome'>
  private readonly received: Counter<'outcome'>
  private readonly refused: Counter<'reason'>

  constructor(private readonly init: Libp2pMatchTransportInit) {
    this.now = init.now ?? Date.now
    this.self = init.node.peerId.toString()
    this.sent = new Counter({
      name: 'vboom_match_sent_total',
      help: 'Matching messages this agent sent, by outcome (sent, queue-full, failed, no-advert, no-session)',
      labelNames: ['outcome'],
      registers: [init.metrics],
    })
    this.received = new Counter({
      name: 'vboom_match_received_total',
      help: 'Matching messages received and valid: handed to the session (delivered), held for the next one (held), or dropped with the hold full (held-full)',
      labelNames: ['outcome'],
      registers: [init.metrics],
    })
    this.refused = new Counter({
      name: 'vboom_match_refused_total',
      help: 'Matching messages refused, by error class and code (malformed, oversized, forged sender, stale session, ...)',
      labelNames: ['reason'],
      registers: [init.metrics],
    })
  }

  async start(): Promise<void> {
    await handle(this.init.node, MATCH_PROTOCOL, (ch) => this.serve(ch), {
      maxFrameBytes: MAX_NEGOTIATION_MESSAGE_BYTES,
      timeoutMs: this.init.sendTimeoutMs,
      maxInboundStreams: MATCH_STREAMS,
      maxOutboundStreams: MATCH_STREAMS,
      onError: (err) => this.streamFailed(err),
    })
    this.started = true
  }

  async stop(): Promise<void> {
    this.started = false
    this.end()
    this.queues.clear()
    await unhandle(this.init.node, MATCH_PROTOCOL).catch(() => {})
  }

  /** The session the driver will run next: its messages that arrive before it begins are held. */
  expect(next: MatchSession | null): void {
    if (next?.endMs !== this.next?.endMs) this.held = []
    this.next = next
  }

  /**
   * Messages of `session` go out bound to it, and those that belong to it go
   * to `receiver`; those held for it wait for releaseHeld().
   */
  begin(session: MatchSession, receiver: (m: MatchMessage) => void): void {
    this.session = session
    this.receiver = receiver
    if (this.next?.endMs !== session.endMs) this.held = []
    this.next = null
  }

  /** Hands the session begun the messages held for it, in their order of arrival. */
  releaseHeld(): void {
    const held = this.held
    this.held = []
    for (const m of held) this.hand(m)
  }

  /** Between sessions: nothing is sent; what arrives is dropped, unless it belongs to the next session. */
  end(): void {
    this.session = null
    this.receiver = null
  }

  /** Counts by label, for reports and tests. */
  async counts(): Promise<{
    sent: Record<string, number>
    received: Record<string, number>
    refused: Record<string, number>
  }> {
    return {
      sent: await byLabel(this.sent),
      received: await byLabel(this.received),
      refused: await byLabel(this.refused),
    }
  }

  send(m: MatchMessage): void {
    const session = this.session
    if (!this.started || session === null) {
      this.sent.inc({ outcome: 'no-session' })
      return
    }
    const own = this.init.ownAdvert()
    const theirs = this.init.market.get(m.to)
    if (own === undefined || theirs === undefined) {
      // The receiver left the market view (its advert expired): nothing to bind a message to.
      this.sent.inc({ outcome: 'no-advert' })
      return
    }
    let q = this.queues.get(m.to)
    if (q === undefined) {
      q = { frames: [], running: false }
      this.queues.set(m.to, q)
    }
    if (q.frames.length >= MAX_QUEUED_PER_PEER) {
      this.sent.inc({ outcome: 'queue-full' })
      return
    }
    let frame: Uint8Array
    try {
      frame = encodeMatchMessage(
        m,
        {
          fromAdvertSeq: own.sequence,
          toAdvertSeq: theirs.sequence,
          nowMs: this.now(),
          sessionEndMs: session.endMs,
        },
        { signed: this.init.delegation, full: true },
        this.init.agent,
      )
    } catch (err) {
      // A message over the size limit (a VIEW of too many candidates): the matching goes on without it.
      this.sent.inc({ outcome: 'failed' })
      this.init.log.warn(
        { code: (err as VBoomError).code, kind: m.kind },
        'a matching message could not be encoded',
      )
      return
    }
    q.frames.push(frame)
    if (!q.running) void this.pump(m.to, q)
  }

  /** Writes the peer's queue on a stream until it is empty; on failure drops what is queued. */
  private async pump(peer: string, q: Queue): Promise<void> {
    q.running = true
    const timeoutMs = this.init.sendTimeoutMs
    try {
      while (q.frames.length > 0 && this.started) {
        const ch = await open(this.init.node, peerIdFromString(peer), MATCH_PROTOCOL, {
          signal: AbortSignal.timeout(timeoutMs),
          timeoutMs,
          maxFrameBytes: 0,
        })
        try {
          while (q.frames.length > 0) {
            const frame = q.frames.shift()!
            await ch.send(frame, { timeoutMs })
            this.sent.inc({ outcome: 'sent' })
          }
          await ch.close({ timeoutMs })
        } catch (err) {
          ch.abort(err as Error)
          throw err
        }
      }
    } catch (err) {
      this.sent.inc({ outcome: 'failed' }, q.frames.length + 1)
      q.frames = []
      this.init.log.debug({ peer, code: (err as VBoomError).code }, 'matching messages to a peer were lost')
    } finally {
      q.running = false
    }
  }

  private async serve(ch: Parameters<Parameters<typeof handle>[2]>[0]): Promise<void> {
    const remote = ch.remotePeer.toString()
    for (let i = 0; i < MAX_FRAMES_PER_STREAM; i++) {
      const frame = await ch.receive()
      // The sender's side ended: handle() closes ours.
      if (frame === null) return
      this.deliver(frame.subarray(), remote)
    }
    // More frames than a pump sends at once: the rest are not read.
    ch.abort(new VBoomError('TOO_MANY_FRAMES', `more than ${MAX_FRAMES_PER_STREAM} frames on one stream`))
  }

  /** Validates one frame from `remote` and hands it to the session; refusals are counted, never thrown. */
  deliver(frame: Uint8Array, remote: string): void {
    const session = this.session
    const next = this.next
    let message: MatchMessage
    let early: boolean
    try {
      // Between sessions every message is of another session (STALE_SESSION), once it passes the
      // rest, unless it is of the next one. Our adverts a sender may name: those in force at the
      // session's start (published within one advert lifetime before it), and the current one.
      // The sender's: the one in our view, and the one it replaced since that same bound (a
      // sender that republished while its messages were queued).
      const current = this.init.ownAdvert()
      const lifetimeMs = current === undefined ? 0 : current.expiresAtMs - current.issuedAtMs
      const startMs = Math.min(session?.startMs ?? this.now(), next?.startMs ?? this.now())
      const own = this.init.ownAdvertSequencesSince(startMs - lifetimeMs)
      if (current !== undefined && !own.includes(current.sequence)) own.push(current.sequence)
      const v = validateMatchMessage(frame, {
        nowMs: this.now(),
        self: this.self,
        remotePeer: remote,
        ownAdvertSeqs: own,
        peerAdvertSeq: this.init.market.get(remote)?.sequence,
        peerReplacedAdvertSeq: this.init.market.replacedSequenceSince(remote, startMs - lifetimeMs),
        sessionEndMs: session?.endMs ?? null,
        nextSessionEndMs: next?.endMs ?? null,
      })
      message = v.message as MatchMessage
      early = v.early
    } catch (err) {
      if (!(err instanceof VBoomError)) throw err
      this.refused.inc({ reason: `${err.name}.${err.code}` })
      this.init.log.debug({ peer: remote, reason: `${err.name}.${err.code}` }, 'matching message refused')
      return
    }
    if (early) {
      if (this.held.length >= MAX_HELD) {
        this.received.inc({ outcome: 'held-full' })
        return
      }
      this.received.inc({ outcome: 'held' })
      this.held.push(message)
      return
    }
    this.hand(message)
  }

  /** Hands a valid message of the running session to its receiver. */
  private hand(message: MatchMessage): void {
    const receiver = this.receiver
    if (receiver === null) return
    const remote = message.from
    this.received.inc({ outcome: 'delivered' })
    try {
      receiver(message)
    } catch (err) {
      this.init.log.error({ err, peer: remote, kind: message.kind }, 'the matching failed on a valid message')
    }
  }

  private streamFailed(err: Error): void {
    // An oversized frame fails the stream before its body is read: a refusal like any other.
    if (err instanceof StreamError && err.code === StreamErrorCode.FRAME_TOO_LARGE) {
      this.refused.inc({ reason: `${err.name}.${err.code}` })
      return
    }
    this.init.log.debug({ code: (err as VBoomError).code }, 'matching stream failed')
  }
}

async function byLabel(c: Counter<string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const v of (await c.get()).values) {
    const label = Object.values(v.labels)[0]
    if (label !== undefined) out[String(label)] = v.value
  }
  return out
}
