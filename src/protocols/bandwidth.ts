/**
 * The bandwidth protocol (BANDWIDTH_PROTOCOL), a codec over the stream
 * layer (stream/). During a probe the probed peer (sender) pushes bytes to
 * the prober (sink), every message a length-prefixed frame:
 *
 *   sender -> sink   announce: u32 big-endian byte count N (4 bytes)
 *   sink -> sender   status: 1 byte (0 go, else a refusal)
 *   sender -> sink   N bytes of payload in frames of at most BANDWIDTH_CHUNK_BYTES, then half-close
 *   sink -> sender   ack: status 0 + u32 big-endian count received (= N) (5 bytes)
 *
 * The sender times from the go to the ack: N bytes delivered plus one
 * acknowledgement, in microseconds. With a small N the same exchange is one
 * round trip carrying N bytes, which is what the RTT benchmark asks for.
 *
 * The sink counts each payload frame and drops it; its channel holds at most
 * SINK_BUFFER_BYTES unread before it pauses the sender (SINK_MAX_HELD_BYTES
 * with the muxer's credit). It refuses announcements above its maximum
 * before any payload flows, rejects a sender that sends more or less than it
 * announced, and gives each transfer a deadline. Refusals and broken rules
 * are BandwidthError; deadlines and resets are StreamError.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  BANDWIDTH_CHUNK_BYTES,
  BANDWIDTH_PROTOCOL,
  DEFAULT_BANDWIDTH_SEND_TIMEOUT_MS,
  DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS,
  MAX_BANDWIDTH_TRANSFER_BYTES,
} from './anchor-constants.js'
import { VBoomError } from './errors.js'
import {
  type FramedChannel,
  handle,
  open,
  STREAM_RECEIVE_WINDOW_BYTES,
  StreamErrorCode,
  type StreamTarget,
  toStreamError,
  unhandle,
} from './stream/index.js'

/**
 * A bandwidth transfer was refused or broke the protocol. Codes: BW_TOO_LARGE
 * (the sender's own cap); the sink's refusals BW_REFUSED_TOO_LARGE,
 * BW_REFUSED_BUSY, BW_REFUSED_NOT_ALLOWED, BW_REFUSED_RATE_LIMITED;
 * BW_MALFORMED (a header, status or ack of the wrong size, a stream ended
 * before it), BW_EXCESS (more payload than announced), BW_TRUNCATED (less),
 * BW_BAD_ACK.
 */
export class BandwidthError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
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
const STATUS_BYTES = 1
const ACK_BYTES = 5
/** Unread payload the sink holds before it pauses the sender: four chunks, so a fast sender rarely waits on it. */
export const SINK_BUFFER_BYTES = 4 * BANDWIDTH_CHUNK_BYTES
/**
 * The most the sink ever holds unread, bytes: its buffer plus the credit a
 * paused sender still holds (yamux's largest stream window).
 */
export const SINK_MAX_HELD_BYTES = SINK_BUFFER_BYTES + STREAM_RECEIVE_WINDOW_BYTES

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

function deadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? t : AbortSignal.any([t, signal])
}

/** A frame of exactly `size` bytes, or BW_MALFORMED. */
async function receiveExact(
  ch: FramedChannel,
  size: number,
  what: string,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const f = await ch.receive({ signal })
  if (f === null) throw new BandwidthError('BW_MALFORMED', `stream ended where the ${what} was due`)
  if (f.byteLength !== size)
    throw new BandwidthError('BW_MALFORMED', `${what} of ${f.byteLength} bytes, ${size} expected`)
  return f.subarray()
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
 * BandwidthError (a refusal, a bad ack) or StreamError (a deadline, a reset).
 */
export async function sendBytes(
  node: Libp2p,
  target: StreamTarget,
  bytes: number,
  opts: SendBytesOptions = {},
): Promise<number> {
  const max = opts.maxBytes ?? MAX_BANDWIDTH_TRANSFER_BYTES
  if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > max || bytes > 0xffff_ffff)
    throw new BandwidthError('BW_TOO_LARGE', `cannot announce ${bytes} bytes (max ${max})`)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BANDWIDTH_SEND_TIMEOUT_MS
  const signal = deadline(timeoutMs, opts.signal)
  // Status and ack are the only frames the sink sends.
  const ch = await open(node, target, BANDWIDTH_PROTOCOL, { signal, timeoutMs, maxFrameBytes: ACK_BYTES })
  try {
    await ch.send(u32(bytes), { signal })
    const status = (await receiveExact(ch, STATUS_BYTES, 'status', signal))[0]!
    if (status !== BandwidthStatus.GO) {
      throw new BandwidthError(
        REFUSAL_CODES[status] ?? 'BW_MALFORMED',
        `sink refused the transfer (${status})`,
      )
    }
    const t0 = performance.now()
    // One zero-filled chunk, sent repeatedly: the content is encrypted on the wire, so zeros compress nowhere.
    const chunk = new Uint8Array(Math.min(BANDWIDTH_CHUNK_BYTES, Math.max(bytes, 1)))
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, chunk.byteLength)
      left -= n
      await ch.send(n === chunk.byteLength ? chunk : chunk.subarray(0, n), { signal })
    }
    await ch.close({ signal })
    const ack = await receiveExact(ch, ACK_BYTES, 'ack', signal)
    const us = (performance.now() - t0) * 1000
    const count = new DataView(ack.buffer, ack.byteOffset, ACK_BYTES).getUint32(1)
    if (ack[0] !== BandwidthStatus.GO || count !== bytes)
      throw new BandwidthError('BW_BAD_ACK', `sink acknowledged ${count} of ${bytes} bytes`)
    return us
  } catch (err) {
    ch.abort(err as Error)
    throw err
  }
}

/** What the sink reports about each transfer (for metrics and tests). */
export interface SinkOutcome {
  peer: PeerId
  /** 'ok', or the code of the refusal or failure (BandwidthError or StreamError). */
  outcome: string
  /** Bytes announced (0 when the header never arrived). */
  announced: number
  /** Payload bytes counted. */
  received: number
  /** Most unread bytes the sink held at once (its channel and the paused stream), bytes. */
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

/** One transfer on the sink's side; fills `o` as it goes. */
async function sink(
  ch: FramedChannel,
  o: SinkOutcome,
  opts: SinkHandlerOptions,
  maxBytes: number,
  signal: AbortSignal,
  admitted: () => void,
): Promise<void> {
  const head = await receiveExact(ch, HEADER_BYTES, 'header', signal)
  o.announced = new DataView(head.buffer, head.byteOffset, HEADER_BYTES).getUint32(0)
  // Rule: size first, before any payload is accepted.
  const status = o.announced > maxBytes ? BandwidthStatus.TOO_LARGE : opts.admit(o.peer, o.announced)
  // Admission holds the sink from here, whatever happens next: the release is owed.
  if (status === BandwidthStatus.GO) admitted()
  await ch.send(Uint8Array.of(status), { signal })
  if (status !== BandwidthStatus.GO) {
    o.outcome = REFUSAL_CODES[status] ?? 'BW_MALFORMED'
    await ch.close({ signal })
    return
  }
  const t0 = performance.now()
  while (o.received < o.announced) {
    const held = ch.bufferedBytes
    const f = await ch.receive({ signal })
    if (f === null) throw new BandwidthError('BW_TRUNCATED', `got ${o.received} of ${o.announced} bytes`)
    o.peakBufferedBytes = Math.max(o.peakBufferedBytes, held, ch.peakBufferedBytes)
    o.received += f.byteLength
    // Rule: never more than announced; a sender that did not wait for the go counts the same.
    if (o.received > o.announced)
      throw new BandwidthError('BW_EXCESS', `more than the ${o.announced} bytes announced`)
  }
  o.elapsedUs = (performance.now() - t0) * 1000
  opts.onComplete?.({ ...o })
  const ack = new Uint8Array(ACK_BYTES)
  ack[0] = BandwidthStatus.GO
  ack.set(u32(o.received), 1)
  await ch.send(ack, { signal })
  await ch.close({ signal })
}

/** Registers the sink's handler. Bad input from the network never throws out of the handler. */
export async function handleBandwidthSink(node: Libp2p, opts: SinkHandlerOptions): Promise<void> {
  const maxBytes = opts.maxBytes ?? MAX_BANDWIDTH_TRANSFER_BYTES
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS
  await handle(
    node,
    BANDWIDTH_PROTOCOL,
    async (ch) => {
      const signal = AbortSignal.timeout(timeoutMs)
      const o: SinkOutcome = {
        peer: ch.remotePeer,
        outcome: 'ok',
        announced: 0,
        received: 0,
        peakBufferedBytes: 0,
        elapsedUs: 0,
      }
      let admitted = false
      try {
        await sink(ch, o, opts, maxBytes, signal, () => {
          admitted = true
        })
        if (ch.error !== null) throw ch.error
      } catch (err) {
        const e =
          err instanceof BandwidthError
            ? err
            : toStreamError(err, 'bandwidth sink', StreamErrorCode.CLOSED, signal)
        o.outcome = e.code
        ch.abort(e)
      } finally {
        o.peakBufferedBytes = Math.max(o.peakBufferedBytes, ch.peakBufferedBytes)
        if (admitted) opts.onRelease?.()
        opts.onOutcome(o)
      }
    },
    {
      // Payload frames are the largest the sink reads; the header is 4 bytes.
      maxFrameBytes: BANDWIDTH_CHUNK_BYTES,
      maxBufferedBytes: SINK_BUFFER_BYTES,
      timeoutMs,
      maxInboundStreams: opts.maxInboundStreams ?? 2,
      maxOutboundStreams: 2,
    },
  )
}

export async function unhandleBandwidthSink(node: Libp2p): Promise<void> {
  await unhandle(node, BANDWIDTH_PROTOCOL)
}
