/**
 * Limits and defaults of the stream layer. Every number says why it is what
 * it is; the protocols over the layer set their own frame limits.
 */

/**
 * The most a paused stream may still receive, bytes: yamux's largest stream
 * window (16 MiB, its default maximum and the swap node's window). Pausing
 * stops yamux's window updates, so the peer can send at most the credit it
 * already holds; the stream's read buffer is raised to this so that honest
 * credit never resets it (libp2p's default cap is 4 MiB).
 */
export const STREAM_RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024

/** A length prefix is an unsigned varint; 5 bytes hold any length up to 2^35 - 1, beyond every frame limit. */
export const MAX_PREFIX_BYTES = 5

/** Largest frame limit a channel accepts: 1 GiB, far above any protocol's (the swap's is ~1 MiB). */
export const MAX_FRAME_LIMIT_BYTES = 2 ** 30

/**
 * Received bytes a channel holds unread before it pauses the stream, when the
 * caller sets none: two whole frames (one being read while the next arrives),
 * at least 64 KiB so that tiny frames do not pause the stream at every message.
 */
export const MIN_BUFFERED_BYTES = 64 * 1024
export const DEFAULT_BUFFERED_FRAMES = 2

/**
 * Deadline of one message, when the caller sets none: from asking for a frame
 * to having all of it, and for a send blocked on backpressure. 30 s: a frame
 * is at most ~1 MiB in every protocol here, so a peer silent that long is gone.
 */
export const DEFAULT_MESSAGE_TIMEOUT_MS = 30_000
