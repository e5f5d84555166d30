/**
 * The emulated mode (no root needed; forced here so it runs as root too):
 * hosts' limits measured by outside tools, processes started in hosts, and a
 * close that leaves nothing.
 */
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createHostFabric, type HostFabric, HostRuntime } from '../../src/testnet/hosts/index.js'
import { pidsWithMarker } from '../../src/testnet/hosts/proc.js'
import { verifyFabric } from '../../src/testnet/hosts/verify.js'
import { assertChecks, isAlive } from './helpers.js'

const hasTools = ['iperf3', 'sockperf'].every((tool) =>
  (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, tool))),
)

t.test(
  'emulated hosts hold their profiles and leave nothing behind',
  { skip: hasTools ? false : 'iperf3 and sockperf are not installed (apt-get install iperf3 sockperf)' },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vboom-hosts-emu-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const lines: string[] = []
    let fabric: HostFabric | null = await createHostFabric({
      mode: 'emulated',
      baseDir: dir,
      stateDir: join(dir, 'state'),
      print: (l) => lines.push(l),
      hosts: [
        {
          name: 'slow',
          profile: { diskWriteMBps: 15, diskReadIops: 200, cpuCores: 0.3, netMbit: 20, netDelayMs: 15 },
        },
        {
          name: 'fast',
          profile: {
            diskReadMBps: 50,
            diskWriteIops: 300,
            cpuCores: 0.5,
            netMbit: 40,
            netDownMbit: 30,
            netDelayMs: 5,
          },
        },
      ],
    })
    t.teardown(() => fabric?.close())
    t.match(
      lines[0],
      /^testnet hosts: emulated mode \(emulated mode requested\)$/,
      'the mode and its reason are printed',
    )
    t.equal(fabric.mode, 'emulated')
    const [slow, fast] = fabric.hosts
    t.not(
      slow!.info.advertised[0]!.port,
      slow!.info.service[0]!.port,
      'peers dial the relay, not the service',
    )
    t.ok(existsSync(slow!.info.vmDisk), 'the VM disk image exists')

    const checks = await verifyFabric(fabric, { seconds: 1 })
    t.same(
      checks.map((c) => `${c.host} ${c.metric} ${c.unit}`),
      [
        'slow disk write MB/s',
        'slow disk read IOPS',
        'slow cpu cores',
        'slow net down Mbit/s',
        'slow net up Mbit/s',
        'slow delay one-way ms',
        'fast disk read MB/s',
        'fast disk write IOPS',
        'fast cpu cores',
        'fast net down Mbit/s',
        'fast net up Mbit/s',
        'fast delay one-way ms',
        'slow->fast delay one-way ms',
      ],
      'every limit set is checked, and only those',
    )
    assertChecks(t, checks, 'emulated')

    const sleeper = fast!.spawn('sh', ['-c', 'sleep 600 & sleep 600'], { stdio: 'ignore' })
    const runId = fabric.runId
    await new Promise((r) => setTimeout(r, 200))
    t.ok(pidsWithMarker(runId).length >= 3, 'a host process and its children carry the run marker')
    await fabric.close()
    fabric = null
    t.notOk(isAlive(sleeper.pid!), 'the host process is gone')
    t.same(pidsWithMarker(runId), [], 'no process of the run is left, children included')
    t.notOk(existsSync(join(dir, `vboomtn-${runId}`)), 'the run directory is gone')
    t.same(readdirSync(join(dir, 'state')), [], 'the run record is gone')
  },
)

t.test('the host runtime: only inside a host, whole sectors only', async (t) => {
  const saved = process.env.VBOOM_TESTNET_HOST
  delete process.env.VBOOM_TESTNET_HOST
  t.throws(() => HostRuntime.current(), { name: 'HostEmulationError', code: 'NOT_IN_HOST' })
  if (saved !== undefined) process.env.VBOOM_TESTNET_HOST = saved
  const dir = await mkdtemp(join(tmpdir(), 'vboom-hosts-rt-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const rt = new HostRuntime({
    runId: 'abcdef',
    name: 'x',
    index: 0,
    mode: 'root',
    profile: {},
    vmDisk: join(dir, 'vm.img'),
    vmDiskBytes: 1 << 20,
    scratchDir: dir,
    service: [],
    advertised: [],
    diskGate: null,
  })
  const f = await rt.openFile(join(dir, 'f'), { writable: true, createBytes: 1 << 20 })
  t.teardown(() => f.close())
  await t.rejects(f.write(new Uint8Array(100), 0), { name: 'HostEmulationError', code: 'UNALIGNED_IO' })
  await t.rejects(f.read(new Uint8Array(4096), 512), { name: 'HostEmulationError', code: 'UNALIGNED_IO' })
  const data = new Uint8Array(8192).map((_, i) => i & 0xff)
  await f.write(data, 4096)
  const back = new Uint8Array(8192)
  t.equal(await f.read(back, 4096), 8192)
  t.same(
    Buffer.from(back),
    Buffer.from(data),
    'what is written is read back (through the aligned bounce buffers)',
  )
})
