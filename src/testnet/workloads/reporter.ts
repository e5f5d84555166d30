/**
 * How a workload reports: a WorkloadReporter takes status bodies and stamps
 * them with the time and the workload's identity. The JSON-lines one
 * appends each record to a file in the host's run directory (outside the
 * VM's disk: the status belongs to the run, not to the VM), one write per
 * record, so a reader tailing it sees whole lines and a killed workload
 * loses nothing it reported.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { StatusBody, StatusIdentity, WorkloadStatus } from './status.js'

export interface WorkloadReporter {
  report(body: StatusBody): void
  close(): void
}

export class JsonLinesReporter implements WorkloadReporter {
  private fd: number | null

  constructor(
    readonly path: string,
    private readonly identity: StatusIdentity,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, 'a', 0o644)
  }

  report(body: StatusBody): void {
    if (this.fd === null) return
    const record: WorkloadStatus = { t: this.now(), ...this.identity, ...body }
    writeSync(this.fd, `${JSON.stringify(record)}\n`)
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}
