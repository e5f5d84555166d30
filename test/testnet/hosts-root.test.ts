/**
 * Root mode on the real kernel: two hosts with different profiles, their
 * cgroups, qdiscs and namespaces as the system shows them, measured by fio,
 * iperf3 and sockperf, then a close that leaves nothing on the system.
 * Skipped (saying why) where root mode cannot run.
 */
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createHostFabric, type HostFabric, rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { pidsWithMarker } from '../../src/testnet/hosts/proc.js'
import { verifyFabric } from '../../src/testnet/hosts/verify.js'
import { assertChecks, isAlive, rootLinks, systemLeftovers } from './helpers.js'

const why = rootModeUnavailable()
const missing = ['fio', 'iperf3', 'sockperf'].filter(
  (tool) => !(process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, tool))),
)
const skip =
  why !== null
    ? `root mode cannot run here: ${why}`
    : missing.length > 0
      ? `not installed: ${missing.join(', ')}`
      : false

const sh = async (cmd: string, args: string[]): Promise<string> => {
  const { execFileSync } = await import('node:child_process')
  return execFileSync(cmd, args, { encoding: 'utf8' })
}

t.test('root hosts: kernel limits in place, measured, and removed', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-hosts-root-'))
  const vethBefore = rootLinks('veth')
  const ifbBefore = rootLinks('ifb')
  let fabric: HostFabric | null = null
  let runId = ''
  t.teardown(async () => {
    await fabric?.close()
    await rm(dir, { recursive: true, force: true })
  })
  fabric = await createHostFabric({
    mode: 'root',
    baseDir: dir,
    stateDir: join(dir, 'state'),
    print: () => {},
    hosts: [
      {
        name: 'a',
        profile: { diskWriteMBps: 20, diskWriteIops: 200, cpuCores: 0.3, netMbit: 30, netDelayMs: 15 },
      },
      {
        name: 'b',
        profile: { diskReadMBps: 60, cpuCores: 0.5, netMbit: 60, netDownMbit: 40, netDelayMs: 5 },
      },
    ],
  })
  runId = fabric.runId
  const stem = `vboomtn-${runId}`

  // The system as it is, not the run's records.
  t.equal(
    readFileSync(`/sys/fs/cgroup/cpu/${stem}-h0/cpu.cfs_quota_us`, 'utf8').trim(),
    '30000',
    'a: 0.3 cores',
  )
  t.equal(
    readFileSync(`/sys/fs/cgroup/cpu/${stem}-h1/cpu.cfs_quota_us`, 'utf8').trim(),
    '50000',
    'b: 0.5 cores',
  )
  const loops = JSON.parse(await sh('losetup', ['-J', '-l'])).loopdevices as {
    name: string
    'back-file': string
    dio: string | boolean
  }[]
  const loopA = loops.find((l) => l['back-file'] === join(dir, stem, 'h0', 'disk.img'))
  t.ok(loopA, "a's disk is a loop device over its image")
  t.ok(loopA?.dio === true || loopA?.dio === '1', 'attached with direct I/O')
  const rdev = statSync(loopA!.name).rdev
  const majMin = `${Math.floor(rdev / 256) & 0xfff}:${rdev & 0xff}`
  t.match(
    readFileSync(`/sys/fs/cgroup/blkio/${stem}-h0/blkio.throttle.write_bps_device`, 'utf8'),
    `${majMin} 20000000`,
    'write cap on the loop device itself',
  )
  t.match(
    readFileSync(`/sys/fs/cgroup/blkio/${stem}-h0/blkio.throttle.write_iops_device`, 'utf8'),
    `${majMin} 200`,
  )
  const netns = await sh('ip', ['netns', 'list'])
  for (const ns of ['hub', 'h0', 'h1']) t.match(netns, `${stem}-${ns}`, `namespace ${ns} exists`)
  t.match(
    await sh('tc', ['-n', `${stem}-h0`, 'qdisc', 'show', 'dev', 'eth0']),
    /tbf .*rate 30Mbit/,
    "a's upload is shaped",
  )
  t.match(
    await sh('tc', ['-n', `${stem}-hub`, 'qdisc', 'show', 'dev', 'vh1']),
    /tbf .*rate 40Mbit/,
    "b's download is shaped",
  )

  const [a] = fabric.hosts
  const probe = a!.spawn('sleep', ['30'], { stdio: 'ignore' })
  await new Promise((r) => setTimeout(r, 300))
  const cgroups = readFileSync(`/proc/${probe.pid}/cgroup`, 'utf8')
  t.match(cgroups, `:cpu:/${stem}-h0`, 'a spawned process is in the host cpu cgroup')
  t.match(cgroups, `:blkio:/${stem}-h0`, 'and in its blkio cgroup')
  t.equal(
    readlinkSync(`/proc/${probe.pid}/ns/net`),
    `net:[${statSync(`/run/netns/${stem}-h0`).ino}]`,
    'and in its network namespace',
  )
  t.equal(readFileSync(`/proc/${probe.pid}/comm`, 'utf8').trim(), 'sleep', 'as the command itself (one pid)')

  const checks = await verifyFabric(fabric, { seconds: 1 })
  t.same(
    checks.map((c) => `${c.host} ${c.metric} ${c.unit} ${c.tool.split(' ')[0]}`),
    [
      'a disk write MB/s fio',
      'a disk write MB/s HostFile',
      'a disk write IOPS fio',
      'a cpu cores yes,',
      'a net down Mbit/s iperf3',
      'a net up Mbit/s iperf3',
      'a delay one-way ms sockperf',
      'b disk read MB/s fio',
      'b cpu cores yes,',
      'b net down Mbit/s iperf3',
      'b net up Mbit/s iperf3',
      'b delay one-way ms sockperf',
      'a->b delay one-way ms sockperf',
    ],
  )
  assertChecks(t, checks, 'root')

  await fabric.close()
  fabric = null
  t.same(systemLeftovers(runId), [], 'no cgroup, loop device, mount or namespace of the run is left')
  t.same(
    rootLinks('veth').filter((l) => !vethBefore.includes(l)),
    [],
    'no veth appeared in the root namespace',
  )
  t.same(
    rootLinks('ifb').filter((l) => !ifbBefore.includes(l)),
    [],
    'no ifb appeared',
  )
  t.notOk(isAlive(probe.pid!), 'the host process is gone')
  t.same(pidsWithMarker(runId), [], 'no process of the run is left (the relay included)')
  t.notOk(existsSync(join(dir, stem)), 'the run directory is gone')
})
