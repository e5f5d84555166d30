/**
 * The HTML report (`report.html`): one self-contained file, no script and
 * nothing loaded from elsewhere: the charts inline as SVG, the style inline,
 * the results themselves embedded as JSON (an inert data block) so the file
 * alone carries the run. Each figure states what it must show (`data-*`:
 * series lengths, bar counts), which the browser test checks against the
 * drawn marks.
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

const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')

function table(t: Table, id: string): string {
  if (t.rows.length === 0) return `<p class="none" id="${id}">none</p>`
  const cls = (i: number): string => (t.numeric.includes(i) ? ' class="num"' : '')
  const head = t.head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')
  const rows = t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n')
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`
}

export interface HtmlFigure {
  chart: Chart
  svg: string
}

const STYLE = `
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
.failed { color: #b00; font-weight: bold; }
`

export function renderHtml(results: ScenarioResults, figures: readonly HtmlFigure[]): string {
  const summary = summarize(results)
  const figs = figures
    .map((f) => {
      const e = f.chart.expect
      const attrs = [
        `id="${esc(f.chart.id)}"`,
        `data-figure="${esc(f.chart.kind)}"`,
        e.series === undefined ? '' : `data-series="${esc(JSON.stringify(e.series))}"`,
        e.bars === undefined ? '' : `data-bars="${e.bars}"`,
        e.downtime === undefined ? '' : `data-downtime="${e.downtime}"`,
      ]
        .filter((a) => a !== '')
        .join(' ')
      return `<figure ${attrs}>\n${f.svg}\n<figcaption>${esc(f.chart.caption)}</figcaption>\n</figure>`
    })
    .join('\n')
  const failed = summary.runs.reduce((n, r) => n + r.ledgerChecks.failed, 0)
  const job =
    results.job === null
      ? ''
      : `<p class="meta">Job: ${results.job.tasks} tasks of ${sizeText(results.job.taskBytes)} over ${results.job.workers.length} workers (${esc(results.job.workers.join(', '))}).</p>`
  // The JSON block must not close the script element early: "</" is written as "<\/".
  const data = JSON.stringify(results).replace(/<\//g, '<\\/')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(results.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(results.title)}</h1>
<p class="meta">Scenario <code>${esc(results.scenario)}</code>, started ${esc(results.startedAt)}; hosts in ${esc(results.mode)} mode (${esc(results.modeReason)}).</p>
${job}
<h2>Runs</h2>
${table(runsTable(summary), 'runs')}
${failed > 0 ? `<p class="failed">${failed} ledger check(s) failed: see below.</p>` : ''}
<h2>Figures</h2>
${figs}
<h2>Mean task throughput per worker</h2>
${table(workersTable(summary), 'workers')}
<h2>Swaps</h2>
${table(swapsTable(results), 'swaps')}
<h2>Ledger checks</h2>
${table(ledgerTable(results), 'ledger')}
<h2>Task completion times</h2>
${table(taskTimesTable(results), 'tasks')}
<h2>Hosts</h2>
${table(hostsTable(results), 'hosts')}
${results.notes.length === 0 ? '' : `<h2>Notes</h2>\n<ul>${results.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`}
</main>
<script type="application/json" id="vboom-results">${data}</script>
</body>
</html>
`
}
