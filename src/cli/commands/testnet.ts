/**
 * `vboom testnet`: a scenario on emulated hosts of this machine. The anchor
 * and one supervisor per host run as separate processes (inside each host's
 * cgroups and network namespace in root mode); the VMs' agents advertise,
 * negotiate and register their swaps at the anchor under their owners'
 * delegations, and go through the lifecycle themselves; the run watches,
 * shows it live and writes a report.
 */
import { resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { UsageError } from '../../protocols/errors.js'
import { TestnetRunError, TestnetRunErrorCode } from '../../testnet/run/errors.js'
// the runner pulls in the hosts, the report's renderers and the view: loaded when the command runs,
// so other commands start as fast as before
import { SCENARIOS, scenarioByName } from '../../testnet/run/scenarios.js'

interface TestnetFlags {
  hosts?: string
  scenario: string
  duration?: string
  results?: string
  json?: boolean
  mode: 'auto' | 'root' | 'emulated'
}

function count(v: string, what: string, min: number, max: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError('BAD_FLAG', `${what} must be a whole number from ${min} to ${max}, got "${v}"`)
  }
  return n
}

export function registerTestnet(program: Command): void {
  program
    .command('testnet')
    .description(
      'run a scenario on emulated hosts: an anchor and one process per host, VMs with workloads whose agents trade and swap by themselves, a live view and a report',
    )
    .option('--hosts <n>', 'hosts in the run (scenario swap: 3 to 16, default 4; paper: 7; market: 12)')
    .addOption(new Option('--scenario <name>', 'which scenario').choices([...SCENARIOS]).default('swap'))
    .option('--duration <s>', "the run's limit in seconds (default: the scenario's)")
    .option(
      '--results <dir>',
      'write the report there: results.json, report.md, report.html, SVG and PNG charts',
    )
    .option('--json', 'print the live view as JSON lines and the outcome as JSON')
    .addOption(
      new Option(
        '--mode <mode>',
        'root: kernel limits (needs root); emulated: in-process limits; auto: root where it can',
      )
        .choices(['auto', 'root', 'emulated'])
        .default('auto'),
    )
    .action(async (flags: TestnetFlags) => {
      const scenario = scenarioByName(
        flags.scenario,
        flags.hosts === undefined ? undefined : count(flags.hosts, '--hosts', 3, 16),
      )
      const durationS =
        flags.duration === undefined ? scenario.durationS : count(flags.duration, '--duration', 30, 86_400)
      const { runScenario } = await import('../../testnet/run/runner.js')
      const { swapToJson, termsText } = await import('../../testnet/run/observe.js')
      const abort = new AbortController()
      let signals = 0
      const onSignal = (sig: NodeJS.Signals): void => {
        signals++
        if (signals === 1) {
          process.stderr.write(
            `testnet: ${sig}: stopping the hosts and the anchor, removing what the run made\n`,
          )
          abort.abort()
        } else {
          process.stderr.write(`testnet: ${sig} again: leaving now; the next run sweeps what is left\n`)
          process.exit(130)
        }
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      try {
        const out = await runScenario({
          scenario,
          mode: flags.mode,
          durationS,
          resultsDir: flags.results === undefined ? null : resolve(flags.results),
          view: flags.json === true ? 'json' : 'auto',
          print: (line) => process.stderr.write(`${line}\n`),
          signal: abort.signal,
        }).catch((err: unknown) => {
          // interrupted during the start-up: everything built is removed, nothing to report
          if (err instanceof TestnetRunError && err.code === TestnetRunErrorCode.INTERRUPTED) {
            process.stderr.write(`testnet: ${err.message}\n`)
            return null
          }
          throw err
        })
        if (out === null) {
          process.exitCode = 130
          return
        }
        const summary = {
          ended: out.ended,
          mode: out.mode,
          swaps: out.swaps.map(swapToJson),
          improvements: out.improvements,
          downtimes: out.downtimes,
          disks: out.disks,
          ledger: {
            ...out.ledger,
            balances: Object.fromEntries(
              Object.entries(out.ledger.balances).map(([owner, b]) => [owner, b.toString()]),
            ),
          },
          expected: out.expected,
          placement: out.placement,
          comparison: out.comparison,
          runs: out.runs.map((r) => ({ id: r.run.id, ended: r.ended, totalSeconds: r.run.totalSeconds })),
          report: out.report?.html ?? null,
          market: out.market,
        }
        if (flags.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`)
        else {
          for (const i of out.improvements)
            process.stdout.write(
              `${i.vm}: ${i.metric} ${i.before.toFixed(2)} -> ${i.after.toFixed(2)} ${i.unit}${i.improved ? ' (improved)' : ' (NOT improved)'}\n`,
            )
          for (const d of out.downtimes)
            process.stdout.write(
              `${d.vm}: down ${d.backAt === null ? 'until the end' : `${((d.backAt - d.leftAt) / 1000).toFixed(1)} s`}\n`,
            )
          for (const d of out.disks)
            process.stdout.write(
              `${d.vm}: disk ${d.same ? 'arrived bit for bit' : 'DIFFERS'} (${d.from} -> ${d.to})\n`,
            )
          for (const x of out.swaps)
            process.stdout.write(
              `${x.a.vm} (${x.a.host}) and ${x.b.vm} (${x.b.host}) agreed: ${termsText(x)}; ${x.outcome ?? 'not resolved'}\n`,
            )
          if (out.swaps.length === 0)
            process.stdout.write(
              out.ended === 'no-gain'
                ? 'no swap: no agent found a gain (the run says why for each VM above)\n'
                : 'no swap was agreed within the run\n',
            )
          process.stdout.write(`${out.ledger.verifyDetail}\n`)
          for (const [owner, b] of Object.entries(out.ledger.balances))
            process.stdout.write(`balance ${owner}: ${b > 0n ? '+' : ''}${b} micro-credits\n`)
          for (const line of out.comparison) process.stdout.write(`${line}\n`)
          for (const c of out.market?.checks ?? [])
            process.stdout.write(`check ${c.ok ? 'ok' : 'FAILED'}: ${c.name} (${c.detail})\n`)
          for (const [loc, owner] of Object.entries(out.ledger.owners))
            process.stdout.write(
              `location ${loc}: owner ${owner ?? '-'}, runs ${Object.keys(out.placement).find((v) => out.placement[v] === loc) ?? '-'}\n`,
            )
        }
        if (out.ended === 'aborted') process.exitCode = 130
        // emulated mode: on a loaded machine the hosts' measured profiles lie close together, so finding no gain is an accepted outcome
        else if (out.ended === 'no-gain' && out.mode === 'emulated') process.exitCode = 0
        else if (out.swaps.length === 0 || out.improvements.some((i) => !i.improved)) process.exitCode = 1
        else if (out.market?.checks.some((c) => !c.ok)) process.exitCode = 1
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
