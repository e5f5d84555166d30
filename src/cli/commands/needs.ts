import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { fetchNeeds } from '../../node/control-client.js'
import { type NeedsReport, NeedsStore } from '../../node/needs/index.js'
import { UsageError } from '../../protocols/errors.js'
import { openDataDir } from '../../runtime/data-dir.js'

const hours = (ms: number): string => {
  const h = ms / 3600_000
  return h >= 1 ? `${h.toFixed(1)} h` : `${Math.round(ms / 60_000)} min`
}

/** The table `vboom needs` prints. */
export function formatNeeds(r: NeedsReport, where: string): string {
  const lines = [`needs (${where}; mode ${r.mode})`]
  const rows = r.entries.map((e) => [
    e.resource,
    e.weight === 0 ? '0' : e.weight.toFixed(3),
    e.source,
    e.from,
  ])
  const head = ['resource', 'weight', 'source', 'from']
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  for (const row of [head, ...rows])
    lines.push(
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(width[i]!)))
        .join('  ')
        .trimEnd(),
    )
  const l = r.learning
  const learned =
    r.mode === 'config'
      ? 'nothing learned (needsMode config)'
      : `${hours(l.observedMs)} of readings (EWMA half-life ${hours(l.halfLifeMs)}; learned weights used after ${hours(l.minObservedMs)})`
  lines.push(`sum ${r.sum.toFixed(3)}; ${learned}`)
  return `${lines.join('\n')}\n`
}

/** The report of a stopped agent, from its database; the unreachable error when there is none. */
async function storedReport(dataDir: string, unreachable: UsageError): Promise<NeedsReport> {
  // Opening would create a data dir that is not there: a wrong path keeps its first error.
  if (!existsSync(join(dataDir, 'db'))) throw unreachable
  const dir = await openDataDir(dataDir)
  try {
    const r = await new NeedsStore(dir.db).loadReport()
    if (r === null)
      throw new UsageError(
        'NO_NEEDS',
        `the agent with data dir ${dataDir} is not running and has recorded no needs yet; start it (vboom agent)`,
      )
    return r
  } finally {
    await dir.close()
  }
}

export function registerNeeds(program: Command): void {
  program
    .command('needs')
    .description(
      "show an agent's needs weights and where each came from (config, learned: which signal, or default)",
    )
    .requiredOption('-d, --data-dir <dir>', "the agent's data dir")
    .option('--json', 'print the report as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      let report: NeedsReport
      let where: string
      try {
        report = await fetchNeeds(flags.dataDir)
        where = 'agent running'
      } catch (err) {
        if (!(err instanceof UsageError) || err.code !== 'AGENT_UNREACHABLE') throw err
        report = await storedReport(flags.dataDir, err)
        const at = report.learning.updatedAtMs
        where = `agent stopped; as last derived${at === null ? '' : `, readings up to ${new Date(at).toISOString()}`}`
      }
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatNeeds(report, where))
    })
}
