/**
 * The report's charts as Vega-Lite specs, after the paper's Figure 3:
 * (a) each worker's mean task throughput per run; (b) throughput over time
 * of every VM in a run, its swaps' downtime shaded; (c) each task's
 * completion time, the runs side by side. Marks are named (`series`,
 * `downtime`, `bars`) so the drawn SVG can be checked against the data.
 */
import type { TopLevelSpec } from 'vega-lite'
import type { ReportSummary } from './figures.js'
import type { RunResults, ScenarioResults } from './results.js'

/** Fonts for chart text: the ones the PNG renderer loads first, then what browsers have. */
export const CHART_FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif'
/** Chart size, px: readable on a laptop screen and in a PDF page's width. */
const WIDTH = 640
const HEIGHT = 240
/** Height of one VM's row in a throughput chart, px. */
const FACET_HEIGHT = 70
/** Run colours by placement: grey without VBoom, blue with, green for the oracle (colour-blind safe). */
const PLACEMENT_COLOR = { baseline: '#8c8c8c', vboom: '#1f77b4', oracle: '#2ca02c' } as const
/** Downtime shading: the paper marks the swap's zero-throughput stretch. */
const DOWNTIME_COLOR = '#d62728'

const config = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
}

export interface Chart {
  /** File stem and element id (`fig-throughput-vboom`). */
  id: string
  kind: 'throughput' | 'task-times' | 'worker-means'
  title: string
  caption: string
  spec: TopLevelSpec
  /** What the drawn chart must hold: per series its point count, or the bar count. */
  expect: { series?: { vm: string; points: number }[]; bars?: number; downtime?: number }
}

export function throughputChart(run: RunResults): Chart | null {
  if (run.series.length === 0) return null
  const unit = run.series[0]!.unit
  const vms = new Set(run.series.map((x) => x.vm))
  // One data set (a facet takes one): samples and downtime intervals told apart by `kind`.
  const samples = run.series.flatMap((x) => x.points.map(([t, v]) => ({ kind: 'sample', vm: x.vm, t, v })))
  const downtime = run.swaps.flatMap((sw) =>
    sw.downtime
      .filter((d) => vms.has(d.vm))
      .map((d) => ({ kind: 'down', vm: d.vm, start: d.startS, end: d.endS, swap: sw.id.slice(0, 8) })),
  )
  const down = {
    name: 'downtime',
    transform: [{ filter: "datum.kind === 'down'" }],
    mark: { type: 'rect', color: DOWNTIME_COLOR, opacity: 0.18 },
    encoding: {
      x: { field: 'start', type: 'quantitative' },
      x2: { field: 'end' },
      tooltip: [{ field: 'vm' }, { field: 'swap' }, { field: 'start' }, { field: 'end' }],
    },
  }
  const line = {
    name: 'series',
    transform: [{ filter: "datum.kind === 'sample'" }],
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'time (s)' },
      y: { field: 'v', type: 'quantitative', title: unit },
      color: { field: 'vm', type: 'nominal', title: 'VM', legend: null },
    },
  }
  const swapNote =
    downtime.length === 0 ? 'no swap' : 'shaded: the VM was down (its swap), its throughput zero'
  return {
    id: `fig-throughput-${run.id}`,
    kind: 'throughput',
    title: `Throughput over time: ${run.label}`,
    caption: `Each VM's ${run.series[0]!.metric} throughput, one sample a second; ${swapNote}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Throughput over time: ${run.label}`,
      config,
      data: { values: [...downtime, ...samples] },
      facet: { row: { field: 'vm', type: 'nominal', title: null, sort: [...vms] } },
      spec: {
        width: WIDTH,
        height: FACET_HEIGHT,
        layer: downtime.length > 0 ? [down, line] : [line],
      },
      resolve: { scale: { y: 'shared' } },
    } as TopLevelSpec,
    expect: {
      series: run.series.map((x) => ({ vm: x.vm, points: x.points.length })),
      downtime: downtime.length,
    },
  }
}

const runColors = (results: ScenarioResults) => ({
  domain: results.runs.map((r) => r.label),
  range: results.runs.map((r) => PLACEMENT_COLOR[r.placement]),
})

export function taskTimesChart(results: ScenarioResults): Chart | null {
  const values = results.runs.flatMap((r) =>
    r.tasks.map((t) => ({ task: t.task + 1, seconds: t.seconds, run: r.label, worker: t.worker })),
  )
  if (values.length === 0) return null
  return {
    id: 'fig-task-times',
    kind: 'task-times',
    title: 'Time to complete each task',
    caption: 'Each task from first handed out to done (a lost attempt counts), the runs side by side.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Time to complete each task',
      width: WIDTH,
      height: HEIGHT,
      config,
      data: { values },
      name: 'bars',
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'task', type: 'ordinal', title: 'task', axis: { labelAngle: 0 } },
        xOffset: { field: 'run', sort: results.runs.map((r) => r.label) },
        y: { field: 'seconds', type: 'quantitative', title: 'seconds' },
        color: { field: 'run', type: 'nominal', title: 'run', scale: runColors(results) },
        tooltip: [
          { field: 'run' },
          { field: 'task' },
          { field: 'seconds', format: '.1f' },
          { field: 'worker' },
        ],
      },
    } as TopLevelSpec,
    expect: { bars: values.length },
  }
}

export function workerMeansChart(results: ScenarioResults, summary: ReportSummary): Chart | null {
  const values = summary.runs.flatMap((r) =>
    r.workers.map((w) => ({ vm: w.vm, mbps: w.meanMBps, run: r.label, tasks: w.tasks })),
  )
  if (values.length === 0) return null
  return {
    id: 'fig-worker-means',
    kind: 'worker-means',
    title: 'Mean task throughput per worker',
    caption: "Each worker's mean over its tasks of bytes / write time (TestDFSIO's average I/O rate).",
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Mean task throughput per worker',
      width: WIDTH,
      height: HEIGHT,
      config,
      data: { values },
      name: 'bars',
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'vm', type: 'nominal', title: 'worker', axis: { labelAngle: 0 } },
        xOffset: { field: 'run', sort: results.runs.map((r) => r.label) },
        y: { field: 'mbps', type: 'quantitative', title: 'MB/s' },
        color: { field: 'run', type: 'nominal', title: 'run', scale: runColors(results) },
        tooltip: [{ field: 'run' }, { field: 'vm' }, { field: 'mbps', format: '.1f' }, { field: 'tasks' }],
      },
    } as TopLevelSpec,
    expect: { bars: values.length },
  }
}

/** Every chart the results make, in the report's order: (a), (b) per run, (c). */
export function chartsFor(results: ScenarioResults, summary: ReportSummary): Chart[] {
  const out: (Chart | null)[] = [workerMeansChart(results, summary)]
  for (const run of results.runs) out.push(throughputChart(run))
  out.push(taskTimesChart(results))
  return out.filter((c): c is Chart => c !== null)
}
