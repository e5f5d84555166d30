/**
 * The live view: a snapshot rendered to a string (no terminal needed), the
 * plain lines and JSON lines printed when stdout is not a terminal, and the
 * redraws on a terminal.
 */
import { PassThrough } from 'node:stream'
import t from 'tap'
import { renderPlainLine, renderSnapshot, snapshotJob, startLiveView } from '../../src/testnet/view/index.js'
import type { WorkloadStatus } from '../../src/testnet/workloads/index.js'
import { paperSnapshot, T0 } from './fixtures/snapshot.js'

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape codes start with ESC
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g
const ERASE_LINE = '\x1b[2K'

t.test('a snapshot renders to text: hosts, VMs with bars, the swap, the ledger', async (t) => {
  const text = renderSnapshot(paperSnapshot(), { width: 100 })
  t.notMatch(text, ANSI, 'no colour unless asked')
  const lines = text.split('\n')
  t.ok(
    lines.every((l) => [...l].length <= 100),
    'no line wider than the terminal',
  )
  t.match(lines[0], /^VBoom testnet · dfsio-paper · emulated mode · 6:52 elapsed$/)
  for (const h of ['h-master', 'h-normal-1', 'h-normal-2', 'h-slow-1', 'h-slow-2', 'h-spare'])
    t.ok(
      lines.some((l) => l.startsWith(h)),
      `host ${h} listed`,
    )
  t.ok(lines.some((l) => /^h-slow-1\s+stateless\s+vm-w3\s+disk w 18 MB\/s · net 100 Mbit\/s · 1 ms$/.test(l)))
  const w1 = lines.find((l) => l.startsWith('vm-w1'))!
  t.match(w1, /h-normal-1\s+dfsio-worker\s+█+░*\s+30\.7 MB\/s$/, 'a throughput bar and the rate')
  const w4 = lines.find((l) => l.startsWith('vm-w4'))!
  t.match(w4, /17\.9 MB\/s \(stale\)$/, 'a sample older than 3 s is marked stale')
  // Bars share one scale: 30.7 of 31 is nearly full, 17.9 about half.
  const fill = (l: string) => (l.match(/█/g) ?? []).length / (l.match(/[█░]/g) ?? []).length
  t.ok(fill(w1) > 0.9 && fill(w4) > 0.45 && fill(w4) < 0.65, `bars to scale (${fill(w1)}, ${fill(w4)})`)
  t.match(
    lines.find((l) => l.startsWith('vm-w3')),
    /-\s+dfsio-worker\s+swapping$/,
  )
  const swapAt = lines.indexOf('SWAPS')
  t.match(lines[swapAt + 1], /^1a2b3c4d {2}vm-w3 h-slow-1 → h-spare {2}⇄ {2}vm-idle h-spare → h-slow-1$/)
  t.match(lines[swapAt + 2], /^ {2}stage\s+█+░+ {2}52% {2}133\.1\/256\.0 MiB {2}1:52$/)
  t.match(text, /job vm-master\s+█+░+ 9\/22 tasks, 3 running, 6:47/)
  t.match(text, /LEDGER\n#6 .*\n#7 .*swap 1a2b3c4d agreed/)
})

t.test('narrow terminals cut lines; colour is ANSI', async (t) => {
  const narrow = renderSnapshot(paperSnapshot(), { width: 40 })
  t.ok(
    narrow.split('\n').every((l) => [...l].length <= 60),
    'cut at the narrowest layout (60 columns)',
  )
  const coloured = renderSnapshot(paperSnapshot(), { width: 100, color: true })
  t.match(coloured, ANSI)
  t.equal(
    coloured.replace(ANSI, ''),
    renderSnapshot(paperSnapshot(), { width: 100 }),
    'colour changes nothing else',
  )
})

t.test('a plain line for logs', async (t) => {
  t.equal(
    renderPlainLine(paperSnapshot()),
    '[6:52] | job vm-master 9/22 tasks | vm-master@h-master running | vm-w1@h-normal-1 30.7 MB/s | ' +
      'vm-w2@h-normal-2 31.2 MB/s | vm-w3 swapping | vm-w4@h-slow-2 17.9 MB/s | vm-idle swapping | swap 1a2b3c4d stage 52%',
  )
})

function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const p = new PassThrough()
  let out = ''
  p.on('data', (b: Buffer) => {
    out += b.toString()
  })
  Object.assign(p, { isTTY, columns: 100 })
  return { stream: p as unknown as NodeJS.WriteStream, text: () => out }
}

t.test('not a terminal: plain lines, each new ledger entry once', async (t) => {
  const out = sink(false)
  let n = 0
  const view = startLiveView(
    () => {
      const s = paperSnapshot(412 + n)
      if (n++ >= 1)
        s.ledger.push({ seq: '8', at: s.at, kind: 'swap-committed', text: '#8 swap 1a2b3c4d COMMITTED' })
      return s
    },
    { stream: out.stream, intervalMs: 20 },
  )
  t.equal(view.format, 'plain')
  while (n < 3) await new Promise((r) => setTimeout(r, 20))
  await view.stop()
  const lines = out.text().trim().split('\n')
  t.notMatch(out.text(), ANSI, 'no escape codes in a log')
  t.equal(lines.filter((l) => l.startsWith('ledger #6')).length, 1)
  t.equal(lines.filter((l) => l === 'ledger #8 swap 1a2b3c4d COMMITTED').length, 1, 'a new entry once')
  t.ok(lines.filter((l) => l.startsWith('[')).length >= 3, 'a line per tick')
})

t.test('--json: one snapshot per line', async (t) => {
  const out = sink(true)
  const view = startLiveView(() => paperSnapshot(), { stream: out.stream, format: 'json', intervalMs: 20 })
  while (out.text().split('\n').length < 3) await new Promise((r) => setTimeout(r, 20))
  await view.stop()
  const lines = out.text().trim().split('\n')
  t.ok(lines.length >= 2)
  t.same(JSON.parse(lines[0]!), paperSnapshot(), 'the snapshot itself, lossless')
})

t.test('a terminal: redrawn in place; a failing source is said once and asked again', async (t) => {
  const out = sink(true)
  let calls = 0
  const view = startLiveView(
    () => {
      calls++
      if (calls === 2 || calls === 3) throw new Error('supervisor h-slow-1 did not answer')
      return paperSnapshot(412 + calls, calls / 10)
    },
    { stream: out.stream, intervalMs: 20, color: false },
  )
  t.equal(view.format, 'tty')
  // Until it was asked twice after the failures (no timing assumed).
  while (calls < 5) await new Promise((r) => setTimeout(r, 20))
  await view.stop()
  const raw = out.text()
  t.ok(raw.includes(ERASE_LINE), 'earlier frames are erased (log-update)')
  t.equal(
    raw.split('could not take a snapshot (supervisor h-slow-1 did not answer)').length - 1,
    1,
    'said once',
  )
  t.pass('asked again after the failure')
  t.match(raw, /h-spare/)
})

t.test('a job as its master reports it', async (t) => {
  const base = { vm: 'vm-master', host: 'h-master', workload: 'dfsio-master' as const }
  const recs: WorkloadStatus[] = [
    { ...base, t: T0, type: 'job', event: 'started', tasks: 3, tasksDone: 0 },
    { ...base, t: T0, type: 'task', event: 'assigned', task: 0, attempt: 1, worker: 'w1' },
    { ...base, t: T0, type: 'task', event: 'assigned', task: 1, attempt: 1, worker: 'w2' },
    { ...base, t: T0 + 1, type: 'task', event: 'lost', task: 1, attempt: 1, worker: 'w2' },
    { ...base, t: T0 + 2, type: 'task', event: 'done', task: 0, attempt: 1, worker: 'w1' },
  ]
  t.same(snapshotJob(recs), {
    vm: 'vm-master',
    tasksTotal: 3,
    tasksDone: 1,
    running: 0,
    startedAt: T0,
    endedAt: null,
  })
  t.equal(snapshotJob([]), null)
})
