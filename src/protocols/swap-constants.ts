/**
 * Protocol id and limits of the disk swap (SWAP_PROTOCOL below): what both
 * sides must agree on. Every number says why it is what it is. One side's own
 * tuning (streams, window, timeouts, pipeline depths) is in
 * src/swapper/tuning.ts.
 */

/** Block transfer and manifest exchange between the two agents of a swap. */
/**
 * 2.0.0: a BLOCKS response carries its bytes in a frame of their own after
 * the SwapResponse (BlockBatch.data stays empty), so neither side copies them.
 * 3.0.0: hash pages leave out the hashes of zero blocks (HashPage.zero_map).
 */
export const SWAP_PROTOCOL = '/vboom/swap/3.0.0'

/** Swap ids are 16-32 random bytes chosen at agreement time. */
export const MIN_SWAP_ID_BYTES = 16
export const MAX_SWAP_ID_BYTES = 32
/** Smallest useful block is a sector; above 1 MiB dedup is lost and batches get large. */
export const MIN_BLOCK_SIZE = 512
export const MAX_BLOCK_SIZE = 1024 * 1024
/** 2^32 blocks of 4 KiB is 16 TiB: block numbers are uint32 on the wire. */
export const MAX_BLOCK_COUNT = 2 ** 32 - 1
/** An encoded manifest header is ~200 bytes (ids, sizes, root, key). */
export const MAX_MANIFEST_HEADER_BYTES = 1024
export const MAX_HASH_ALG_LENGTH = 32
export const MAX_ROLE_LENGTH = 1

/** Hashes per manifest page: 16384 x 32 B = 512 KiB per message, 16 pages per GiB at 4 KiB blocks. */
export const HASH_PAGE_HASHES = 16384
/** Raw bytes per block batch: big enough to amortise per-message and zstd-call cost, small enough to bound memory. */
export const MAX_BATCH_BYTES = 1024 * 1024
/** Block numbers per request/batch: MAX_BATCH_BYTES of 512-byte blocks. */
export const MAX_BATCH_BLOCKS = MAX_BATCH_BYTES / MIN_BLOCK_SIZE
/** Any one message: a raw batch or a hash page plus protobuf and index overhead. */
export const MAX_SWAP_MESSAGE_BYTES = MAX_BATCH_BYTES + 64 * 1024
/**
 * Received bytes a swap stream holds unread before it pauses the peer: one
 * whole message waiting while the next arrives (2 x MAX_SWAP_MESSAGE_BYTES,
 * ~2.1 MiB). The peer's yamux credit (at most the 16 MiB stream window) comes
 * on top, so a stream holds at most ~18 MiB whatever the peer sends.
 */
export const SWAP_CHANNEL_BUFFER_BYTES = 2 * MAX_SWAP_MESSAGE_BYTES
/** Peer-supplied error text is short and never logged at info. */
export const MAX_ERROR_LENGTH = 256

/** zstd level 1: ~530 MB/s at ratio 4.7 on an ext4 image (STACK.md), faster than the link it saves. */
export const ZSTD_LEVEL = 1
/** Send a batch compressed only if zstd saves at least 1/8 of it; else raw, saving the receiver a decompress. */
export const COMPRESS_MIN_SAVING = 1 / 8

/**
 * Default deadline per swap message (ms), the stream channel's and the swap
 * agent's unless tuned: a batch is at most 1 MiB, so 30 s without a response
 * means the peer or the link is gone.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
