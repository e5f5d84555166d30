/**
 * The swapper's native addon, native/build/blake3_batch.node (built on `npm
 * ci` by scripts/build-native.mjs from native/*.c and the official BLAKE3 C
 * sources), loaded once. Null where it was not built (no C compiler or no
 * BLAKE3 sources: the build said so) or VBOOM_HASH_BATCH=0; every caller has
 * a slower path that gives the same results.
 */
import { createRequire } from 'node:module'

export interface NativeSwapper {
  /** BLAKE3-256 of each whole block of `data` into `out` (32 bytes each), many blocks per call (blake3-batch.c). */
  hashBlocks(data: Uint8Array, blockSize: number, out: Uint8Array): void
  /** The same, all-zero blocks recognised (memcmp) and given `zeroHash` unhashed. */
  hashBlocksSkippingZeros(data: Uint8Array, blockSize: number, out: Uint8Array, zeroHash: Uint8Array): void
  /** The same over `length` bytes of `fd` from `position`, its pages mapped, on the thread pool (hash-mapped.c). */
  hashMappedBlocks?(
    fd: number,
    position: number,
    length: number,
    blockSize: number,
    out: Uint8Array,
    zeroHash: Uint8Array,
  ): Promise<void>
}

function load(): NativeSwapper | null {
  if (process.env.VBOOM_HASH_BATCH === '0') return null
  const require = createRequire(import.meta.url)
  // from src/swapper/index/ (tests), or dist/src/swapper/{index,local}/ (compiled, bundled)
  for (const path of [
    '../../../native/build/blake3_batch.node',
    '../../../../native/build/blake3_batch.node',
  ]) {
    try {
      return require(path) as NativeSwapper
    } catch (err) {
      // not built is normal (build-native.mjs said so); built but unloadable is not
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND')
        process.emitWarning(
          `the native addon at ${path} does not load (${(err as Error).message}); hashing one block per call. Rebuild with npm run build:native`,
        )
    }
  }
  return null
}

export const native = load()
