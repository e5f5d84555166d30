/**
 * Limits of the ledger. Every number says why it is what it is.
 */
export { MAX_CLOCK_SKEW_MS, MAX_LOCATION_LENGTH } from '../../protocols/constants.js'

/** Ed25519 keys and SHA-256 hashes. */
export const KEY_BYTES = 32
export const HASH_BYTES = 32
/** Swap ids are hashes of the parties' agreement. */
export const SWAP_ID_BYTES = 32

/** A swap agreement is a few hundred bytes; 16 KiB leaves room for newer fields. */
export const MAX_AGREEMENT_BYTES = 16 * 1024
/** Labels, memos and abort reasons are for humans: a line of text. */
export const MAX_TEXT_LENGTH = 256
/** No action is signed by more than two parties (a swap's two owners, a transfer's two sides). */
export const MAX_PARTIES = 2
/** Largest stored entry: the biggest action (an agreement) plus two signatures and the envelope. */
export const MAX_ENTRY_BYTES = 20 * 1024
/** Largest action: leaves 1 KiB of the entry for seq, hashes, time and the signatures (~300 bytes). */
export const MAX_ACTION_BYTES = MAX_ENTRY_BYTES - 1024

/**
 * A signed action must reach the ledger within an hour of signing: enough for
 * a negotiation to finish and be registered, short enough that a signed but
 * forgotten action does not surface weeks later.
 */
export const MAX_ACTION_AGE_MS = 60 * 60 * 1000

/** All-zero prev_hash of the first entry. */
export const GENESIS_PREV_HASH = new Uint8Array(HASH_BYTES)
