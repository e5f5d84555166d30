/**
 * Reads a workload's status file as it grows: each call returns the records
 * appended since the last one. A line still being written is kept for the
 * next call; a line that is not a status record is skipped and counted
 * (the file is the run's, but a reader must not stop on one bad line).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { MAX_STATUS_LINE_BYTES } from './constants.js'
import { parseStatus, type WorkloadStatus } from './status.js'

/** Bytes read per system call. */
const READ_BYTES = 64 * 1024

export class StatusTail {
  private offset = 0
  private pending = ''
  /** Keeps a character split across two reads whole. */
  private decoder = new StringDecoder('utf8')
  /** Lines skipped because they were not status records (or too long). */
  rejected = 0

  constructor(readonly path: string) {}

  /** Records appended since the last call (none when the file does not exist yet). */
  read(): WorkloadStatus[] {
    let size: number
    try {
      size = statSync(this.path).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    // A file shorter than what was read was replaced: read it from the start.
    if (size < this.offset) {
      this.offset = 0
      this.pending = ''
      this.decoder = new StringDecoder('utf8')
    }
    if (size === this.offset) return []
    const fd = openSync(this.path, 'r')
    try {
      const buf = Buffer.alloc(READ_BYTES)
      while (this.offset < size) {
        const n = readSync(fd, buf, 0, Math.min(READ_BYTES, size - this.offset), this.offset)
        if (n === 0) break
        this.offset += n
        this.pending += this.decoder.write(buf.subarray(0, n))
      }
    } finally {
      closeSync(fd)
    }
    const out: WorkloadStatus[] = []
    let nl = this.pending.indexOf('\n')
    while (nl >= 0) {
      const line = this.pending.slice(0, nl)
      this.pending = this.pending.slice(nl + 1)
      nl = this.pending.indexOf('\n')
      if (line.trim() === '') continue
      const record = this.parse(line)
      if (record === null) this.rejected++
      else out.push(record)
    }
    if (this.pending.length > MAX_STATUS_LINE_BYTES) {
      this.rejected++
      this.pending = ''
    }
    return out
  }

  private parse(line: string): WorkloadStatus | null {
    if (line.length > MAX_STATUS_LINE_BYTES) return null
    try {
      return parseStatus(JSON.parse(line))
    } catch {
      return null
    }
  }
}

/** Every record of a finished status file. */
export function readStatusFile(path: string): { records: WorkloadStatus[]; rejected: number } {
  const tail = new StatusTail(path)
  const records = tail.read()
  return { records, rejected: tail.rejected }
}
