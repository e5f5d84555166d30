/**
 * Length-prefixed frames (unsigned varint length, then that many bytes: the
 * framing of it-length-prefixed and libp2p's lpStream) cut from the chunks a
 * stream delivers. A frame is a sublist of the received chunks, never a copy.
 * The length is checked as soon as its prefix is read: a frame over the limit
 * fails before any of its body is kept.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { MAX_PREFIX_BYTES } from './constants.js'
import { StreamErrorCode, streamError } from './errors.js'

/** The most a frame of this limit can take on the wire, prefix included. */
export function maxWireBytes(maxFrameBytes: number): number {
  return maxFrameBytes + MAX_PREFIX_BYTES
}

/** The unsigned varint prefix of `length`. */
export function encodePrefix(length: number): Uint8Array {
  const out = new Uint8Array(MAX_PREFIX_BYTES)
  let n = length
  let i = 0
  while (n >= 0x80) {
    out[i++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  out[i++] = n
  return out.subarray(0, i)
}

export class FrameDecoder {
  /** Bytes of the frame being received (its prefix while that is incomplete). */
  private readonly partial = new Uint8ArrayList()
  /** Body length of the frame being received; -1 while its prefix is incomplete. */
  private bodyLength = -1

  constructor(
    readonly maxFrameBytes: number,
    private readonly what: string,
  ) {}

  /** Bytes held of a frame not yet whole. */
  get partialBytes(): number {
    return this.partial.byteLength
  }

  /** True when the bytes received so far end inside a frame. */
  get midFrame(): boolean {
    return this.bodyLength >= 0 || this.partial.byteLength > 0
  }

  /**
   * Appends `chunk` and pushes the frames it completes onto `out`; returns
   * their total length. Throws StreamError FRAME_TOO_LARGE (and drops what it
   * held) on a length prefix over the limit.
   */
  push(chunk: Uint8Array | Uint8ArrayList, out: Uint8ArrayList[]): number {
    this.partial.append(chunk)
    let bytes = 0
    for (;;) {
      if (this.bodyLength < 0) {
        const prefix = this.readPrefix()
        if (prefix === null) return bytes
        this.partial.consume(prefix.size)
        this.bodyLength = prefix.length
      }
      if (this.partial.byteLength < this.bodyLength) return bytes
      const frame = this.partial.sublist(0, this.bodyLength)
      this.partial.consume(this.bodyLength)
      this.bodyLength = -1
      out.push(frame)
      bytes += frame.byteLength
    }
  }

  /** The prefix at the start of `partial`, or null while incomplete; throws when over the limit. */
  private readPrefix(): { length: number; size: number } | null {
    let length = 0
    const have = Math.min(this.partial.byteLength, MAX_PREFIX_BYTES)
    for (let i = 0; i < have; i++) {
      const b = this.partial.get(i)
      length += (b & 0x7f) * 2 ** (7 * i)
      // Rule: the limit is checked on the prefix, so an oversized body is never buffered.
      if (length > this.maxFrameBytes) this.tooLarge(length, b & 0x80 ? 'at least ' : '')
      if ((b & 0x80) === 0) return { length, size: i + 1 }
    }
    if (have === MAX_PREFIX_BYTES) this.tooLarge(length, 'at least ')
    return null
  }

  private tooLarge(length: number, qualifier: string): never {
    this.partial.consume(this.partial.byteLength)
    this.bodyLength = -1
    throw streamError(
      StreamErrorCode.FRAME_TOO_LARGE,
      this.what,
      `a frame of ${qualifier}${length} bytes announced, at most ${this.maxFrameBytes} accepted`,
    )
  }
}
