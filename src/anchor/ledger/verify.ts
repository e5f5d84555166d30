/**
 * `verify-ledger`: walks the whole chain checking everything, and reports
 * either the head or the first bad entry.
 */
import { LedgerCorruptError } from '../errors.js'
import { type Bytes, hex } from './actions.js'
import { type LedgerDb, replayChain } from './chain.js'
import { openLedgerDb } from './db.js'

export type VerifyReport =
  | { ok: true; entries: number; headSeq: bigint | null; headHash: string | null }
  | { ok: false; entries: number; firstBad: { seq: bigint; code: string; message: string } }

/** Verifies an open database (a consistent snapshot: concurrent appends are not seen). */
export async function verifyChain(db: LedgerDb, anchorPublicKey: Bytes): Promise<VerifyReport> {
  let good = 0
  try {
    const r = await replayChain(db, {
      anchorPublicKey,
      checkAllSignatures: true,
      onEntry: () => {
        good++
      },
    })
    return {
      ok: true,
      entries: r.entries,
      headSeq: r.head?.seq ?? null,
      headHash: r.head === null ? null : hex(r.head.hash),
    }
  } catch (err) {
    if (!(err instanceof LedgerCorruptError)) throw err
    return { ok: false, entries: good, firstBad: { seq: err.seq, code: err.code, message: err.message } }
  }
}

/**
 * Verifies the ledger stored in `dir` against the anchor's public key. The
 * anchor must not have it open (LevelDB's lock); a running anchor verifies
 * through `Ledger.verify()`.
 */
export async function verifyLedger(dir: string, anchorPublicKey: Bytes): Promise<VerifyReport> {
  const db = await openLedgerDb(dir, { create: false })
  try {
    return await verifyChain(db, anchorPublicKey)
  } finally {
    await db.close()
  }
}
