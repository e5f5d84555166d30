/**
 * Removes what earlier runs left when they died without cleaning up (SIGKILL,
 * a crash, a power cut of the runner): every run record whose creating
 * process is gone (dead, or its pid now names a process with another start
 * time). Live runs, and anything not provably a dead run's, are left alone.
 */

import { rmSync } from 'node:fs'
import { isSameProcess } from './proc.js'
import { readRecords } from './run-state.js'
import { removeRun } from './teardown.js'

export interface SweepReport {
  /** Run ids whose leftovers were removed. */
  swept: string[]
  /** What could not be removed (the record is kept, so a later sweep tries again). */
  problems: string[]
}

export function sweepDeadRuns(stateDir: string): SweepReport {
  const report: SweepReport = { swept: [], problems: [] }
  for (const { file, record } of readRecords(stateDir)) {
    if (isSameProcess(record.pid, record.pidStart)) continue
    const problems = removeRun(record)
    if (problems.length === 0) {
      rmSync(file, { force: true })
      report.swept.push(record.runId)
    } else report.problems.push(...problems.map((p) => `run ${record.runId}: ${p}`))
  }
  return report
}
