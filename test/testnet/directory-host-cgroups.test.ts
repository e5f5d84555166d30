/**
 * A directory host's blkio cgroup goes with it, and one a dead process left
 * (a test killed before its teardown) is removed by the next directory host;
 * checked in /sys/fs/cgroup. Root with cgroup v1 blkio only.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DirectoryHost, diskLimitUnavailable } from '../../src/testnet/host/directory-host.js'

const BLKIO = '/sys/fs/cgroup/blkio'
const why = diskLimitUnavailable()

const deadPid = (): Promise<number> =>
  new Promise((resolve) => {
    const c = spawn('true')
    c.once('exit', () => resolve(c.pid!))
  })

t.test(
  "a directory host's cgroup is removed with it, and a dead process's by the next host",
  { skip: why === null ? false : `no disk limits here: ${why}` },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vboom-dirhost-'))
    const made: string[] = []
    t.teardown(async () => {
      for (const c of made) if (existsSync(c)) rmdirSync(c)
      await rm(dir, { recursive: true, force: true })
    })
    const dead = join(BLKIO, `vboom-dirhost-${await deadPid()}-0123ab`)
    const live = join(BLKIO, `vboom-dirhost-${process.pid}-0456cd`)
    for (const c of [dead, live]) {
      mkdirSync(c)
      made.push(c)
    }
    const before = new Set(readdirSync(BLKIO))

    const host = await DirectoryHost.create({ location: 'loc-x', dir, disk: { writeBps: 50 * 2 ** 20 } })
    t.teardown(() => host.close())
    t.ok(host.diskLimited, 'the host has its disk limit')
    t.notOk(existsSync(dead), 'the cgroup of a dead process is gone')
    t.ok(existsSync(live), 'the cgroup of a live process is left alone')
    // other runs on the machine may make cgroups meanwhile: only ours, named after this process
    const own = readdirSync(BLKIO).filter(
      (n) => !before.has(n) && n.startsWith(`vboom-dirhost-${process.pid}-`),
    )
    t.equal(own.length, 1, "the host's cgroup names its maker")
    made.push(...own.map((n) => join(BLKIO, n)))

    await host.close()
    t.notOk(existsSync(join(BLKIO, own[0]!)), 'closing the host removes its cgroup')
  },
)
