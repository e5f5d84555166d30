/**
 * `vboom ledger owner|history|swap|entries`: queries of an anchor's ledger,
 * read from its data dir (the anchor must be stopped: LevelDB's lock). One
 * line per record, or JSON with --json.
 */
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { LedgerUnavailableError } from '../../anchor/errors.js'
import { loadAnchorKey } from '../../anchor/key.js'
import {
  describeEntry,
  describeLocation,
  describeSwap,
  entryToJson,
  Ledger,
  toJson,
} from '../../anchor/ledger/index.js'
import { UsageError } from '../../protocols/errors.js'

interface Flags {
  dataDir: string
  json?: boolean
}

/** Opens the anchor's ledger for reading; each failure says what to do. */
async function openAnchorLedger(dataDir: string): Promise<Ledger> {
  const dir = join(dataDir, 'ledger')
  try {
    await access(dir)
  } catch {
    throw new UsageError('NO_LEDGER', `no ledger in ${dataDir}; pass the anchor's data dir with -d`)
  }
  const anchorKey = await loadAnchorKey(dataDir)
  try {
    return await Ledger.open({ dir, anchorKey })
  } catch (err) {
    if (err instanceof LedgerUnavailableError && err.code === 'LEDGER_LOCKED') {
      throw new UsageError(
        'LEDGER_LOCKED',
        `the ledger in ${dataDir} is in use by a running anchor; stop it first, then query`,
      )
    }
    throw err
  }
}

async function withLedger(dataDir: string, fn: (l: Ledger) => Promise<void>): Promise<void> {
  const ledger = await openAnchorLedger(dataDir)
  try {
    await fn(ledger)
  } finally {
    await ledger.close()
  }
}

const out = (s: string): void => {
  process.stdout.write(`${s}\n`)
}

export function registerLedger(program: Command): Command {
  const ledger = program.command('ledger').description("query an anchor's ledger (the anchor stopped)")
  const dataDir = (c: Command): Command =>
    c.requiredOption('-d, --data-dir <dir>', "the anchor's data dir").option('--json', 'print JSON')

  dataDir(
    ledger.command('owner').argument('<location>').description('the owner of record of a location now'),
  ).action((location: string, flags: Flags) =>
    withLedger(flags.dataDir, async (l) => {
      const r = l.ownerOf(location)
      if (r === null)
        throw new UsageError(
          'UNKNOWN_LOCATION',
          `location ${location} is not in the ledger; check the id with "vboom ledger entries"`,
        )
      out(flags.json ? JSON.stringify(toJson(r), null, 2) : describeLocation(r))
    }),
  )

  dataDir(
    ledger.command('history').argument('<location>').description('every entry that touched a location'),
  ).action((location: string, flags: Flags) =>
    withLedger(flags.dataDir, async (l) => {
      const h = await l.history(location)
      if (flags.json) out(JSON.stringify(h.map(entryToJson), null, 2))
      else if (h.length === 0) out(`no entries for location ${location}`)
      else for (const e of h) out(describeEntry(e))
    }),
  )

  dataDir(
    ledger.command('swap').argument('<swap-id>', 'hex, 64 digits').description('the state of a swap'),
  ).action((swapId: string, flags: Flags) =>
    withLedger(flags.dataDir, async (l) => {
      if (!/^[0-9a-f]{64}$/.test(swapId))
        throw new UsageError(
          'BAD_SWAP_ID',
          `swap id "${swapId}" is not 64 hex digits; copy it from "vboom ledger entries"`,
        )
      const s = l.swapState(new Uint8Array(Buffer.from(swapId, 'hex')))
      if (s === null)
        throw new UsageError(
          'UNKNOWN_SWAP',
          `swap ${swapId} is not in the ledger; check the id with "vboom ledger entries"`,
        )
      out(flags.json ? JSON.stringify(toJson(s), null, 2) : describeSwap(s))
    }),
  )

  dataDir(ledger.command('entries').description('all entries, oldest first'))
    .option('--from <seq>', 'first entry number', '0')
    .action((flags: Flags & { from: string }) =>
      withLedger(flags.dataDir, async (l) => {
        if (!/^\d+$/.test(flags.from))
          throw new UsageError(
            'BAD_FLAG',
            `--from "${flags.from}" is not an entry number; give a whole number, 0 for the first entry`,
          )
        const all = []
        for await (const e of l.entries(BigInt(flags.from))) {
          if (flags.json) all.push(entryToJson(e))
          else out(describeEntry(e))
        }
        if (flags.json) out(JSON.stringify(all, null, 2))
      }),
    )
  return ledger
}
