/**
 * `vboom market -d DIR`: the candidates a running agent sees, each side's
 * utility of the swap, the terms, and why each is or is not pursued.
 * `vboom agreements -d DIR`: the agreements it reached and their states.
 * Both ask the agent's control socket (GET /market, GET /agreements).
 */
import type { Command } from 'commander'
import { fetchAgreements, fetchMarket } from '../../node/control-client.js'
import type { AgreementLeaveView, LeaveStatus } from '../../node/lifecycle/leave-retry.js'
import type { MarketReport } from '../../node/negotiation/service.js'

const short = (peer: string): string => (peer.length > 16 ? `…${peer.slice(-12)}` : peer)
const micros = (n: number | null): string => (n === null ? '-' : String(n))

/** A table: columns padded to their widest cell, the last one left free. */
function table(head: string[], rows: string[][]): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [head, ...rows].map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]!)))
      .join('  ')
      .trimEnd(),
  )
}

/** The matching's last session, one line. */
function formatSession(m: MarketReport['matching']): string {
  if (m === null || m === undefined)
    return 'no session yet (sessions start at multiples of the market interval)'
  const head = `session ${m.session} (${new Date(m.startedAtMs).toISOString()})`
  if (m.state === 'skipped') return `${head} sat out: ${m.why ?? ''}`
  const outcome =
    m.partner === null
      ? m.state === 'running'
        ? 'no partner yet'
        : 'no partner'
      : `paired with ${short(m.partner)} (${m.role === 'leader' ? 'this side offers' : 'the partner offers'}${m.negotiation === undefined ? '' : `; ${m.negotiation}`})`
  return `${head} ${m.state === 'running' ? 'running' : 'ended'}: ${m.why === undefined ? outcome : m.why}; ${m.rounds} rounds, ${m.candidates} candidates, messages ${m.sent} sent, ${m.received} received, ${m.dropped} dropped`
}

/** What `vboom market` prints. */
export function formatMarket(r: MarketReport | null): string {
  if (r === null)
    return 'this agent does not trade: it has no valid owner delegation (vboom owner delegate), or its config has no anchor, or market.enabled is false\n'
  const lines: string[] = []
  const c = r.commitment
  lines.push(
    c === null
      ? 'commitment  none (free to negotiate)'
      : `commitment  ${c.phase} with ${c.peer} until ${new Date(c.untilMs).toISOString()}${c.swapId === undefined ? '' : ` (swap ${c.swapId})`}`,
  )
  lines.push(
    `policy      ${Object.entries(r.policy)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')}`,
  )
  if (r.matching !== undefined) lines.push(`matching    ${formatSession(r.matching)}`)
  // the last pairing, when a later session has run since
  const paired = r.matchingPaired
  if (paired != null && paired.session !== r.matching?.session)
    lines.push(`last paired ${formatSession(paired)}`)
  lines.push(`candidates  ${r.candidates.length} (utilities in micro-credits over the horizon)`)
  lines.push(
    ...table(
      ['peer', 'location', 'ask', 'own utility', 'partner utility', 'terms', 'reputation', 'why'],
      r.candidates.map((x) => [
        short(x.peer),
        x.location,
        x.askMicros,
        micros(x.selfUtilityMicros),
        micros(x.partnerUtilityMicros),
        x.terms === null
          ? '-'
          : x.terms.payer === null
            ? 'mutual'
            : `${x.terms.payer === 'self' ? 'we pay' : 'paid'} ${x.terms.priceMicros}`,
        String(x.reputation),
        x.last === undefined ? x.why : `${x.why}; last: ${x.last}`,
      ]),
    ).map((l) => `  ${l}`),
  )
  const counts = (o: Record<string, number>): string =>
    Object.keys(o).length === 0
      ? 'none'
      : Object.entries(o)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
  lines.push(`outcomes    ${counts(r.counters.outcomes)}`)
  lines.push(`refused     ${counts(r.counters.refused)}`)
  return `${lines.join('\n')}\n`
}

/** The leave column: its state, the attempts, the next retry and the last error code. */
export function formatLeave(l: LeaveStatus | null): string {
  if (l === null) return '-'
  const tries = `${l.attempts} ${l.attempts === 1 ? 'try' : 'tries'}`
  const error = l.lastErrorCode === null ? '' : `, last ${l.lastErrorCode}`
  const next = l.nextRetryAtMs === null ? '' : ` next ${new Date(l.nextRetryAtMs).toISOString()}`
  return `${l.state}${next} (${tries}${error})`
}

/** What `vboom agreements` prints. */
export function formatAgreements(list: AgreementLeaveView[]): string {
  if (list.length === 0) return 'no agreements\n'
  const rows = list.map((a) => [
    a.swapId,
    a.state,
    `${a.role}`,
    `${a.location} <-> ${a.partnerLocation}`,
    short(a.partner),
    a.payer === null ? 'mutual' : `${a.payer === 'self' ? 'we pay' : 'paid'} ${a.priceMicros}`,
    new Date(a.expiresAtMs).toISOString(),
    formatLeave(a.leave),
  ])
  const head = ['swap id', 'state', 'side', 'locations', 'partner', 'price', 'expires', 'leave']
  return `${table(head, rows).join('\n')}\n`
}

export function registerMarket(program: Command): void {
  program
    .command('market')
    .description(
      'show the candidates a running agent sees, both sides’ utilities, and why each is pursued or not',
    )
    .requiredOption('-d, --data-dir <dir>', "the agent's data dir")
    .option('--json', 'print the report as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      const r = await fetchMarket(flags.dataDir)
      process.stdout.write(flags.json ? `${JSON.stringify(r, null, 2)}\n` : formatMarket(r))
    })
  program
    .command('agreements')
    .description('list the swap agreements a running agent reached and their states')
    .requiredOption('-d, --data-dir <dir>', "the agent's data dir")
    .option('--json', 'print the list as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      const list = await fetchAgreements(flags.dataDir)
      process.stdout.write(flags.json ? `${JSON.stringify(list, null, 2)}\n` : formatAgreements(list))
    })
}
