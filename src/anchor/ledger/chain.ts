/**
 * Walks the stored chain from entry 0: checks each entry's key, seq, link to
 * its predecessor, anchor signature, party signatures and state rules, and
 * rebuilds the state as it goes. Stops at the first bad entry with a
 * LedgerCorruptError naming it.
 */
import type { Level } from 'level'
import { ValidationError } from '../../protocols/errors.js'
import { LedgerCorruptError } from '../errors.js'
import { type Bytes, decodeAction } from './actions.js'
import { GENESIS_PREV_HASH } from './constants.js'
import { checkAnchorSignature, openEntry, type StoredEntry } from './entry.js'
import { LedgerState } from './state.js'

export type LedgerDb = Level<string, Uint8Array>

/** Entries live under `e!<seq as 16 hex digits>`, so key order is chain order. */
const ENTRY_PREFIX = 'e!'
export const entryKey = (seq: bigint): string => ENTRY_PREFIX + seq.toString(16).padStart(16, '0')
export const seqOfKey = (key: string): bigint => BigInt(`0x${key.slice(ENTRY_PREFIX.length)}`)
export const ENTRY_RANGE = { gte: ENTRY_PREFIX, lt: 'e"' } as const

export interface ChainHead {
  seq: bigint
  hash: Bytes
}

export interface ReplayResult {
  state: LedgerState
  head: ChainHead | null
  entries: number
}

export interface ReplayOptions {
  anchorPublicKey: Bytes
  /**
   * true: check every anchor and party signature (verify-ledger).
   * false: check links, rules and the head's anchor signature only (open):
   * an edit anywhere breaks the next entry's link or, at the head, its signature.
   */
  checkAllSignatures: boolean
  /** Called with each good entry, in order. */
  onEntry?: (stored: StoredEntry) => void
}

export async function replayChain(db: LedgerDb, opts: ReplayOptions): Promise<ReplayResult> {
  const state = new LedgerState(opts.anchorPublicKey)
  let expected = 0n
  let prevHash: Bytes = GENESIS_PREV_HASH
  let last: StoredEntry | null = null
  for await (const [key, raw] of db.iterator(ENTRY_RANGE)) {
    if (key !== entryKey(expected)) {
      const code = key > entryKey(expected) ? 'MISSING_ENTRY' : 'BAD_KEY'
      throw new LedgerCorruptError(code, expected, `entry ${expected}: found key ${key} instead`)
    }
    const stored = openEntry(raw, expected)
    const { entry } = stored
    if (!Buffer.from(entry.prevHash).equals(Buffer.from(prevHash))) {
      throw new LedgerCorruptError(
        'BROKEN_LINK',
        expected,
        `entry ${expected}: prev_hash does not match entry ${expected - 1n}`,
      )
    }
    if (opts.checkAllSignatures) checkAnchorSignature(stored, opts.anchorPublicKey)
    try {
      const action = decodeAction(entry.action)
      state.check(action, entry.action, entry.parties, entry.appendedAtMs, opts.checkAllSignatures)
      state.apply(action, entry.action, expected)
    } catch (err) {
      // A rule broken (the ledger's, or an agreement's or delegation's validator): the entry is not what the anchor wrote.
      if (!(err instanceof ValidationError)) throw err
      throw new LedgerCorruptError(`ACTION_${err.code}`, expected, `entry ${expected}: ${err.message}`, {
        cause: err,
      })
    }
    opts.onEntry?.(stored)
    last = stored
    prevHash = stored.hash
    expected++
  }
  if (last !== null && !opts.checkAllSignatures) checkAnchorSignature(last, opts.anchorPublicKey)
  return {
    state,
    head: last === null ? null : { seq: last.entry.seq, hash: last.hash },
    entries: Number(expected),
  }
}
