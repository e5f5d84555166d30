/**
 * Ledger entries and reports as the CLI prints them: one line of text, or
 * JSON-safe objects (bytes as hex, bigints as decimal strings) for `--json`.
 */
import type { ActionBody } from '../../protocols/ledger-action.js'
import { hex } from './actions.js'
import type { BalancesView, LedgerEntryView } from './ledger.js'
import type { LocationRecord, SwapRecord } from './state.js'
import type { VerifyReport } from './verify.js'

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json }

/** Bytes to hex, bigints to strings, recursively. */
export function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null
  if (value instanceof Uint8Array) return hex(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.map(toJson)
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJson(v)]),
    )
  }
  return String(value)
}

export function entryToJson(e: LedgerEntryView): Json {
  return toJson({
    seq: e.seq,
    kind: e.kind,
    hash: e.hash,
    prevHash: e.prevHash,
    appendedAt: new Date(e.appendedAtMs).toISOString(),
    issuedAt: new Date(e.action.issuedAtMs).toISOString(),
    body: e.action.body,
    signers: e.signers,
  })
}

/** The first 8 hex digits: enough to tell keys apart on a terminal. */
const short = (b: Uint8Array): string => hex(b).slice(0, 8)

function describeBody(b: ActionBody): string {
  switch (b.kind) {
    case 'owner-registered':
      return `owner ${short(b.owner)} registered (${JSON.stringify(b.name)})`
    case 'location-registered':
      return `location ${b.location} registered: owner ${short(b.owner)}, vm ${short(b.vm)}`
    case 'swap-agreed':
      return `swap ${short(b.swapId)} agreed: ${b.locationA} (${short(b.ownerA)}) <-> ${b.locationB} (${short(b.ownerB)})`
    case 'swap-committed':
      return `swap ${short(b.swapId)} COMMITTED${b.payment == null ? '' : `, payment ${b.payment.amountMicros} micro-credits ${short(b.payment.payer)} -> ${short(b.payment.payee)}`}`
    case 'swap-aborted':
      return `swap ${short(b.swapId)} aborted: ${JSON.stringify(b.reason)}`
    case 'ownership-transferred':
      return `location ${b.location} transferred ${short(b.from)} -> ${short(b.to)}`
    case 'payment-recorded':
      return `payment ${b.amountMicros} micro-credits ${short(b.payer)} -> ${short(b.payee)}${b.swapId === null ? '' : ` for swap ${short(b.swapId)}`}`
    case 'delegation-revoked':
      return `delegation ${hex(b.delegationId)} of owner ${short(b.owner)} REVOKED`
  }
}

/** `#12 2026-11-24T20:30:00.000Z swap 1a2b3c4d COMMITTED` */
export function describeEntry(e: LedgerEntryView): string {
  return `#${e.seq} ${new Date(e.appendedAtMs).toISOString()} ${describeBody(e.action.body)}`
}

export function describeLocation(l: LocationRecord): string {
  return (
    `${l.location}: owner ${hex(l.owner)}, vm ${hex(l.vm)} since entry #${l.ownerSinceSeq}` +
    (l.openSwap === null ? '' : `, in open swap ${l.openSwap}`)
  )
}

export function describeSwap(s: SwapRecord): string {
  const resolved = s.resolvedSeq === null ? '' : ` at entry #${s.resolvedSeq}`
  const price = s.payer === null ? 'mutual gain' : `side ${s.payer} pays ${s.priceMicros} micro-credits`
  const why = s.reason === null ? '' : `: ${JSON.stringify(s.reason)}`
  return `swap ${hex(s.swapId)}: ${s.status}${resolved}${why} (${s.locationA} <-> ${s.locationB}, ${price}, agreed at #${s.agreedSeq})`
}

/** One line per owner that paid or was paid, then the totals (which are equal: every payment is both). */
export function describeBalances(b: BalancesView): string[] {
  const lines = b.owners.map(
    (o) =>
      `${hex(o.owner)}: balance ${o.creditsMicros - o.debitsMicros} (received ${o.creditsMicros}, paid ${o.debitsMicros}) micro-credits`,
  )
  lines.push(`total received ${b.totalCreditsMicros}, total paid ${b.totalDebitsMicros} micro-credits`)
  return lines
}

/** Balances as `vboom ledger balances --json` prints them. */
export function balancesToJson(b: BalancesView): Json {
  return toJson({
    owners: b.owners.map((o) => ({ ...o, balanceMicros: o.creditsMicros - o.debitsMicros })),
    totalCreditsMicros: b.totalCreditsMicros,
    totalDebitsMicros: b.totalDebitsMicros,
  })
}

export function describeReport(r: VerifyReport): string {
  return r.ok
    ? `ledger OK: ${r.entries} entries, head #${r.headSeq ?? '-'} ${r.headHash ?? ''}`.trimEnd()
    : `ledger BAD at entry #${r.firstBad.seq} (${r.firstBad.code}): ${r.firstBad.message}; ${r.entries} entries before it check out`
}
