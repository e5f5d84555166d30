/**
 * Batch compression: zstd level 1 where it pays, raw where it does not.
 *
 * Incompressible data (random, already compressed) costs a wasted compress
 * call per batch, so after a few batches that did not pay the sender only
 * probes every PROBE_EVERY-th batch until one pays again.
 *
 * The binding is @toondepauw/node-zstd: libzstd built per platform and
 * shipped in the registry's packages, so installing needs no compiler and no
 * download (bench:zstd compares it with the others on the swap's own data).
 * Its decoder returns whatever a frame holds, so a peer's frame is outlined
 * first (zstd-frame.ts) and refused unless it is exactly one frame whose
 * blocks cannot decode to more than MAX_DECODED_RATIO times the batch asked
 * for: a peer cannot make us allocate more than that (zstd bomb). What it
 * decodes to must then be exactly the batch's size.
 */
import { createRequire } from 'node:module'
import { COMPRESS_MIN_SAVING, ZSTD_LEVEL } from '../../protocols/swap-constants.js'
import { SwapError, SwapProtocolError } from '../errors.js'
import { outlineZstdFrame } from './zstd-frame.js'

const GIVE_UP_AFTER = 4
const PROBE_EVERY = 16
/**
 * Most a frame may decode to, over the batch's size, plus one 128 KiB block.
 * Honest frames stay well under it: recent libzstd splits level-1 blocks, and
 * 1 MiB batches of ext4 images outline to at most 2.125 times their size
 * (bench:zstd); a small batch in a frame with a larger window outlines to one
 * whole 128 KiB block. A peer can thus make us decode at most 16.1 MiB for a
 * 1 MiB batch before its size is found wrong.
 */
const MAX_DECODED_RATIO = 16
const ONE_BLOCK = 128 * 1024

type ZstdBinding = typeof import('@toondepauw/node-zstd')

let binding: ZstdBinding | null = null

/** Loaded on first use (not at import), so a missing binding says what to do where it is needed. */
function zstd(): ZstdBinding {
  if (binding !== null) return binding
  try {
    binding = createRequire(import.meta.url)('@toondepauw/node-zstd') as ZstdBinding
  } catch (err) {
    throw new SwapError(
      'ZSTD_BINDING_MISSING',
      `zstd is not available for ${process.platform}-${process.arch} (${(err as Error).message.split('\n')[0]}): reinstall with npm ci, optional dependencies included (no --omit=optional), so that the prebuilt @toondepauw/node-zstd package for this platform is installed`,
      { cause: err },
    )
  }
  return binding
}

export class BatchCompressor {
  private misses = 0
  private skipped = 0
  private readonly encoder: InstanceType<ZstdBinding['Encoder']> | null

  constructor(enabled: boolean) {
    this.encoder = enabled ? new (zstd().Encoder)(ZSTD_LEVEL) : null
  }

  /** zstd bytes if they save at least COMPRESS_MIN_SAVING, else null (send raw). */
  maybeCompress(raw: Uint8Array): Uint8Array | null {
    if (this.encoder === null) return null
    if (this.misses >= GIVE_UP_AFTER && ++this.skipped % PROBE_EVERY !== 0) return null
    const c = this.encoder.encodeSync(asBuffer(raw))
    if (c.length <= raw.length * (1 - COMPRESS_MIN_SAVING)) {
      this.misses = 0
      return c
    }
    this.misses++
    return null
  }
}

export class BatchDecompressor {
  private readonly decoder = new (zstd().Decoder)()

  /**
   * The `rawLength` bytes a peer's zstd frame holds. Throws SwapProtocolError
   * (SWAP_ZSTD_MALFORMED, SWAP_ZSTD_TOO_LARGE, SWAP_ZSTD_SIZE, SWAP_ZSTD_CORRUPT)
   * where it is not one frame of exactly that size.
   */
  decompress(data: Uint8Array, rawLength: number): Uint8Array {
    const frame = outlineZstdFrame(data)
    // rule: a frame that declares its size declares the batch's
    if (frame.contentSize !== null && frame.contentSize !== rawLength)
      sizeMismatch(frame.contentSize, rawLength)
    // rule: no frame that could decode to far more than the batch (zstd bomb)
    if (frame.maxDecodedSize > rawLength * MAX_DECODED_RATIO + ONE_BLOCK) {
      throw new SwapProtocolError(
        'SWAP_ZSTD_TOO_LARGE',
        `a compressed block batch of ${rawLength} bytes came as a zstd frame that can decode to ${frame.maxDecodedSize} bytes; refused unread, its blocks are counted bad and fetched again`,
      )
    }
    let out: Buffer
    try {
      out = this.decoder.decodeSync(asBuffer(data))
    } catch (err) {
      throw new SwapProtocolError(
        'SWAP_ZSTD_CORRUPT',
        `a compressed block batch does not decode (${(err as Error).message}); its blocks are counted bad and fetched again`,
        { cause: err },
      )
    }
    if (out.length !== rawLength) sizeMismatch(out.length, rawLength)
    return out
  }
}

/** A Buffer view of the same bytes (the binding's declared parameter type), no copy. */
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)

function sizeMismatch(got: number, want: number): never {
  throw new SwapProtocolError(
    'SWAP_ZSTD_SIZE',
    `a compressed block batch holds ${got} bytes where ${want} were asked for; its blocks are counted bad and fetched again`,
  )
}
