/**
 * Batch compression: zstd level 1 where it pays, raw where it does not.
 *
 * Incompressible data (random, already compressed) costs a wasted compress
 * call per batch, so after a few batches that did not pay the sender only
 * probes every PROBE_EVERY-th batch until one pays again.
 * Decompression writes into a buffer of exactly the expected size: a peer
 * cannot make us allocate more than the batch it was asked for (zstd bomb).
 */
import { compress } from 'zstd-napi'
import binding from 'zstd-napi/binding.js'
import { COMPRESS_MIN_SAVING, ZSTD_LEVEL } from '../../protocols/swap-constants.js'
import { SwapProtocolError } from '../errors.js'

const GIVE_UP_AFTER = 4
const PROBE_EVERY = 16

export class BatchCompressor {
  private misses = 0
  private skipped = 0

  constructor(private readonly enabled: boolean) {}

  /** zstd bytes if they save at least COMPRESS_MIN_SAVING, else null (send raw). */
  maybeCompress(raw: Uint8Array): Uint8Array | null {
    if (!this.enabled) return null
    if (this.misses >= GIVE_UP_AFTER && ++this.skipped % PROBE_EVERY !== 0) return null
    const c = compress(raw, { compressionLevel: ZSTD_LEVEL })
    if (c.length <= raw.length * (1 - COMPRESS_MIN_SAVING)) {
      this.misses = 0
      return c
    }
    this.misses++
    return null
  }
}

export class BatchDecompressor {
  private readonly dctx = new binding.DCtx()

  /**
   * Decompresses into exactly `rawLength` bytes. Throws SwapProtocolError
   * when the peer's data is not a zstd frame (BATCH_NOT_ZSTD) or not one of
   * that size (BATCH_RAW_LENGTH); the fetcher then counts the batch's blocks
   * bad and asks for them again.
   */
  decompress(data: Uint8Array, rawLength: number): Uint8Array {
    const out = new Uint8Array(rawLength)
    let n: number
    try {
      n = this.dctx.decompress(out, data)
    } catch (err) {
      throw new SwapProtocolError(
        'BATCH_NOT_ZSTD',
        `the peer's compressed batch of ${data.length} bytes does not decode as zstd into ${rawLength} bytes (${(err as Error).message}); its blocks are fetched again`,
        { cause: err },
      )
    }
    if (n !== rawLength) {
      throw new SwapProtocolError(
        'BATCH_RAW_LENGTH',
        `the peer's zstd batch holds ${n} bytes where ${rawLength} were asked for; its blocks are fetched again`,
      )
    }
    return out
  }
}
