/**
 * Scenario `paper` in full (three runs of the scaled TestDFSIO job: without
 * VBoom, with VBoom, oracle placement), as root. Long (~30-40 min on a
 * 2-core machine), so it runs only when VBOOM_TESTNET_PAPER=1; the figures
 * it prints are the ones the docs quote.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { paperScenario, runScenario } from '../../src/testnet/run/index.js'

t.setTimeout(90 * 60_000)

const why =
  process.env.VBOOM_TESTNET_PAPER === '1'
    ? rootModeUnavailable()
    : 'set VBOOM_TESTNET_PAPER=1 to run it (long)'
t.test('the paper scenario: three runs, the slow workers swapped away', { skip: why ?? false }, async (t) => {
  const results = process.env.VBOOM_TESTNET_RESULTS ?? (await mkdtemp(join(tmpdir(), 'vboom-paper-')))
  if (process.env.VBOOM_TESTNET_RESULTS === undefined)
    t.teardown(() => rm(results, { recursive: true, force: true }))
  const out = await runScenario({
    scenario: paperScenario(),
    mode: 'root',
    durationS: 3600,
    resultsDir: results,
    view: 'none',
    print: (l) => t.comment(l),
  })
  t.same(
    out.runs.map((r) => [r.run.id, r.ended]),
    [
      ['baseline', 'done'],
      ['vboom', 'done'],
      ['oracle', 'done'],
    ],
    'the job finished in each run',
  )
  for (const r of out.runs) t.equal(r.run.tasks.length, 22, `${r.run.label}: 22 tasks`)
  const vboom = out.runs[1]!
  t.ok(vboom.swaps.length >= 1, 'with VBoom, the market swapped')
  for (const x of vboom.swaps) t.equal(x.outcome, 'committed')
  for (const d of vboom.disks) t.ok(d.same, `${d.vm}'s disk arrived bit for bit`)
  t.ok(vboom.ledger.verified, vboom.ledger.verifyDetail)
  for (const line of out.comparison) t.comment(line)
})
