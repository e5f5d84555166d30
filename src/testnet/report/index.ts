/**
 * The testnet's reports: a scenario fills ScenarioResults (results.ts), and
 * writeReport turns it into results.json, report.md, a self-contained
 * report.html and each chart as SVG and PNG (Vega-Lite drawn headless by
 * Vega, PNG by resvg).
 */
export { type Chart, chartsFor, taskTimesChart, throughputChart, workerMeansChart } from './charts.js'
export { ReportError, type ReportErrorCode } from './errors.js'
export { type ReportSummary, type RunSummary, summarize, type WorkerMean } from './figures.js'
export { type FontChoice, findFonts } from './fonts.js'
export { seriesFromStatus, tasksFromDfsio } from './from-workloads.js'
export { renderHtml } from './html.js'
export { renderMarkdown } from './markdown.js'
export { renderSvg, svgToPng } from './render.js'
export {
  type LedgerCheck,
  type Placement,
  parseResults,
  RESULTS_SCHEMA,
  type RunResults,
  type ScenarioResults,
  type SwapAgreementResult,
  type SwapResult,
  type TaskResult,
  type ThroughputSeries,
} from './results.js'
export { type ReportFiles, writeReport } from './write.js'
