/**
 * The HTML report in a real browser: Debian's headless Chromium, driven by
 * playwright-core, opens report.html with no console error, and every chart
 * holds the runs' data: one line per VM with as many vertices as the series
 * has points, one shaded interval per downtime, one bar per task and run.
 * Skips, saying why, where Chromium is not installed (apt-get install chromium).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type BrowserContext, chromium } from 'playwright-core'
import t from 'tap'
import { writeReport } from '../../src/testnet/report/index.js'
import { paperResults } from './fixtures/results.js'

const CHROMIUM = '/usr/bin/chromium'
/** Headless, no sandbox (root in CI), and nothing that reaches the network. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** The few DOM shapes the page script uses (the project compiles without the DOM library). */
interface El {
  id: string
  dataset: Record<string, string | undefined>
  getAttribute(name: string): string | null
  querySelectorAll(selector: string): ArrayLike<El>
}

interface Drawn {
  id: string
  kind: string
  series: { vm: string; points: number }[] | null
  bars: number | null
  downtime: number | null
  drawnLines: { vm: string; vertices: number }[]
  drawnBars: number
  drawnDowntime: number
}

t.test(
  'the HTML report in Chromium: no console error, the charts hold the series',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vboom-report-browser-'))
    let context: BrowserContext | null = null
    t.teardown(async () => {
      await context?.close()
      await rm(dir, { recursive: true, force: true })
    })
    const results = paperResults(600)
    const files = await writeReport(results, join(dir, 'report'))
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1100, height: 900 },
    })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
    await page.goto(pathToFileURL(files.html).href, { waitUntil: 'load' })
    t.equal(await page.title(), results.title)
    t.equal(await page.locator('#runs tbody tr').count(), 3, 'a row per run')

    const figures: Drawn[] = await page.evaluate(() =>
      Array.from((globalThis as unknown as { document: El }).document.querySelectorAll('figure')).map((f) => {
        const json = (name: string) => {
          const v = f.getAttribute(name)
          return v === null ? null : JSON.parse(v)
        }
        const lines = Array.from(f.querySelectorAll('g.series_marks > path')).map((p) => ({
          vm: /VM: ([^;]+)$/.exec(p.getAttribute('aria-label') ?? '')?.[1] ?? '?',
          vertices: (p.getAttribute('d') ?? '').match(/[ML]/g)?.length ?? 0,
        }))
        return {
          id: f.id,
          kind: f.dataset.figure ?? '',
          series: json('data-series'),
          bars: json('data-bars'),
          downtime: json('data-downtime'),
          drawnLines: lines,
          drawnBars: f.querySelectorAll('g.bars_marks > path').length,
          drawnDowntime: f.querySelectorAll('g.downtime_marks > path').length,
        }
      }),
    )
    t.same(
      figures.map((f) => f.id),
      [
        'fig-worker-means',
        'fig-throughput-baseline',
        'fig-throughput-vboom',
        'fig-throughput-oracle',
        'fig-task-times',
      ],
    )
    for (const run of results.runs) {
      const f = figures.find((x) => x.id === `fig-throughput-${run.id}`)!
      const want = run.series.map((s) => ({ vm: s.vm, points: s.points.length }))
      t.same(f.series, want, `${run.id}: the figure states the run's series`)
      t.same(
        f.drawnLines,
        want.map((w) => ({ vm: w.vm, vertices: w.points })),
        `${run.id}: a line per VM, a vertex per sample`,
      )
      const downs = run.swaps.reduce(
        (n, s) => n + s.downtime.filter((d) => want.some((w) => w.vm === d.vm)).length,
        0,
      )
      t.equal(f.downtime, downs)
      t.equal(f.drawnDowntime, downs, `${run.id}: each downtime shaded`)
    }
    const tasks = figures.find((x) => x.id === 'fig-task-times')!
    const taskCount = results.runs.reduce((n, r) => n + r.tasks.length, 0)
    t.equal(tasks.bars, taskCount)
    t.equal(tasks.drawnBars, taskCount, 'a bar per task and run')
    const means = figures.find((x) => x.id === 'fig-worker-means')!
    t.equal(means.drawnBars, 12, 'four workers, three runs')
    t.equal(means.drawnBars, means.bars)

    const shot = await page.screenshot({ fullPage: true, path: join(dir, 'report.png') })
    t.ok(shot.length > 50_000, 'the page draws')
    t.same(problems, [], 'no console error, page error or failed request')
  },
)
