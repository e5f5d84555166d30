/**
 * `vboom ledger owner|history|swap|entries|balances|delegation`: queries of
 * an anchor's ledger. While the anchor runs they go to its control socket
 * (it holds the database); when it is stopped, to its data dir directly.
 * Both answer alike (src/anchor/ledger/queries.ts): one line per record, or
 * JSON with --json.
 */
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { AnchorNotRunningError, queryRunningAnchor } from '../../anchor/control-client.js'
import { LedgerUnavailableError } from '../../anchor/errors.js'
import { loadAnchorKey } from '../../anchor/key.js'
import { type Json, Ledger } from '../../anchor/ledger/index.js'
import {
  type QueryAnswer,
  queryBalances,
  queryDelegation,
  queryEntries,
  queryHistory,
  queryOwner,
  querySwap,
} from '../../anchor/ledger/queries.js'
import { UsageError } from '../../protocols/errors.js'

interface Flags {
  dataDir: string
  json?: boolean
}

/** Opens a stopped anchor's ledger for reading; each failure says what to do. */
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
        `the ledger in ${dataDir} is in use by a running anchor whose control socket does not answer; restart that anchor, or stop it, then query`,
      )
    }
    throw err
  }
}

async function withLedger<T>(dataDir: string, fn: (l: Ledger) => Promise<T> | T): Promise<T> {
  const ledger = await openAnchorLedger(dataDir)
  try {
    return await fn(ledger)
  } finally {
    await ledger.close()
  }
}

/**
 * Asks the running anchor (following `next` from page to page), or, when none
 * runs, the stopped anchor's database.
 */
async function ask(
  dataDir: string,
  remote: (next?: string) => string,
  local: (l: Ledger) => Promise<QueryAnswer> | QueryAnswer,
): Promise<QueryAnswer[]> {
  const answers: QueryAnswer[] = []
  try {
    let next: string | undefined
    do {
      const a = await queryRunningAnchor(dataDir, remote(next))
      answers.push(a)
      next = a.next
    } while (next !== undefined)
    return answers
  } catch (err) {
    if (!(err instanceof AnchorNotRunningError) || answers.length > 0) throw err
  }
  return [await withLedger(dataDir, local)]
}

function print(answers: QueryAnswer[], json: boolean | undefined, list: boolean): void {
  if (json) {
    const value: Json = list ? answers.flatMap((a) => a.json as Json[]) : answers[0]!.json
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  } else {
    for (const a of answers) for (const line of a.lines) process.stdout.write(`${line}\n`)
  }
}

const q = encodeURIComponent

export function registerLedger(program: Command): Command {
  const ledger = program
    .command('ledger')
    .description("query an anchor's ledger (through the running anchor, or its data dir when stopped)")
  const dataDir = (c: Command): Command =>
    c.requiredOption('-d, --data-dir <dir>', "the anchor's data dir").option('--json', 'print JSON')

  dataDir(
    ledger.command('owner').argument('<location>').description('the owner of record of a location now'),
  ).action(async (location: string, flags: Flags) =>
    print(
      await ask(
        flags.dataDir,
        () => `/owner?location=${q(location)}`,
        (l) => queryOwner(l, location),
      ),
      flags.json,
      false,
    ),
  )

  dataDir(
    ledger.command('history').argument('<location>').description('every entry that touched a location'),
  ).action(async (location: string, flags: Flags) =>
    print(
      await ask(
        flags.dataDir,
        () => `/history?location=${q(location)}`,
        (l) => queryHistory(l, location),
      ),
      flags.json,
      true,
    ),
  )

  dataDir(
    ledger.command('swap').argument('<swap-id>', 'hex, 64 digits').description('the state of a swap'),
  ).action(async (swapId: string, flags: Flags) =>
    print(
      await ask(
        flags.dataDir,
        () => `/swap?id=${q(swapId)}`,
        (l) => querySwap(l, swapId),
      ),
      flags.json,
      false,
    ),
  )

  dataDir(ledger.command('entries').description('all entries, oldest first'))
    .option('--from <seq>', 'first entry number', '0')
    .action(async (flags: Flags & { from: string }) =>
      print(
        await ask(
          flags.dataDir,
          (next) => `/entries?from=${q(next ?? flags.from)}`,
          (l) => queryEntries(l, flags.from),
        ),
        flags.json,
        true,
      ),
    )

  dataDir(
    ledger
      .command('balances')
      .description('what each owner received and paid for swaps and payments (the totals are equal)'),
  ).action(async (flags: Flags) =>
    print(await ask(flags.dataDir, () => '/balances', queryBalances), flags.json, false),
  )

  dataDir(
    ledger
      .command('delegation')
      .argument('<owner-key>', "the owner's public key, hex")
      .argument('<delegation-id>', "the delegation's id, hex")
      .description('whether a delegation is revoked'),
  ).action(async (owner: string, id: string, flags: Flags) =>
    print(
      await ask(
        flags.dataDir,
        () => `/delegation?owner=${q(owner)}&id=${q(id)}`,
        (l) => queryDelegation(l, owner, id),
      ),
      flags.json,
      false,
    ),
  )
  return ledger
}
