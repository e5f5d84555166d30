/**
 * Writes a scenario's report into a directory:
 *   results.json      every figure (ScenarioResults, checked first)
 *   report.md         the summary in tables, linking the charts
 *   report.html       self-contained: tables, inline SVG charts, the results embedded
 *   fig-*.svg, .png   each chart (PNG only when a chart font is installed)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chartsFor } from './charts.js'
import { summarize } from './figures.js'
import { findFonts, NO_FONT_REASON } from './fonts.js'
import { renderHtml } from './html.js'
import { renderMarkdown } from './markdown.js'
import { renderSvg, svgToPng } from './render.js'
import { parseResults, type ScenarioResults } from './results.js'

export interface ReportFiles {
  json: string
  markdown: string
  html: string
  svg: string[]
  png: string[]
  /** Why no PNG was written; null when they were. */
  pngSkipped: string | null
}

export async function writeReport(input: ScenarioResults, dir: string): Promise<ReportFiles> {
  const results = parseResults(input)
  await mkdir(dir, { recursive: true })
  const charts = chartsFor(results, summarize(results))
  const fonts = findFonts()
  const drawn = []
  const files: ReportFiles = {
    json: join(dir, 'results.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
    svg: [],
    png: [],
    pngSkipped: fonts === null ? NO_FONT_REASON : null,
  }
  for (const chart of charts) {
    const svg = await renderSvg(chart.spec, chart.id)
    const svgPath = join(dir, `${chart.id}.svg`)
    await writeFile(svgPath, svg)
    files.svg.push(svgPath)
    if (fonts !== null) {
      const pngPath = join(dir, `${chart.id}.png`)
      await writeFile(pngPath, svgToPng(svg, fonts))
      files.png.push(pngPath)
    }
    drawn.push({ chart, svg, image: `${chart.id}.${fonts === null ? 'svg' : 'png'}` })
  }
  const withNote: ScenarioResults =
    fonts === null
      ? { ...results, notes: [...results.notes, `PNG charts not written: ${NO_FONT_REASON}`] }
      : results
  await writeFile(files.json, `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(files.markdown, renderMarkdown(withNote, drawn))
  await writeFile(files.html, renderHtml(withNote, drawn))
  return files
}
