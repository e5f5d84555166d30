/**
 * Reports from a hand-made results fixture: valid JSON, Markdown, HTML, SVG
 * and PNG (with text drawn in a real font); the schema's rules; the
 * conversion from what the workloads record.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resvg } from '@resvg/resvg-js'
import t from 'tap'
import {
  findFonts,
  parseResults,
  renderSvg,
  seriesFromStatus,
  summarize,
  svgToPng,
  tasksFromDfsio,
  throughputChart,
  writeReport,
} from '../../src/testnet/report/index.js'
import type { DfsioResult, WorkloadStatus } from '../../src/testnet/workloads/index.js'
import { paperResults } from './fixtures/results.js'

/** Small tasks: every series about 140 points, quick to draw. */
const TASK_MB = 600

const pngSize = (png: Uint8Array): [number, number] => {
  const b = Buffer.from(png)
  t.equal(b.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG signature')
  return [b.readUInt32BE(16), b.readUInt32BE(20)]
}

t.test('a report: results.json, report.md, report.html, SVG and PNG charts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-report-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const results = paperResults(TASK_MB)
  const files = await writeReport(results, dir)
  t.same(JSON.parse(readFileSync(files.json, 'utf8')), results, 'results.json holds the results unchanged')
  t.same(
    files.svg.map((f) => f.slice(dir.length + 1)),
    [
      'fig-worker-means.svg',
      'fig-throughput-baseline.svg',
      'fig-throughput-vboom.svg',
      'fig-throughput-oracle.svg',
      'fig-task-times.svg',
    ],
    'Figure 3: (a) worker means, (b) throughput per run, (c) task times',
  )
  const fonts = findFonts()
  if (fonts === null) {
    t.same(files.png, [])
    t.match(files.pngSkipped, /install fonts-dejavu-core/)
  } else {
    t.equal(files.png.length, 5)
    t.equal(files.pngSkipped, null)
  }
  for (const f of files.svg) {
    const svg = readFileSync(f, 'utf8')
    t.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${f} is SVG`)
    // resvg parses it: a well-formed SVG document.
    const r = new Resvg(svg, { font: { loadSystemFonts: false } })
    t.ok(r.width > 0 && r.height > 0)
  }
  for (const f of files.png) {
    const [w, h] = pngSize(readFileSync(f))
    const svg = readFileSync(f.replace(/\.png$/, '.svg'), 'utf8')
    const sw = Number(/width="(\d+)"/.exec(svg)![1])
    t.equal(w, sw * 2, 'drawn at twice the SVG size')
    t.ok(h > 100)
  }

  const md = readFileSync(files.markdown, 'utf8')
  const base = results.runs[0]!.totalSeconds
  const vboom = results.runs[1]!.totalSeconds
  const pct = (((base - vboom) / base) * 100).toFixed(1)
  t.match(md, /^# TestDFSIO over four workers, two on disk-interfered hosts\n/)
  t.match(
    md,
    new RegExp(`\\| with VBoom \\| ${vboom} s \\([0-9:]+\\) \\| ${pct} % less \\| 22 \\| 2 \\| 2 \\|`),
  )
  t.match(
    md,
    /\| vm-w3 \| 1\d\.\d \(4\) \| (2|3)\d\.\d \(5\) \| (2|3)\d\.\d \(5\) \|/,
    'worker means per run',
  )
  t.match(md, /\| with VBoom \| the ledger chain verifies \| passed \|/)
  t.match(md, /\| 3 \| [\d.]+ \| [\d.]+ \(2 attempts\) \| [\d.]+ \|/, 'a task run twice says so')
  t.match(md, /Job: 22 tasks of 600 MB over 4 workers/)
  for (const f of files.svg) {
    const stem = f.slice(dir.length + 1).replace(/\.svg$/, '')
    t.ok(md.includes(`](${stem}.${fonts === null ? 'svg' : 'png'})`), `report.md shows ${stem}`)
  }

  const html = readFileSync(files.html, 'utf8')
  t.match(html, /^<!doctype html>\n<html lang="en">/)
  t.notMatch(html, /<script(?! type="application\/json")/, 'no executable script')
  t.notMatch(html, /(src|href)="(https?:)?\/\//, 'nothing loaded from elsewhere')
  t.equal((html.match(/<svg /g) ?? []).length, 5, 'every chart inline')
  const embedded = /<script type="application\/json" id="vboom-results">([\s\S]*?)<\/script>/.exec(html)![1]!
  t.same(JSON.parse(embedded), results, 'the results travel inside the page')
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1])
  t.equal(new Set(ids).size, ids.length, 'ids unique across the inline charts')
  t.match(html, /<figure id="fig-task-times" data-figure="task-times" data-bars="66">/, '22 tasks x 3 runs')
})

t.test(
  'the PNG draws text with the font found',
  { skip: findFonts() === null ? 'no chart font installed (fonts-dejavu-core)' : false },
  async (t) => {
    const results = paperResults(TASK_MB)
    const svg = await renderSvg(throughputChart(results.runs[1]!)!.spec, 'x')
    const withText = new Resvg(svg, {
      font: { loadSystemFonts: false, fontFiles: findFonts()!.files, defaultFontFamily: findFonts()!.family },
    }).render().pixels
    const noText = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: [] } }).render().pixels
    const differing = withText.reduce((n, v, i) => n + (v !== noText[i] ? 1 : 0), 0)
    t.ok(differing > 5_000, `text adds ${differing} pixel bytes`)
    t.ok(svgToPng(svg, findFonts()!).length > 10_000)
  },
)

t.test('results that break the schema are refused, saying where', async (t) => {
  const good = paperResults(TASK_MB)
  const bad = (mutate: (r: ReturnType<typeof paperResults>) => void): unknown => {
    const r = structuredClone(good)
    mutate(r)
    return r
  }
  t.same(parseResults(JSON.parse(JSON.stringify(good))), good)
  for (const [what, value, where] of [
    ['schema', bad((r) => Object.assign(r, { schema: 'x' })), /schema/],
    ['run id', bad((r) => Object.assign(r.runs[0]!, { id: 'Bad Id' })), /runs\.0\.id/],
    ['duplicate run', bad((r) => r.runs.push(structuredClone(r.runs[0]!))), /unique/],
    ['series order', bad((r) => r.runs[0]!.series[0]!.points.reverse()), /time order/],
    [
      'task twice',
      bad((r) => r.runs[0]!.tasks.push(structuredClone(r.runs[0]!.tasks[0]!))),
      /each task once/,
    ],
    [
      'downtime',
      bad((r) => Object.assign(r.runs[1]!.swaps[0]!.downtime[0]!, { endS: 0 })),
      /downtime ends after/,
    ],
  ] as const)
    t.throws(
      () => parseResults(value),
      { name: 'ReportError', code: 'RESULTS_INVALID', message: where },
      what,
    )
})

t.test('figures: reductions against the run without VBoom', async (t) => {
  const s = summarize(paperResults(TASK_MB))
  t.equal(s.baseline, 'baseline')
  t.equal(s.runs[0]!.reductionPct, null)
  t.ok(s.runs[1]!.reductionPct! > 0 && s.runs[2]!.reductionPct! > s.runs[1]!.reductionPct!, 'oracle best')
  t.equal(s.runs[1]!.swaps, 2)
  t.equal(s.runs[1]!.lostAttempts, 2)
  t.same(s.runs[1]!.ledgerChecks, { passed: 3, failed: 0 })
})

t.test('from the workloads: DFSIO tasks and sample series, a VM away drawn as zero', async (t) => {
  const t0 = 1_000_000
  const dfsio: DfsioResult = {
    tasks: 1,
    taskBytes: 4096,
    startMs: t0 + 1_000,
    endMs: t0 + 9_000,
    totalSeconds: 8,
    records: [
      {
        task: 0,
        worker: 'vm-a',
        attempt: 2,
        attempts: 2,
        firstAssignedMs: t0 + 1_000,
        startMs: t0 + 5_000,
        endMs: t0 + 9_000,
        seconds: 8,
        writeSeconds: 4,
        bytes: 4096,
        mbps: 0.001,
      },
    ],
    lostAttempts: 1,
    rejectedMessages: 0,
    jobMBps: 0.0005,
  }
  t.same(
    tasksFromDfsio(dfsio, t0, (w, at) => (w === 'vm-a' && at === t0 + 9_000 ? 'h-1' : null)),
    [
      {
        task: 0,
        worker: 'vm-a',
        host: 'h-1',
        startS: 1,
        endS: 9,
        seconds: 8,
        writeSeconds: 4,
        bytes: 4096,
        mbps: 0.001,
        attempts: 2,
      },
    ],
  )
  const base = {
    vm: 'vm-a',
    host: 'h',
    workload: 'dfsio-worker' as const,
    type: 'sample' as const,
    metric: 'disk-write' as const,
    unit: 'MB/s' as const,
    total: 0,
    intervalS: 1,
  }
  const recs: WorkloadStatus[] = [
    { ...base, t: t0 + 1_000, rate: 18 },
    { ...base, t: t0 + 2_000, rate: 18 },
    { ...base, t: t0 + 10_000, rate: 31 },
    { ...base, t: t0 + 11_000, rate: 31, vm: 'vm-b' },
  ]
  t.same(seriesFromStatus(recs, t0), [
    {
      vm: 'vm-a',
      metric: 'disk-write',
      unit: 'MB/s',
      points: [
        [1, 18],
        [2, 18],
        [3, 0],
        [9, 0],
        [10, 31],
      ],
    },
    { vm: 'vm-b', metric: 'disk-write', unit: 'MB/s', points: [[11, 31]] },
  ])
})
