/**
 * What `vboom market` prints of the matching: the session under way or
 * last, and the last one that paired the agent when a later one has run.
 */
import t from 'tap'
import { formatMarket } from '../../src/cli/commands/market.js'
import type { MatchingSessionReport } from '../../src/node/market/matching-driver.js'
import type { MarketReport } from '../../src/node/negotiation/service.js'

const session = (k: number, partner: string | null): MatchingSessionReport => ({
  session: k,
  startedAtMs: Date.UTC(2026, 0, 1, 0, 0, k),
  endsAtMs: Date.UTC(2026, 0, 1, 0, 0, k + 1),
  state: 'ended',
  rounds: 14,
  candidates: 3,
  partner,
  role: partner === null ? null : 'leader',
  welfareMicros: partner === null ? null : 1_000,
  sent: 5,
  received: 4,
  dropped: 0,
  ...(partner === null ? {} : { negotiation: 'agreed swap 00ff' }),
})

const report = (
  matching: MatchingSessionReport | null,
  paired: MatchingSessionReport | null,
): MarketReport => ({
  enabled: true,
  commitment: null,
  policy: {},
  candidates: [],
  counters: { outcomes: {}, refused: {} },
  matching,
  matchingPaired: paired,
})

t.test('the last pairing is shown when a later session has run since', async (t) => {
  const out = formatMarket(report(session(9, null), session(7, '12D3KooWpartnerpartner')))
  t.match(out, /^matching {4}session 9 .* ended: no partner;/m, 'the last session')
  t.match(out, /^last paired session 7 .* paired with .*\(this side offers; agreed swap 00ff/m, 'the pairing')
})

t.test('the pairing is said once when it is the last session', async (t) => {
  const paired = session(7, '12D3KooWpartnerpartner')
  const out = formatMarket(report(paired, paired))
  t.match(out, /^matching {4}session 7 .* paired with/m)
  t.notMatch(out, /last paired/, 'not repeated')
})
