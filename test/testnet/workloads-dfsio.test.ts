/**
 * The DFSIO workload in emulated hosts (no root needed; forced emulated so it
 * runs the same as root): a master and two workers as processes of their
 * hosts complete a small job; a worker killed mid-task has its task handed
 * out again, both when it comes back (its VM returned) and, when it does
 * not, after the task timeout; the throughput each worker reports is its
 * host's disk limit.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createHostFabric, type Host, type HostFabric } from '../../src/testnet/hosts/index.js'
import {
  parseResults,
  RESULTS_SCHEMA,
  seriesFromStatus,
  tasksFromDfsio,
} from '../../src/testnet/report/index.js'
import {
  type DfsioResult,
  readStatusFile,
  StatusTail,
  type WorkloadSpecInput,
  type WorkloadStatus,
  workloadMain,
} from '../../src/testnet/workloads/index.js'

const MiB = 2 ** 20
/** Disk limits of the two worker hosts, MB/s: small, so a task takes one to two seconds. */
const SLOW_MBPS = 6
const FAST_MBPS = 12
/**
 * Bytes per task: 12 MiB, twelve 1 MiB writes. The emulated disk gate lets
 * a write start once the bucket is not in debt and charges it after, so a
 * task of n writes takes about (n - 1) writes' time: the larger n, the
 * closer a task's own rate to the limit (here within 9 %).
 */
const TASK_BYTES = 12 * MiB

interface Vm {
  name: string
  root: string
  status: string
  proc: ChildProcess | null
}

function makeVm(dir: string, name: string, spec: WorkloadSpecInput): Vm {
  const root = join(dir, 'vms', name)
  mkdirSync(join(root, 'workload'), { recursive: true })
  mkdirSync(join(root, 'vboom'), { recursive: true })
  writeFileSync(join(root, 'vboom', 'vm.json'), JSON.stringify({ name }))
  writeFileSync(join(root, 'workload', 'spec.json'), JSON.stringify(spec))
  return { name, root, status: join(dir, 'status', `${name}.jsonl`), proc: null }
}

function boot(host: Host, vm: Vm): ChildProcess {
  vm.proc = host.spawnNode(workloadMain(), [vm.root, '--status', vm.status], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  vm.proc.stderr?.on('data', (b: Buffer) => {
    err += b.toString()
  })
  vm.proc.once('exit', (code) => {
    if (code !== 0 && code !== null && code !== 143)
      process.stderr.write(`${vm.name} exited ${code}: ${err}\n`)
  })
  return vm.proc
}

const exited = (p: ChildProcess): Promise<number | null> =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve(p.exitCode)
    : new Promise((r) => p.once('exit', (code) => r(code)))

/** Waits until `tail` shows a record matching `pred`; gives up after `ms`. */
async function waitFor(
  tail: StatusTail,
  pred: (r: WorkloadStatus) => boolean,
  ms: number,
): Promise<WorkloadStatus | null> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const hit = tail.read().find(pred)
    if (hit !== undefined) return hit
    await new Promise((r) => setTimeout(r, 50))
  }
  return null
}

/** Kills a VM's processes at once, as a host stopping the VM does. */
function killVm(vm: Vm): Promise<number | null> {
  const p = vm.proc!
  process.kill(-p.pid!, 'SIGKILL')
  return exited(p)
}

async function setup(t: Test): Promise<{ dir: string; fabric: HostFabric }> {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-wl-dfsio-'))
  let fabric: HostFabric | null = null
  t.teardown(async () => {
    await fabric?.close()
    await rm(dir, { recursive: true, force: true })
  })
  fabric = await createHostFabric({
    mode: 'emulated',
    baseDir: dir,
    stateDir: join(dir, 'state'),
    vmDiskBytes: MiB,
    scratchBytes: MiB,
    print: () => {},
    hosts: [
      { name: 'h-master', profile: {} },
      { name: 'h-slow', profile: { diskWriteMBps: SLOW_MBPS } },
      { name: 'h-fast', profile: { diskWriteMBps: FAST_MBPS } },
    ],
  })
  return { dir, fabric }
}

function masterSpec(tasks: number, taskTimeoutS: number): WorkloadSpecInput {
  return { kind: 'dfsio-master', tasks, taskBytes: TASK_BYTES, taskTimeoutS, lingerS: 2 }
}

const workerSpec = (fabric: HostFabric): WorkloadSpecInput => ({
  kind: 'dfsio-worker',
  // Workers dial the master's host through its advertised address (its network limits apply).
  master: fabric.hosts[0]!.info.advertised[1]!,
})

function readResult(vm: Vm): DfsioResult {
  return JSON.parse(readFileSync(join(vm.root, 'workload', 'result.json'), 'utf8')) as DfsioResult
}

t.test("a master and two workers complete a job; throughput is the hosts' disk limits", async (t) => {
  const { dir, fabric } = await setup(t)
  const [hm, hs, hf] = fabric.hosts as [Host, Host, Host]
  const master = makeVm(dir, 'vm-master', masterSpec(6, 30))
  const slow = makeVm(dir, 'vm-slow', workerSpec(fabric))
  const fast = makeVm(dir, 'vm-fast', workerSpec(fabric))
  const m = boot(hm, master)
  boot(hs, slow)
  boot(hf, fast)
  t.equal(await exited(m), 0, 'the master ends after the job')
  t.equal(await exited(slow.proc!), 0, 'the workers end when told the job is finished')
  t.equal(await exited(fast.proc!), 0)
  const result = readResult(master)
  t.equal(result.records.length, 6, 'every task recorded')
  t.same(
    result.records.map((r) => r.task),
    [0, 1, 2, 3, 4, 5],
  )
  t.ok(
    result.records.every((r) => r.bytes === TASK_BYTES && r.attempts === 1),
    'whole tasks, one attempt each',
  )
  t.equal(result.lostAttempts, 0)
  t.ok(result.totalSeconds > 0 && result.endMs >= result.startMs)
  const by = (w: string) => result.records.filter((r) => r.worker === w)
  t.ok(by('vm-slow').length >= 1 && by('vm-fast').length >= 1, 'both workers took tasks')
  // A task's own throughput is its host's limit (the machine is shared: never above it, not far below).
  for (const [w, limit] of [
    ['vm-slow', SLOW_MBPS],
    ['vm-fast', FAST_MBPS],
  ] as const)
    for (const r of by(w))
      t.ok(
        r.mbps >= limit * 0.5 && r.mbps <= limit * 1.35,
        `${w} task ${r.task}: ${r.mbps.toFixed(2)} MB/s, limit ${limit}`,
      )
  const samples = readStatusFile(slow.status).records.filter((r) => r.type === 'sample')
  t.ok(samples.length >= 1, 'the worker sampled its throughput')
  // The first and last samples cover partial seconds and the throttle's bucket lets a
  // burst through at the edges, so the samples are held to the limit by their median.
  const rates = samples
    .map((s) => (s.type === 'sample' && s.metric === 'disk-write' ? s.rate : Number.NaN))
    .sort((x, y) => x - y)
  const median = rates[Math.floor(rates.length / 2)]!
  t.ok(
    median <= SLOW_MBPS * 1.15,
    `the samples' median is the limit at most (${rates.map((r) => r.toFixed(1)).join(', ')})`,
  )
  const masterLog = readStatusFile(master.status).records
  t.match(
    masterLog.filter((r) => r.type === 'job').map((r) => r.type === 'job' && r.event),
    ['started', 'done'],
  )
  t.notOk(existsSync(join(slow.root, 'workload', 'data', 'dfsio-task.dat')), 'task files are removed')
  // What the workloads recorded makes a run of the report's schema.
  const t0 = result.startMs
  const run = {
    id: 'baseline',
    label: 'without VBoom',
    placement: 'baseline' as const,
    startedAt: new Date(t0).toISOString(),
    totalSeconds: result.totalSeconds,
    tasks: tasksFromDfsio(result, t0, (w) => (w === 'vm-slow' ? 'h-slow' : 'h-fast')),
    series: seriesFromStatus(
      [...readStatusFile(slow.status).records, ...readStatusFile(fast.status).records],
      t0,
    ),
    swaps: [],
    ledgerChecks: [],
  }
  const parsed = parseResults({
    schema: RESULTS_SCHEMA,
    scenario: 'dfsio-small',
    title: 'a small job',
    startedAt: run.startedAt,
    mode: fabric.mode,
    modeReason: fabric.reason,
    hosts: fabric.hosts.map((h) => ({ name: h.info.name, profile: h.info.profile })),
    job: { kind: 'dfsio', tasks: 6, taskBytes: TASK_BYTES, workers: ['vm-slow', 'vm-fast'] },
    runs: [run],
    notes: [],
  })
  t.same(parsed.runs[0]!.series.map((s) => s.vm).sort(), ['vm-fast', 'vm-slow'], 'a series per worker')
  t.match(JSON.parse(readFileSync(join(slow.root, 'workload', 'state.json'), 'utf8')), {
    tasksDone: by('vm-slow').length,
  })
})

t.test('a worker killed mid-task: its task is handed out again when it asks again', async (t) => {
  const { dir, fabric } = await setup(t)
  const [hm, hs, hf] = fabric.hosts as [Host, Host, Host]
  const master = makeVm(dir, 'vm-master', masterSpec(4, 60))
  const slow = makeVm(dir, 'vm-slow', workerSpec(fabric))
  const m = boot(hm, master)
  boot(hs, slow)
  const tail = new StatusTail(slow.status)
  const started = await waitFor(tail, (r) => r.type === 'task' && r.event === 'started', 60_000)
  t.ok(started, 'the slow worker started a task')
  const task = started?.type === 'task' ? started.task : -1
  // Its VM leaves (a swap): the processes are killed mid-write; it returns on the fast host.
  await killVm(slow)
  boot(hf, slow)
  t.equal(await exited(m), 0)
  await exited(slow.proc!)
  const result = readResult(master)
  t.equal(result.records.length, 4)
  const rec = result.records.find((r) => r.task === task)!
  t.equal(rec.attempts, 2, 'the killed attempt was lost and the task ran again')
  t.equal(rec.worker, 'vm-slow', 'given back to the worker that asked again')
  t.equal(result.lostAttempts, 1)
  const lost = readStatusFile(master.status).records.find((r) => r.type === 'task' && r.event === 'lost')
  t.match(lost, { task, attempt: 1, worker: 'vm-slow', reason: /asked for work again/ })
})

t.test(
  'a worker killed mid-task that never returns: its task runs elsewhere after the timeout',
  async (t) => {
    const { dir, fabric } = await setup(t)
    const [hm, hs, hf] = fabric.hosts as [Host, Host, Host]
    const master = makeVm(dir, 'vm-master', masterSpec(3, 3))
    const slow = makeVm(dir, 'vm-slow', workerSpec(fabric))
    const fast = makeVm(dir, 'vm-fast', workerSpec(fabric))
    const m = boot(hm, master)
    boot(hs, slow)
    const started = await waitFor(
      new StatusTail(slow.status),
      (r) => r.type === 'task' && r.event === 'started',
      60_000,
    )
    const task = started?.type === 'task' ? started.task : -1
    await killVm(slow)
    boot(hf, fast)
    t.equal(await exited(m), 0)
    await exited(fast.proc!)
    const result = readResult(master)
    t.equal(result.records.length, 3, 'the job completes without the lost worker')
    const rec = result.records.find((r) => r.task === task)!
    t.match(rec, { worker: 'vm-fast', attempts: 2 }, 'the other worker re-ran it')
    const lost = readStatusFile(master.status).records.find((r) => r.type === 'task' && r.event === 'lost')
    t.match(lost, { task, worker: 'vm-slow', reason: /no progress for 3 s/ })
  },
)
