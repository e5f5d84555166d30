/**
 * The bandwidth protocol (`/vboom/bandwidth/1.0.0`): every raw stream call of
 * it, beside rpc-stream.ts, so the next stream API change touches these two
 * files only.
 *
 * During a probe the probed peer (sender) pushes bytes to the prober (sink):
 *
 *   sender -> sink   announce: u32 big-endian byte count N
 *   sink -> sender   status: 1 byte (0 go, else a refusal)
 *   sender -> sink   N bytes of payload, then half-close
 *   sink -> sender   ack: status 0 + u32 big-endian count received (= N)
 *
 * The sender times from the go to the ack: N bytes delivered plus one
 * acknowledgement, in microseconds. With a small N the same exchange is one
 * round trip carrying N bytes, which is what the RTT benchmark asks for.
 *
 * Both sides read through the stream's 'message' listener, never its async
 * iterator: libp2p 3's iterator queues every message without bound when the
 * reader falls behind, and yamux grants window on receipt, not on
 * consumption. The sink counts payload bytes there and drops each chunk at
 * once; it keeps the 4-byte header and holds one muxer frame at most, which
 * yamux caps at its stream window. The sender keeps 6 bytes (status, ack). It refuses announcements above its maximum before any
 * payload flows, rejects a sender that sends more or less than it announced,
 * and gives each transfer a deadline.
 */
import type {
  Connection,
  Libp2p,
  PeerId,
  Stream,
  StreamCloseEvent,
  StreamMessageEvent,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import {
  BANDWIDTH_CHUNK_BYTES,
  BANDWIDTH_PROTOCOL,
  DEFAULT_BANDWIDTH_SEND_TIMEOUT_MS,
  DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS,
  MAX_BANDWIDTH_TRANSFER_BYTES,
} from './anchor-constants.js'
import { ValidationError } from './errors.js'

/**
 * A bandwidth transfer failed. Codes: BW_TOO_LARGE (the sender's own cap);
 * the sink's refusals BW_REFUSED_TOO_LARGE, BW_REFUSED_BUSY,
 * BW_REFUSED_NOT_ALLOWED, BW_REFUSED_RATE_LIMITED; BW_MALFORMED (short header,
 * bad status, extra bytes), BW_EXCESS (more payload than announced),
 * BW_TRUNCATED (less), BW_BAD_ACK, BW_TIMEOUT, BW_STREAM (reset).
 */
export class BandwidthError extends ValidationError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('REJECT', code, message, options)
    this.name = 'BandwidthError'
  }
}

/** Sink answers to an announcement. */
export const BandwidthStatus = {
  GO: 0,
  TOO_LARGE: 1,
  BUSY: 2,
  NOT_ALLOWED: 3,
  RATE_LIMITED: 4,
} as const
export type BandwidthStatusCode = (typeof BandwidthStatus)[keyof typeof BandwidthStatus]

const REFUSAL_CODES: Record<number, string> = {
  [BandwidthStatus.TOO_LARGE]: 'BW_REFUSED_TOO_LARGE',
  [BandwidthStatus.BUSY]: 'BW_REFUSED_BUSY',
  [BandwidthStatus.NOT_ALLOWED]: 'BW_REFUSED_NOT_ALLOWED',
  [BandwidthStatus.RATE_LIMITED]: 'BW_REFUSED_RATE_LIMITED',
}

const HEADER_BYTES = 4
const ACK_BYTES = 5
/**
 * The most the sink holds at once, bytes: yamux's maximum stream window
 * (16 MiB, the muxer's default), since one data frame never exceeds the
 * window and the muxer hands a frame over whole. Also the stream's read
 * buffer cap: a sender that outruns the reader past it is reset.
 */
export const SINK_MAX_HELD_BYTES = 16 * 1024 * 1024

type Chunk = Uint8Array | Uint8ArrayList

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

/**
 * Watches a stream for a whole exchange, from before the first byte can
 * arrive: each chunk goes to `onChunk` in the stream's 'message' listener
 * and is dropped there (nothing is queued here; `onChunk` keeps at most a few
 * bytes). End of stream, reset and deadline are remembered, so none is missed
 * between two waits. `onChunk` may throw a BandwidthError to fail the exchange.
 */
class Inbox {
  private waiter: {
    ready: () => boolean
    onEnd: () => BandwidthError
    settle: (err?: unknown) => void
  } | null = null
  private failure: unknown = null
  private ended = false

  constructor(
    private readonly stream: Stream,
    private readonly signal: AbortSignal,
    private readonly onChunk: (c: Chunk) => void,
  ) {
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
    signal.addEventListener('abort', this.onDeadline, { once: true })
    if (signal.aborted) this.onDeadline()
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    if (this.failure !== null) return
    try {
      this.onChunk(evt.data)
    } catch (err) {
      this.failure = err
    }
    this.poke()
  }

  private readonly onEnd = (): void => {
    this.ended = true
    this.poke()
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    // A clean close after the last byte is not a failure: what was read stays read.
    if (evt.error !== undefined && this.failure === null)
      this.failure = new BandwidthError('BW_STREAM', `stream reset: ${evt.error.message}`, {
        cause: evt.error,
      })
    this.ended = true
    this.poke()
  }

  private readonly onDeadline = (): void => {
    if (this.failure === null) this.failure = new BandwidthError('BW_TIMEOUT', 'deadline passed')
    this.poke()
  }

  private poke(): void {
    const w = this.waiter
    if (w === null) return
    if (this.failure !== null) w.settle(this.failure)
    else if (w.ready()) w.settle()
    else if (this.ended) w.settle(w.onEnd())
  }

  /** Resolves once `ready()` holds; rejects on failure, or with `onEnd()` when the stream ends first. */
  wait(ready: () => boolean, onEnd: () => BandwidthError): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiter = {
        ready,
        onEnd,
        settle: (err?: unknown) => {
          this.waiter = null
          if (err === undefined) resolve()
          else reject(err)
        },
      }
      this.poke()
    })
  }

  close(): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('end', this.onEnd)
    this.stream.removeEventListener('close', this.onClose)
    this.signal.removeEventListener('abort', this.onDeadline)
  }
}

/** A fixed-size buffer for the few bytes of a header, status or ack; more than it holds is malformed. */
class SmallBuffer {
  readonly bytes: Uint8Array
  length = 0

  constructor(size: number) {
    this.bytes = new Uint8Array(size)
  }

  /** Appends up to `limit` bytes of `c` in total; returns how many bytes of `c` did not fit. */
  append(c: Chunk, limit: number = this.bytes.length): number {
    const take = Math.max(0, Math.min(limit - this.length, c.byteLength))
    if (take > 0) {
      this.bytes.set(c.subarray(0, take), this.length)
      this.length += take
    }
    return c.byteLength - take
  }
}

async function write(stream: Stream, data: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(data)) await stream.onDrain({ signal })
}

function wrap(err: unknown, what: string, timedOut: boolean): BandwidthError {
  if (err instanceof BandwidthError) return err
  if (timedOut) return new BandwidthError('BW_TIMEOUT', `${what}: deadline passed`, { cause: err })
  // onDrain rejects with the stream's close event when the peer resets it.
  if (err instanceof Event) {
    const cause = (err as StreamCloseEvent).error
    return new BandwidthError('BW_STREAM', `${what}: stream ${err.type}: ${cause?.message ?? 'no reason'}`, {
      cause,
    })
  }
  const e = err as Error
  return new BandwidthError('BW_STREAM', `${what}: ${e?.message ?? String(err)}`, { cause: err })
}

function deadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? t : AbortSignal.any([t, signal])
}

export interface SendBytesOptions {
  /** Dial to acknowledgement, ms; default DEFAULT_BANDWIDTH_SEND_TIMEOUT_MS. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Largest transfer this side will announce; default MAX_BANDWIDTH_TRANSFER_BYTES. */
  maxBytes?: number
}

/**
 * Sends `bytes` to the sink at `target`, respecting backpressure, and returns
 * the microseconds from the sink's go to its acknowledgement. Throws
 * BandwidthError (a refusal, a bad ack, a deadline, a reset).
 */
export async function sendBytes(
  node: Libp2p,
  target: PeerId | Multiaddr | Multiaddr[],
  bytes: number,
  opts: SendBytesOptions = {},
): Promise<number> {
  const max = opts.maxBytes ?? MAX_BANDWIDTH_TRANSFER_BYTES
  if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > max || bytes > 0xffff_ffff)
    throw new BandwidthError('BW_TOO_LARGE', `cannot announce ${bytes} bytes (max ${max})`)
  const signal = deadline(opts.timeoutMs ?? DEFAULT_BANDWIDTH_SEND_TIMEOUT_MS, opts.signal)
  let stream: Stream | undefined
  let inbox: Inbox | undefined
  try {
    stream = await node.dialProtocol(target, BANDWIDTH_PROTOCOL, { signal })
    const s = stream
    // Status (1 byte) then ack (ACK_BYTES): anything past them is malformed and never kept.
    const got = new SmallBuffer(1 + ACK_BYTES)
    inbox = new Inbox(s, signal, (c) => {
      if (got.append(c) > 0) throw new BandwidthError('BW_MALFORMED', 'sink sent more than status and ack')
    })
    const short = (): BandwidthError => new BandwidthError('BW_MALFORMED', 'sink ended the stream early')
    await write(s, u32(bytes), signal)
    await inbox.wait(() => got.length >= 1, short)
    const status = got.bytes[0]!
    if (status !== BandwidthStatus.GO) {
      throw new BandwidthError(
        REFUSAL_CODES[status] ?? 'BW_MALFORMED',
        `sink refused the transfer (${status})`,
      )
    }
    const t0 = performance.now()
    // One zero-filled chunk, sent repeatedly: the content is encrypted on the wire, so zeros compress nowhere.
    const chunk = new Uint8Array(Math.min(BANDWIDTH_CHUNK_BYTES, Math.max(bytes, 1)))
    let left = bytes
    while (left > 0) {
      const n = Math.min(left, chunk.byteLength)
      left -= n
      if (!s.send(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) await s.onDrain({ signal })
    }
    await s.close({ signal })
    await inbox.wait(() => got.length === 1 + ACK_BYTES, short)
    const us = (performance.now() - t0) * 1000
    const count = new DataView(got.bytes.buffer).getUint32(2)
    if (got.bytes[1] !== BandwidthStatus.GO || count !== bytes)
      throw new BandwidthError('BW_BAD_ACK', `sink acknowledged ${count} of ${bytes} bytes`)
    return us
  } catch (err) {
    const e = wrap(err, 'bandwidth transfer', signal.aborted)
    stream?.abort(e)
    throw e
  } finally {
    inbox?.close()
  }
}

/** What the sink reports about each transfer (for metrics and tests). */
export interface SinkOutcome {
  peer: PeerId
  /** 'ok', or the BandwidthError code of the refusal or failure. */
  outcome: string
  /** Bytes announced (0 when the header never arrived). */
  announced: number
  /** Payload bytes counted. */
  received: number
  /** Largest read buffer of the stream seen while receiving, bytes: what the sink ever had queued. */
  peakBufferedBytes: number
  /** From go to the last byte, as seen by the sink, microseconds (0 when refused). */
  elapsedUs: number
}

export interface SinkHandlerOptions {
  /** Largest announcement accepted; default MAX_BANDWIDTH_TRANSFER_BYTES. */
  maxBytes?: number
  /** Deadline of one transfer, header to ack, ms; default DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS. */
  timeoutMs?: number
  /** Concurrent inbound streams per connection; default 2. */
  maxInboundStreams?: number
  /** Admission after the size check: GO, or the refusal to answer. Called once per transfer. */
  admit: (peer: PeerId, announced: number) => BandwidthStatusCode
  /** Called once per transfer with its outcome; must not throw. */
  onOutcome: (o: SinkOutcome) => void
  /** Called when all announced bytes arrived, before the ack goes out (so the sender cannot outrun it); must not throw. */
  onComplete?: (o: SinkOutcome) => void
  /** Called when a transfer ends, whatever the outcome, if admit returned GO. */
  onRelease?: () => void
}

/** Registers the sink's handler. Bad input from the network never throws out of the handler. */
export async function handleBandwidthSink(node: Libp2p, opts: SinkHandlerOptions): Promise<void> {
  const maxBytes = opts.maxBytes ?? MAX_BANDWIDTH_TRANSFER_BYTES
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS
  await node.handle(
    BANDWIDTH_PROTOCOL,
    async (stream: Stream, connection: Connection) => {
      const peer = connection.remotePeer
      const signal = AbortSignal.timeout(timeoutMs)
      // The deadline: the inbox fails the waits at it; every other await takes the signal.
      stream.maxReadBufferLength = SINK_MAX_HELD_BYTES
      const o: SinkOutcome = {
        peer,
        outcome: 'ok',
        announced: 0,
        received: 0,
        peakBufferedBytes: 0,
        elapsedUs: 0,
      }
      let admitted = false
      const head = new SmallBuffer(HEADER_BYTES)
      // Header bytes are kept (4); everything after them is counted and dropped.
      let parsed = false
      const inbox = new Inbox(stream, signal, (c) => {
        const rest = head.length < HEADER_BYTES ? head.append(c) : c.byteLength
        if (!parsed && head.length === HEADER_BYTES) {
          o.announced = new DataView(head.bytes.buffer).getUint32(0)
          parsed = true
        }
        if (rest === 0) return
        o.received += rest
        o.peakBufferedBytes = Math.max(o.peakBufferedBytes, c.byteLength + stream.readBufferLength)
        // Rule: never more than announced; a sender that did not wait for the go counts the same.
        if (o.received > o.announced)
          throw new BandwidthError('BW_EXCESS', `more than the ${o.announced} bytes announced`)
      })
      try {
        await inbox.wait(
          () => head.length === HEADER_BYTES,
          () => new BandwidthError('BW_MALFORMED', `stream ended after ${head.length} header bytes`),
        )
        // Rule: size first, before any payload is accepted.
        const status = o.announced > maxBytes ? BandwidthStatus.TOO_LARGE : opts.admit(peer, o.announced)
        admitted = status === BandwidthStatus.GO
        await write(stream, Uint8Array.of(status), signal)
        if (!admitted) {
          o.outcome = REFUSAL_CODES[status] ?? 'BW_MALFORMED'
          await stream.close({ signal })
          return
        }
        const t0 = performance.now()
        await inbox.wait(
          () => o.received === o.announced,
          () => new BandwidthError('BW_TRUNCATED', `got ${o.received} of ${o.announced} bytes`),
        )
        o.elapsedUs = (performance.now() - t0) * 1000
        opts.onComplete?.({ ...o })
        const ack = new Uint8Array(ACK_BYTES)
        ack[0] = BandwidthStatus.GO
        ack.set(u32(o.received), 1)
        await write(stream, ack, signal)
        await stream.close({ signal })
      } catch (err) {
        const e = wrap(err, 'bandwidth sink', signal.aborted)
        o.outcome = e.code
        stream.abort(e)
      } finally {
        inbox.close()
        if (admitted) opts.onRelease?.()
        opts.onOutcome(o)
      }
    },
    { maxInboundStreams: opts.maxInboundStreams ?? 2, maxOutboundStreams: 2 },
  )
}

export async function unhandleBandwidthSink(node: Libp2p): Promise<void> {
  await node.unhandle(BANDWIDTH_PROTOCOL)
}
