/**
 * The Markdown summary (`report.md`): the figures in tables, and the charts
 * as images beside it (PNG when written, else SVG).
 */

import type { Chart } from './charts.js'
import { sizeText, summarize } from './figures.js'
import type { ScenarioResults } from './results.js'
import {
  hostsTable,
  ledgerTable,
  runsTable,
  swapsTable,
  type Table,
  taskTimesTable,
  workersTable,
} from './tables.js'

/** A cell safe in a Markdown table (pipes escaped, no line breaks). */
const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

function table(t: Table): string {
  if (t.rows.length === 0) return '_none_\n'
  const align = t.head.map((_, i) => (t.numeric.includes(i) ? '---:' : '---'))
  return `${[t.head, align, ...t.rows].map((r) => `| ${r.map(md).join(' | ')} |`).join('\n')}\n`
}

export interface MarkdownFigure {
  chart: Chart
  /** File name of the image beside the report. */
  image: string
}

export function renderMarkdown(results: ScenarioResults, figures: readonly MarkdownFigure[]): string {
  const summary = summarize(results)
  const out: string[] = [`# ${md(results.title)}`, '']
  out.push(
    `Scenario \`${results.scenario}\`, started ${results.startedAt}, hosts in ${results.mode} mode (${results.modeReason}).`,
    '',
  )
  if (results.job !== null)
    out.push(
      `Job: ${results.job.tasks} tasks of ${sizeText(results.job.taskBytes)} over ${results.job.workers.length} workers (${results.job.workers.join(', ')}).`,
      '',
    )
  out.push('## Runs', '', table(runsTable(summary)))
  out.push('## Mean task throughput per worker', '', table(workersTable(summary)))
  out.push('## Swaps', '', table(swapsTable(results)))
  out.push('## Ledger checks', '', table(ledgerTable(results)))
  out.push('## Task completion times', '', table(taskTimesTable(results)))
  out.push('## Figures', '')
  for (const f of figures) out.push(`![${md(f.chart.title)}](${f.image})`, '', `_${md(f.chart.caption)}_`, '')
  out.push('## Hosts', '', table(hostsTable(results)))
  if (results.notes.length > 0) out.push('## Notes', '', ...results.notes.map((n) => `- ${md(n)}`), '')
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`
}
