/**
 * A disk load for verification, run inside a host: reads or writes a file
 * through the host's HostFile API forever (sequential or random blocks),
 * printing "ready" after the first I/O. What it achieves is measured from
 * outside by the kernel's I/O counters of this process (/proc/<pid>/io), not
 * by this code.
 *
 * argv: <read|write> <seq|rand> <block bytes> <file bytes> <path> <depth>
 * (depth: I/Os in flight, as fio's iodepth; IOPS need several on a disk with latency)
 */
import { randomFillSync } from 'node:crypto'
import { HostRuntime } from './runtime.js'

async function main(): Promise<void> {
  const [kind, pattern, bs, size, path, depthArg] = process.argv.slice(2)
  const depth = Number(depthArg ?? '1')
  const block = Number(bs)
  const fileBytes = Number(size)
  if (
    (kind !== 'read' && kind !== 'write') ||
    (pattern !== 'seq' && pattern !== 'rand') ||
    path === undefined
  )
    throw new Error('usage: measure-main <read|write> <seq|rand> <block bytes> <file bytes> <path> <depth>')
  const host = HostRuntime.current()
  const file = await host.openFile(path, kind === 'write' ? { writable: true, createBytes: fileBytes } : {})
  const blocks = Math.floor(fileBytes / block)
  let next = 0
  let ready = false
  const worker = async (): Promise<void> => {
    const buf = randomFillSync(new Uint8Array(block))
    for (;;) {
      const i = next++
      const at = (pattern === 'seq' ? i % blocks : Math.floor(Math.random() * blocks)) * block
      if (kind === 'write') await file.write(buf, at)
      else await file.read(buf, at)
      if (!ready) {
        ready = true
        process.stdout.write('ready\n')
      }
    }
  }
  await Promise.all(Array.from({ length: depth }, worker))
}

main().catch((err: unknown) => {
  process.stderr.write(`measure: ${(err as Error).message}\n`)
  process.exit(1)
})
