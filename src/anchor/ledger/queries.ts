/**
 * The ledger's queries as `vboom ledger` and the live view ask them: the
 * owner of a location, its history, a swap's state, entries from N, the
 * owners' balances, a delegation's revocation. Each answers with both forms
 * the CLI prints (JSON-safe data and human lines), so the running anchor's
 * control socket and a direct read of a stopped anchor's database answer
 * alike. Bad arguments and unknown ids are LedgerQueryError, saying what to do.
 */
import { DELEGATION_ID_BYTES } from '../../protocols/constants.js'
import { LedgerQueryError } from '../errors.js'
import { hex } from './actions.js'
import {
  balancesToJson,
  describeBalances,
  describeEntry,
  describeLocation,
  describeSwap,
  entryToJson,
  type Json,
  toJson,
} from './format.js'
import type { Ledger } from './ledger.js'

export interface QueryAnswer {
  json: Json
  lines: string[]
  /** Entries: the number of the next entry to ask for, when this answer stopped at its limit. */
  next?: string
}

/** Entries per answer over the control socket: ~1 KiB of JSON each, so a page stays around a megabyte. */
export const ENTRIES_PAGE = 1000

const HEX_ID = /^[0-9a-f]{64}$/

export function queryOwner(l: Ledger, location: string): QueryAnswer {
  const r = l.ownerOf(location)
  if (r === null)
    throw new LedgerQueryError(
      'UNKNOWN_LOCATION',
      `location ${location} is not in the ledger; check the id with "vboom ledger entries"`,
    )
  return { json: toJson(r), lines: [describeLocation(r)] }
}

export async function queryHistory(l: Ledger, location: string): Promise<QueryAnswer> {
  const h = await l.history(location)
  return {
    json: h.map(entryToJson),
    lines: h.length === 0 ? [`no entries for location ${location}`] : h.map(describeEntry),
  }
}

export function querySwap(l: Ledger, swapId: string): QueryAnswer {
  if (!HEX_ID.test(swapId))
    throw new LedgerQueryError(
      'BAD_SWAP_ID',
      `swap id "${swapId}" is not 64 hex digits; copy it from "vboom ledger entries"`,
    )
  const s = l.swapState(new Uint8Array(Buffer.from(swapId, 'hex')))
  if (s === null)
    throw new LedgerQueryError(
      'UNKNOWN_SWAP',
      `swap ${swapId} is not in the ledger; check the id with "vboom ledger entries"`,
    )
  return { json: toJson(s), lines: [describeSwap(s)] }
}

/** Entries from `from` on, at most `limit` of them (all when none is given). */
export async function queryEntries(l: Ledger, from: string, limit?: number): Promise<QueryAnswer> {
  if (!/^\d{1,19}$/.test(from))
    throw new LedgerQueryError(
      'BAD_FLAG',
      `--from "${from}" is not an entry number; give a whole number, 0 for the first entry`,
    )
  const json: Json[] = []
  const lines: string[] = []
  let next: bigint | undefined
  for await (const e of l.entries(BigInt(from))) {
    if (limit !== undefined && json.length >= limit) {
      next = e.seq
      break
    }
    json.push(entryToJson(e))
    lines.push(describeEntry(e))
  }
  return next === undefined ? { json, lines } : { json, lines, next: next.toString() }
}

export function queryBalances(l: Ledger): QueryAnswer {
  const b = l.balances()
  return { json: balancesToJson(b), lines: describeBalances(b) }
}

export function queryDelegation(l: Ledger, owner: string, id: string): QueryAnswer {
  if (!HEX_ID.test(owner) || !new RegExp(`^[0-9a-f]{${DELEGATION_ID_BYTES * 2}}$`).test(id))
    throw new LedgerQueryError(
      'BAD_DELEGATION_REF',
      `a delegation is named by its owner key (64 hex digits) and id (${DELEGATION_ID_BYTES * 2} hex digits); "vboom owner delegate" printed both`,
    )
  const seq = l.revokedAt(new Uint8Array(Buffer.from(owner, 'hex')), new Uint8Array(Buffer.from(id, 'hex')))
  return {
    json: { owner, id, revoked: seq !== null, revokedAtSeq: seq === null ? null : seq.toString() },
    lines: [
      seq === null
        ? `delegation ${id} of owner ${owner} stands`
        : `delegation ${id} of owner ${owner} revoked at entry #${seq}`,
    ],
  }
}

export function queryHead(l: Ledger): QueryAnswer {
  const h = l.head()
  return {
    json: h === null ? { seq: null, hash: null } : { seq: h.seq.toString(), hash: hex(h.hash) },
    lines: [h === null ? 'the ledger is empty' : `head #${h.seq} ${hex(h.hash)}`],
  }
}
