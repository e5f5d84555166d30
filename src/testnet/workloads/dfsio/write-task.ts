/**
 * One DFSIO task on the worker's disk: write `bytes` to a new file through
 * the host's file API (direct I/O, or O_DSYNC where the filesystem refuses
 * it, so every write reaches the disk and the host's limits bind it), then
 * remove it (TestDFSIO's files go at cleanup; the VM disk is small). The
 * time is the write's, open to close, as TestDFSIO measures a map task.
 */
import { rm } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import type { HostRuntime } from '../../hosts/index.js'
import { DISK_CHUNK_BYTES } from '../constants.js'

export interface TaskWrite {
  /** Bytes written (all of them unless stopped). */
  written: number
  seconds: number
  /** True when `shouldStop` ended the write early. */
  stopped: boolean
}

export async function writeTaskFile(
  host: HostRuntime,
  path: string,
  bytes: number,
  /** Source data: DISK_CHUNK_BYTES of it (incompressible, written again and again). */
  chunk: Uint8Array,
  onWritten: (n: number) => void,
  shouldStop: () => boolean,
): Promise<TaskWrite> {
  await rm(path, { force: true })
  const started = performance.now()
  const file = await host.openFile(path, { createBytes: bytes })
  let written = 0
  try {
    while (written < bytes && !shouldStop()) {
      const n = Math.min(DISK_CHUNK_BYTES, bytes - written)
      await file.write(chunk.subarray(0, n), written)
      written += n
      onWritten(n)
    }
  } finally {
    await file.close()
  }
  const seconds = (performance.now() - started) / 1000
  await rm(path, { force: true })
  return { written, seconds, stopped: written < bytes }
}
