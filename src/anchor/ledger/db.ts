/**
 * Opens the ledger's LevelDB, mapping a lock held by another process to a
 * typed error that says so.
 */
import { Level } from 'level'
import { LedgerUnavailableError } from '../errors.js'
import type { LedgerDb } from './chain.js'

/** `create: false` (verify) refuses a missing ledger instead of creating an empty one that verifies. */
export async function openLedgerDb(
  dir: string,
  opts: { create: boolean } = { create: true },
): Promise<LedgerDb> {
  const db: LedgerDb = new Level<string, Uint8Array>(dir, {
    keyEncoding: 'utf8',
    valueEncoding: 'view',
    createIfMissing: opts.create,
  })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if ((err as { code?: string }).code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED') {
      throw new LedgerUnavailableError(
        'LEDGER_LOCKED',
        `ledger ${dir} is already in use by another process; stop it (a running anchor) first`,
        {
          cause: err,
        },
      )
    }
    if (!opts.create && /does not exist/.test(String((err as { cause?: unknown }).cause ?? err))) {
      throw new LedgerUnavailableError('LEDGER_MISSING', `no ledger at ${dir}; pass the anchor's data dir`, {
        cause: err,
      })
    }
    throw new LedgerUnavailableError(
      'LEDGER_OPEN_FAILED',
      `cannot open ledger ${dir} (${String((err as Error).message ?? err)}); check its permissions and free disk space`,
      { cause: err },
    )
  }
  return db
}
