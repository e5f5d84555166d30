/**
 * One framed channel over a libp2p stream: length-prefixed frames, bounded
 * in memory both ways, a deadline per message.
 *
 * Receiving: the stream's 'message' event (never its async iterator, which
 * queues every chunk without bound while the reader is behind, as yamux
 * grants window on receipt, not on consumption) feeds a FrameDecoder; whole
 * frames wait in an inbox. Once the inbox holds `maxBufferedBytes` the stream
 * is paused: yamux stops granting window, so the peer can send only the credit
 * it holds (at most STREAM_RECEIVE_WINDOW_BYTES), which waits in the stream's
 * read buffer. Reading below the bound resumes it. The frame that crossed
 * the bound was itself within the credit, so unread bytes on the receiving
 * side (see `bufferedBytes`) never exceed maxBufferedBytes + the stream's
 * receive window: ~18 MiB for a swap stream (2.1 MiB + 16 MiB).
 *
 * Sending: each send appends its frames to the stream only once the stream
 * accepts data (waitForDrain), so the stream's write buffer holds at most one
 * send's frames; a peer that does not read holds the sender there, up to the
 * deadline.
 *
 * Frames are passed on as received (sublists of the stream's chunks) and sent
 * as given (the prefix is a chunk of its own): no copies either way.
 */
import type { PeerId, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  DEFAULT_BUFFERED_FRAMES,
  DEFAULT_MESSAGE_TIMEOUT_MS,
  MAX_FRAME_LIMIT_BYTES,
  MIN_BUFFERED_BYTES,
  STREAM_RECEIVE_WINDOW_BYTES,
} from './constants.js'
import { waitForDrain } from './drain.js'
import { StreamError, StreamErrorCode, streamError, toStreamError } from './errors.js'
import { encodePrefix, FrameDecoder, maxWireBytes } from './frame-decoder.js'

export interface ChannelOptions {
  /**
   * Largest frame body received, bytes: a longer length prefix fails the
   * channel (FRAME_TOO_LARGE) before its body is kept. Frames sent are the
   * caller's to bound (the peer applies its own limit).
   */
  maxFrameBytes: number
  /**
   * Received bytes held unread before the stream is paused. Raised to one
   * whole frame when smaller (a frame must fit). Default: two frames, at
   * least MIN_BUFFERED_BYTES.
   */
  maxBufferedBytes?: number
  /** Default deadline of each receive and of each send held by backpressure, ms; default DEFAULT_MESSAGE_TIMEOUT_MS. */
  timeoutMs?: number
  /** Names the channel in error messages, e.g. the protocol. */
  label?: string
}

export interface MessageOptions {
  /** This message's deadline, ms; default the channel's. */
  timeoutMs?: number
  /** Ends the wait early: ABORTED, or TIMEOUT when the signal is a deadline. */
  signal?: AbortSignal
}

type Frame = Uint8Array | Uint8ArrayList

interface Waiter {
  resolve: (frame: Uint8ArrayList | null) => void
  reject: (err: StreamError) => void
}

export class FramedChannel {
  /** Bytes written to the stream, prefixes included. */
  bytesSent = 0
  /** Bytes read from the stream, prefixes included. */
  bytesReceived = 0
  /** Largest number of unread bytes this channel held at once (inbox and partial frame), bytes. */
  peakBufferedBytes = 0
  readonly maxFrameBytes: number
  readonly maxBufferedBytes: number
  readonly timeoutMs: number

  private readonly decoder: FrameDecoder
  private readonly inbox: Uint8ArrayList[] = []
  private inboxBytes = 0
  private readonly waiters: Waiter[] = []
  private failure: StreamError | null = null
  private ended = false
  private paused = false
  private resuming = false
  private readonly what: string

  constructor(
    private readonly stream: Stream,
    readonly remotePeer: PeerId,
    opts: ChannelOptions,
  ) {
    if (!(opts.maxFrameBytes >= 0 && opts.maxFrameBytes <= MAX_FRAME_LIMIT_BYTES))
      throw new RangeError(`maxFrameBytes must be 0..${MAX_FRAME_LIMIT_BYTES}`)
    this.maxFrameBytes = opts.maxFrameBytes
    this.maxBufferedBytes = Math.max(
      opts.maxBufferedBytes ??
        Math.max(MIN_BUFFERED_BYTES, DEFAULT_BUFFERED_FRAMES * maxWireBytes(opts.maxFrameBytes)),
      maxWireBytes(opts.maxFrameBytes),
    )
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS
    this.what = `${opts.label ?? stream.protocol} stream with ${remotePeer.toString()}`
    this.decoder = new FrameDecoder(this.maxFrameBytes, this.what)
    // A paused stream keeps receiving the peer's remaining credit: room for all of it.
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, STREAM_RECEIVE_WINDOW_BYTES)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
    if (stream.readableEnded) this.ended = true
    else if (stream.status !== 'open' && stream.readBufferLength === 0) this.ended = true
  }

  /**
   * Unread bytes on the receiving side right now: whole frames waiting to be
   * read, the partial frame, and what the paused stream holds.
   */
  get bufferedBytes(): number {
    return this.inboxBytes + this.decoder.partialBytes + this.stream.readBufferLength
  }

  /** Bytes sent but still queued in the stream, waiting for the peer's window. */
  get unsentBytes(): number {
    return this.stream.writeBufferLength
  }

  /** The failure that ended this channel (a deadline, a reset, a bad frame, an abort), or null. */
  get error(): StreamError | null {
    return this.failure
  }

  /** True when a send would wait for the peer to read. */
  get blocked(): boolean {
    return this.stream.writableNeedsDrain
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    if (this.failure !== null) return
    this.bytesReceived += evt.data.byteLength
    try {
      this.inboxBytes += this.decoder.push(evt.data, this.inbox)
    } catch (err) {
      this.fail(err as StreamError)
      return
    }
    const held = this.inboxBytes + this.decoder.partialBytes
    if (held > this.peakBufferedBytes) this.peakBufferedBytes = held
    // Inside resume() the stream would undo a pause at once (it resumes the muxer after dispatching): pause after it.
    if (held >= this.maxBufferedBytes && !this.resuming) this.pause()
    this.wake()
  }

  private readonly onEnd = (): void => {
    this.ended = true
    this.wake()
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    if (evt.error !== undefined && this.failure === null) {
      this.failure = toStreamError(evt.error, this.what, StreamErrorCode.CLOSED)
    }
    // A clean close with nothing left unread is the end; unread data still comes (and 'end' after it).
    if (this.stream.readBufferLength === 0 && !this.paused) this.ended = true
    this.wake()
  }

  private pause(): void {
    if (this.paused) return
    if (this.stream.readStatus !== 'readable') return
    this.paused = true
    this.stream.pause()
  }

  private resumeIfRoom(): void {
    if (!this.paused || this.inboxBytes + this.decoder.partialBytes >= this.maxBufferedBytes) return
    this.paused = false
    if (this.stream.readStatus !== 'paused') return
    this.resuming = true
    try {
      // Dispatches what arrived while paused, synchronously, through onMessage.
      this.stream.resume()
    } finally {
      this.resuming = false
    }
    if (this.inboxBytes + this.decoder.partialBytes >= this.maxBufferedBytes) this.pause()
  }

  private take(): Uint8ArrayList {
    const frame = this.inbox.shift()!
    this.inboxBytes -= frame.byteLength
    this.resumeIfRoom()
    return frame
  }

  /** Settles waiting receives: frames first, in order, then the failure or the end. */
  private wake(): void {
    while (this.waiters.length > 0) {
      if (this.inbox.length > 0) {
        this.waiters.shift()!.resolve(this.take())
      } else if (this.failure !== null) {
        this.waiters.shift()!.reject(this.failure)
      } else if (this.ended) {
        const w = this.waiters.shift()!
        if (this.decoder.midFrame) {
          w.reject(this.endedMidFrame())
        } else {
          w.resolve(null)
        }
      } else {
        return
      }
    }
  }

  private endedMidFrame(): StreamError {
    return streamError(
      StreamErrorCode.CLOSED,
      this.what,
      `stream ended inside a frame (${this.decoder.partialBytes} bytes of it received)`,
    )
  }

  /** Fails the channel: every waiting and later call rejects with `err`, and the stream is reset. */
  private fail(err: StreamError): void {
    if (this.failure === null) this.failure = err
    this.stream.abort(this.failure)
    this.wake()
  }

  /**
   * The next frame as received (a list of the stream's chunks, not joined),
   * or null when the peer closed its side between frames. Throws StreamError:
   * TIMEOUT when no whole frame arrived within the deadline (the stream is
   * then reset), CLOSED when the stream was reset or ended inside a frame,
   * FRAME_TOO_LARGE, ABORTED.
   */
  receive(opts: MessageOptions = {}): Promise<Uint8ArrayList | null> {
    if (this.inbox.length > 0 && this.waiters.length === 0) return Promise.resolve(this.take())
    if (this.failure !== null) return Promise.reject(this.failure)
    if (this.ended && this.waiters.length === 0) {
      return this.decoder.midFrame ? Promise.reject(this.endedMidFrame()) : Promise.resolve(null)
    }
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    const signal = opts.signal
    return new Promise<Uint8ArrayList | null>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        this.fail(toStreamError(signal?.reason, this.what, StreamErrorCode.ABORTED, signal))
      }
      const timer = setTimeout(() => {
        this.fail(streamError(StreamErrorCode.TIMEOUT, this.what, `no whole message within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push({
        resolve: (f) => {
          done()
          resolve(f)
        },
        reject: (e) => {
          done()
          reject(e)
        },
      })
      if (signal?.aborted === true) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Sends one frame; see sendAll. */
  send(frame: Frame, opts: MessageOptions = {}): Promise<void> {
    return this.sendAll([frame], opts)
  }

  /**
   * Sends `frames` back to back in one write (no other send can come between
   * them), each as given after its own prefix. Waits first until the stream
   * accepts data, so a peer that does not read holds the sender here; throws
   * StreamError TIMEOUT when it held it past the deadline (the stream is then
   * reset), CLOSED, ABORTED. The peer applies its own frame limit.
   */
  async sendAll(frames: Frame[], opts: MessageOptions = {}): Promise<void> {
    if (this.failure !== null) throw this.failure
    const list = new Uint8ArrayList()
    for (const f of frames) {
      list.append(encodePrefix(f.byteLength))
      list.append(f)
    }
    // The deadline only matters (and its timer is only made) when the peer holds us back.
    const deadline = this.stream.writableNeedsDrain ? this.deadline(opts) : undefined
    try {
      if (deadline !== undefined) await waitForDrain(this.stream, this.what, deadline)
      this.bytesSent += list.byteLength
      this.stream.send(list)
    } catch (err) {
      const e = toStreamError(err, this.what, StreamErrorCode.CLOSED, deadline)
      this.fail(e)
      throw e
    }
  }

  /**
   * Half-close: we send nothing more; waits until what was sent is handed to
   * the muxer (up to the deadline). Receiving goes on until the peer closes.
   */
  async close(opts: MessageOptions = {}): Promise<void> {
    if (this.failure !== null) return
    const deadline = this.deadline(opts)
    try {
      await this.stream.close({ signal: deadline })
    } catch (err) {
      this.fail(toStreamError(err, this.what, StreamErrorCode.CLOSED, deadline))
    }
  }

  /** Resets the stream with `err`; waiting and later calls reject. */
  abort(err: Error): void {
    this.fail(
      err instanceof StreamError
        ? err
        : streamError(StreamErrorCode.ABORTED, this.what, `aborted: ${err.message}`, { cause: err }),
    )
  }

  private deadline(opts: MessageOptions): AbortSignal {
    const t = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs)
    return opts.signal === undefined ? t : AbortSignal.any([t, opts.signal])
  }
}
