/**
 * The workloads' parts that need no host: the DFSIO master's task board
 * (Hadoop's rules for lost attempts), the protocol's checks, specs, the
 * status file and its reader, and the CPU and network workloads run in this
 * process (outside any host, where they run unthrottled).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { decodeMasterMessage, decodeWorkerMessage } from '../../src/testnet/workloads/dfsio/protocol.js'
import { TaskBoard } from '../../src/testnet/workloads/dfsio/task-board.js'
import {
  JsonLinesReporter,
  parseSpec,
  readStatusFile,
  runWorkload,
  StatusTail,
  type WorkloadSpecInput,
} from '../../src/testnet/workloads/index.js'

const MiB = 2 ** 20

t.test('task board: hands out tasks in order, each once, and records them', async (t) => {
  const b = new TaskBoard(3, MiB, 5_000, null, 0)
  const r1 = b.request('w1', 1_000)
  t.same(r1.reply, { type: 'task', task: 0, attempt: 1, bytes: MiB })
  t.same(b.request('w2', 1_000).reply, { type: 'task', task: 1, attempt: 1, bytes: MiB })
  t.same(b.request('w3', 1_000).reply, { type: 'task', task: 2, attempt: 1, bytes: MiB })
  t.same(b.request('w4', 1_000).reply, { type: 'wait' }, 'all running elsewhere: wait')
  t.equal(b.state.jobStartMs, 1_000, 'the job starts at the first assignment')
  const d = b.done('w1', 0, 1, MiB, 0.5, 3_000)
  t.ok(d.accepted)
  t.match(d.events[0], { event: 'done', record: { task: 0, worker: 'w1', seconds: 2, writeSeconds: 0.5 } })
  t.equal(b.done('w2', 1, 1, MiB, 1, 4_000).accepted, true)
  t.notOk(b.finished)
  t.equal(b.done('w3', 2, 1, MiB, 1, 5_000).accepted, true)
  t.ok(b.finished, 'the job ends with its last task')
  t.equal(b.state.jobEndMs, 5_000)
  t.same(b.request('w1', 6_000).reply, { type: 'finished' })
  t.same(
    b.records().map((r) => r.task),
    [0, 1, 2],
  )
})

t.test('task board: a worker asking again loses its attempt and gets the task back', async (t) => {
  const b = new TaskBoard(2, MiB, 5_000, null, 0)
  b.request('w1', 0)
  b.request('w2', 0)
  // w1's VM left and came back: it asks again while holding task 0.
  const again = b.request('w1', 10_000)
  t.match(again.events[0], { event: 'lost', task: 0, attempt: 1, worker: 'w1' })
  t.same(again.reply, { type: 'task', task: 0, attempt: 2, bytes: MiB }, 'the lost task first, a new attempt')
  t.notOk(b.progress('w1', 0, 1, 100, 10_500), 'the old attempt is void: abandon it')
  t.ok(b.progress('w1', 0, 2, 100, 10_500))
  t.equal(b.done('w1', 0, 2, MiB, 1, 12_000).accepted, true)
  const rec = b.records()[0]!
  t.equal(rec.attempts, 2)
  t.equal(rec.seconds, 12, 'the task took from its first assignment (the lost attempt counts)')
  t.equal(b.lostCount(), 1)
})

t.test('task board: no progress for the timeout loses the attempt; the first to complete wins', async (t) => {
  const b = new TaskBoard(1, MiB, 5_000, null, 0)
  b.request('w1', 0)
  t.ok(b.progress('w1', 0, 1, 10, 4_000))
  t.same(b.expire(8_000), [], 'progress renewed the lease')
  const lost = b.expire(9_001)
  t.match(lost, [{ event: 'lost', task: 0, attempt: 1, reason: /no progress for 5 s/ }])
  t.same(b.request('w2', 9_500).reply, { type: 'task', task: 0, attempt: 2, bytes: MiB })
  // The slow first attempt completes after all: it did the whole task, so it wins.
  t.equal(b.done('w1', 0, 1, MiB, 9, 10_000).accepted, true)
  t.notOk(b.progress('w2', 0, 2, 10, 10_100), 'the second attempt is told to abandon')
  t.equal(b.done('w2', 0, 2, MiB, 1, 11_000).accepted, false, 'a later completion is not recorded')
  t.equal(b.records()[0]!.worker, 'w1')
})

t.test('task board: what a worker cannot claim, and a saved board resumes', async (t) => {
  const b = new TaskBoard(2, MiB, 5_000, null, 0)
  b.request('w1', 0)
  t.throws(
    () => b.done('w1', 0, 1, MiB - 4096, 1, 1),
    { name: 'WorkloadError', code: 'BAD_MESSAGE' },
    'partial',
  )
  t.throws(() => b.done('w2', 0, 1, MiB, 1, 1), { code: 'BAD_MESSAGE' }, 'not its attempt')
  t.throws(() => b.progress('w1', 5, 1, 0, 1), { code: 'BAD_MESSAGE' }, 'no such task')
  t.throws(() => b.progress('w1', 0, 9, 0, 1), { code: 'BAD_MESSAGE' }, 'no such attempt')
  const saved = JSON.parse(JSON.stringify(b.state))
  const resumed = new TaskBoard(2, MiB, 5_000, saved, 100_000)
  t.same(resumed.expire(104_000), [], 'a restarted master gives running attempts a fresh lease')
  t.same(resumed.request('w2', 104_000).reply, { type: 'task', task: 1, attempt: 1, bytes: MiB })
  t.throws(() => new TaskBoard(3, MiB, 5_000, saved, 0), { code: 'STATE_INVALID' }, 'another job')
})

t.test('protocol: lines outside the protocol are typed errors', async (t) => {
  t.same(decodeWorkerMessage('{"type":"request","worker":"w","version":1}'), {
    type: 'request',
    worker: 'w',
    version: 1,
  })
  for (const bad of [
    'not json',
    '{"type":"hello"}',
    '{"type":"done","worker":"w","task":0,"attempt":1,"bytes":4096,"seconds":0}',
    '{"type":"progress","worker":"w","task":-1,"attempt":1,"bytes":0}',
    '{"type":"request","worker":"w","version":1,"extra":1}',
  ])
    t.throws(() => decodeWorkerMessage(bad), { name: 'WorkloadError', code: 'BAD_MESSAGE' }, bad)
  t.throws(() => decodeMasterMessage('{"type":"task","task":0}'), { code: 'BAD_MESSAGE' })
})

t.test('specs: defaults and rules', async (t) => {
  const m = parseSpec({ kind: 'dfsio-master', tasks: 22, taskBytes: 800 * MiB })
  t.match(m, { kind: 'dfsio-master', taskTimeoutS: 30, servicePort: 1, lingerS: 30 })
  t.throws(() => parseSpec({ kind: 'dfsio-master', tasks: 22, taskBytes: 800e6 + 1 }), {
    code: 'SPEC_INVALID',
    message: /multiple of 4096/,
  })
  t.throws(() => parseSpec({ kind: 'gpu' }), { code: 'SPEC_INVALID' })
  t.throws(() => parseSpec({ kind: 'dfsio-worker' }), { code: 'SPEC_INVALID', message: /master/ })
})

t.test('status file: whole lines only, bad lines counted, growth followed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-wl-status-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'run', 'status.jsonl')
  let now = 1_000
  const rep = new JsonLinesReporter(path, { vm: 'vm-a', host: 'h0', workload: 'cpu' }, () => now)
  const tail = new StatusTail(path)
  rep.report({ type: 'start', mode: 'none' })
  now = 2_000
  rep.report({ type: 'sample', metric: 'cpu', rate: 12.5, unit: 'units/s', total: 13, intervalS: 1 })
  t.same(
    tail.read().map((r) => [r.t, r.type, r.vm, r.host]),
    [
      [1_000, 'start', 'vm-a', 'h0'],
      [2_000, 'sample', 'vm-a', 'h0'],
    ],
  )
  appendFileSync(path, '{"t":1,"vm":"x"}\n{"type":"sam')
  t.same(tail.read(), [], 'a bad line and a half-written one yield nothing')
  t.equal(tail.rejected, 1)
  appendFileSync(path, 'ple"}\n')
  tail.read()
  t.equal(tail.rejected, 2, 'the completed line is read once whole (and is not a record)')
  rep.report({ type: 'end', reason: 'finished' })
  t.same(
    tail.read().map((r) => r.type),
    ['end'],
  )
  rep.close()
  t.equal(readStatusFile(path).records.length, 3)
})

async function vmRoot(parent: string, name: string, spec: WorkloadSpecInput): Promise<string> {
  const root = join(parent, name)
  mkdirSync(join(root, 'workload'), { recursive: true })
  mkdirSync(join(root, 'vboom'), { recursive: true })
  writeFileSync(join(root, 'vboom', 'vm.json'), JSON.stringify({ name }))
  writeFileSync(join(root, 'workload', 'spec.json'), JSON.stringify(spec))
  return root
}

t.test('cpu workload: counts units, samples each second, keeps its count on the VM disk', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-wl-cpu-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const root = await vmRoot(dir, 'vm-cpu', { kind: 'cpu', unitBytes: 64 * 1024, units: 200 })
  const statusPath = join(dir, 'status.jsonl')
  await runWorkload({ root, statusPath, signal: new AbortController().signal })
  const { records } = readStatusFile(statusPath)
  t.match(records[0], { type: 'start', vm: 'vm-cpu', host: 'none', workload: 'cpu', mode: 'none' })
  t.match(records.at(-1), { type: 'end', reason: 'finished' })
  const last = records.filter((r) => r.type === 'sample').at(-1)
  t.match(last, { metric: 'cpu', unit: 'units/s', total: 200 })
  t.same(JSON.parse(readFileSync(join(root, 'workload', 'state.json'), 'utf8')), { units: 200 })
  // Restarted (the VM moved): the count goes on, so the limit is already met.
  await runWorkload({ root, statusPath, signal: new AbortController().signal })
  t.match(
    readStatusFile(statusPath)
      .records.filter((r) => r.type === 'sample')
      .at(-1),
    { total: 200 },
    'nothing more to do',
  )
})

t.test('network workloads: a stream fills a sink, both report MB/s', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-wl-net-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const port = (probe.address() as { port: number }).port
  await new Promise<void>((r) => probe.close(() => r()))
  const sinkRoot = await vmRoot(dir, 'vm-sink', { kind: 'net-sink', listen: { host: '127.0.0.1', port } })
  const streamRoot = await vmRoot(dir, 'vm-stream', {
    kind: 'net-stream',
    peer: { host: '127.0.0.1', port },
    bytes: 64 * MiB,
  })
  const stopSink = new AbortController()
  const sinkStatus = join(dir, 'sink.jsonl')
  const sink = runWorkload({ root: sinkRoot, statusPath: sinkStatus, signal: stopSink.signal })
  // The sink listens once its note is written.
  while (!existsSync(sinkStatus) || !readFileSync(sinkStatus, 'utf8').includes('listening'))
    await new Promise((r) => setTimeout(r, 50))
  const streamStatus = join(dir, 'stream.jsonl')
  await runWorkload({ root: streamRoot, statusPath: streamStatus, signal: new AbortController().signal })
  // Let the sink take a sample after the last bytes.
  await new Promise((r) => setTimeout(r, 1_200))
  stopSink.abort()
  await sink
  const sent = readStatusFile(streamStatus).records.filter((r) => r.type === 'sample')
  t.match(sent.at(-1), { metric: 'net-send', unit: 'MB/s', total: 64 * MiB })
  const got = readStatusFile(sinkStatus).records.filter((r) => r.type === 'sample')
  t.equal(got.at(-1)?.type === 'sample' && got.at(-1)!.total, 64 * MiB, 'the sink received every byte')
  t.ok(
    got.some((s) => s.type === 'sample' && s.rate > 0),
    'the sink reported a rate',
  )
  const c = connect(port, '127.0.0.1')
  await new Promise<void>((r) => c.once('error', () => r()))
  t.pass('the sink is closed after it was stopped')
})
