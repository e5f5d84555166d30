import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import t from 'tap'
import { parseProcIo, startRunMeter } from '../../../src/node/profiler/index.js'

t.test('parses /proc/<pid>/io', async (t) => {
  const text =
    'rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n'
  t.same(parseProcIo(text), { readBytes: 4096, writeBytes: 8192 })
  t.equal(parseProcIo('rchar: 1\n'), null, 'fields missing: nothing')
})

t.test('a run’s CPU time and storage bytes, measured on this process', async (t) => {
  const meter = await startRunMeter()
  // Busy until the kernel has charged 100 ms of CPU to us, however loaded the machine is.
  const before = process.cpuUsage()
  let x = 0
  while (process.cpuUsage(before).user < 100_000) x += Math.sqrt(x + 1)
  await writeFile(`${t.testdir()}/f`, Buffer.alloc(1 << 20, 7), { flush: true })
  const cost = await meter.finish(200, 0, 0)
  t.ok(cost.cpuMs >= 100, `the busy loop's CPU time counts (${cost.cpuMs.toFixed(0)} ms)`)
  if (existsSync('/proc/self/io'))
    t.ok(cost.writeBytes >= 1 << 20, `the flushed MiB counts as written (${cost.writeBytes} bytes)`)
  t.equal(cost.wallMs, 200)
})
