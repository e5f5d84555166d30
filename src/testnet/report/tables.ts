/**
 * The report's tables as rows of text, shared by the Markdown and the HTML
 * writers so both state the same figures in the same words.
 */
import { profileText } from '../view/format.js'
import { type ReportSummary, reductionText, secondsText } from './figures.js'
import type { ScenarioResults, SwapAgreementResult } from './results.js'

export interface Table {
  head: string[]
  rows: string[][]
  /** Columns holding numbers (right-aligned). */
  numeric: number[]
}

export function runsTable(summary: ReportSummary): Table {
  return {
    head: [
      'run',
      'job time',
      'vs without VBoom',
      'tasks',
      'lost attempts',
      'swaps',
      'longest downtime',
      'ledger checks',
    ],
    numeric: [1, 3, 4, 5, 6],
    rows: summary.runs.map((r) => [
      r.label,
      secondsText(r.totalSeconds),
      reductionText(r.reductionPct),
      String(r.tasks),
      String(r.lostAttempts),
      String(r.swaps),
      r.swaps === 0 ? '-' : secondsText(r.longestDowntimeSeconds),
      r.ledgerChecks.passed + r.ledgerChecks.failed === 0
        ? '-'
        : `${r.ledgerChecks.passed} passed, ${r.ledgerChecks.failed} failed`,
    ]),
  }
}

export function workersTable(summary: ReportSummary): Table {
  const vms = [...new Set(summary.runs.flatMap((r) => r.workers.map((w) => w.vm)))].sort()
  return {
    head: ['worker', ...summary.runs.map((r) => `${r.label} (MB/s, tasks)`)],
    numeric: summary.runs.map((_, i) => i + 1),
    rows: vms.map((vm) => [
      vm,
      ...summary.runs.map((r) => {
        const w = r.workers.find((x) => x.vm === vm)
        return w === undefined ? '-' : `${w.meanMBps.toFixed(1)} (${w.tasks})`
      }),
    ]),
  }
}

export function taskTimesTable(results: ScenarioResults): Table {
  const tasks = [...new Set(results.runs.flatMap((r) => r.tasks.map((t) => t.task)))].sort((a, b) => a - b)
  return {
    head: ['task', ...results.runs.map((r) => `${r.label} (s)`)],
    numeric: [0, ...results.runs.map((_, i) => i + 1)],
    rows: tasks.map((task) => [
      String(task + 1),
      ...results.runs.map((r) => {
        const t = r.tasks.find((x) => x.task === task)
        if (t === undefined) return '-'
        return `${t.seconds.toFixed(1)}${t.attempts > 1 ? ` (${t.attempts} attempts)` : ''}`
      }),
    ]),
  }
}

/** An agreement's terms in words, and the payment its COMMIT recorded. */
function termsText(a: SwapAgreementResult | undefined): string {
  if (a === undefined) return '-'
  const price = a.payer === null ? 'mutual gain' : `${a.payer} pays ${a.priceMicros} \u00b5cr`
  return a.payment === null
    ? price
    : `${price}; paid ${a.payment.payer} \u2192 ${a.payment.payee} ${a.payment.amountMicros} \u00b5cr`
}

export function swapsTable(results: ScenarioResults): Table {
  return {
    head: [
      'run',
      'swap',
      'VMs',
      'hosts',
      'terms',
      'outcome',
      'from (s)',
      'to (s)',
      'downtime (s)',
      'moved (MiB)',
    ],
    numeric: [6, 7, 8, 9],
    rows: results.runs.flatMap((r) =>
      r.swaps.map((s) => [
        r.label,
        s.id.slice(0, 8),
        s.vms.join(' \u21c4 '),
        s.hosts.join(' \u21c4 '),
        termsText(s.agreement),
        s.outcome,
        s.startS.toFixed(0),
        s.endS.toFixed(0),
        s.downtime.map((d) => `${d.vm} ${(d.endS - d.startS).toFixed(0)}`).join(', ') || '-',
        s.bytesMoved === null ? '-' : (s.bytesMoved / 2 ** 20).toFixed(1),
      ]),
    ),
  }
}

export function ledgerTable(results: ScenarioResults): Table {
  return {
    head: ['run', 'check', 'result', 'detail'],
    numeric: [],
    rows: results.runs.flatMap((r) =>
      r.ledgerChecks.map((c) => [r.label, c.name, c.ok ? 'passed' : 'FAILED', c.detail]),
    ),
  }
}

export function hostsTable(results: ScenarioResults): Table {
  return {
    head: ['host', 'profile'],
    numeric: [],
    rows: results.hosts.map((h) => [h.name, profileText(h.profile)]),
  }
}
