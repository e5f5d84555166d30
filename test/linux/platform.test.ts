import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { STATE_FILES } from '../../src/linux/constants.js'
import type { MachineActions } from '../../src/linux/machine/actions.js'
import { realMachine } from '../../src/linux/machine/actions.js'
import { LinuxPlatform } from '../../src/linux/platform.js'
import { redirectBoot } from '../../src/linux/reserve/boot-area.js'
import { findReserve } from '../../src/linux/reserve/layout.js'
import { BootParamsError } from '../../src/node/lifecycle/index.js'
import { generateSecretKey } from '../../src/protocols/signing.js'
import {
  FAKE_MBR_CODE,
  fakeStateDir,
  fakeSys,
  fakeVboomDisk,
  pendingSwapParams,
  SECTOR,
  tempDir,
} from './helpers.js'

const REBOOTED = 'the machine rebooted'

async function setup(t: Test) {
  const dir = await tempDir(t)
  const d = await fakeVboomDisk(dir)
  const stateDir = await fakeStateDir(dir)
  const sysRoot = await fakeSys(dir, { uuid: '0b3f9c1e-5d2a-4f7e-9a61-2c8d4e6f1a20' })
  const reboots: string[] = []
  const machine: MachineActions = {
    ...realMachine,
    sync: async () => undefined,
    reboot: async () => {
      reboots.push('reboot')
      throw new Error(REBOOTED)
    },
  }
  const platform = await LinuxPlatform.open({ mode: 'stateless', disk: d.path, stateDir, sysRoot, machine })
  return { d, stateDir, platform, reboots }
}

t.test("the lifecycle's boot parameters round-trip through the reserve's record", async (t) => {
  const { stateDir, platform } = await setup(t)
  t.equal(await platform.loadBootParams(), null, 'none before')
  const p = pendingSwapParams()
  await platform.storeBootParams(p)
  t.same(await platform.loadBootParams(), p, 'read back as stored')
  const raw = JSON.parse(await readFile(join(stateDir, STATE_FILES.record), 'utf8'))
  t.equal(raw.params.phase, 'stateless', 'the phase is readable in the record')
  t.equal(
    raw.params.swapSecretKey,
    Buffer.from(p.swapSecretKey).toString('hex'),
    "in the lifecycle's encoding",
  )
  t.equal(raw.location, 'dmi-uuid:0b3f9c1e-5d2a-4f7e-9a61-2c8d4e6f1a20', 'with the location')
  t.equal(platform.swapStateDir, join(stateDir, STATE_FILES.swap), "the swapper's state is in the reserve")
})

t.test('parameters that break a rule are refused as the lifecycle refuses them', async (t) => {
  const { stateDir, platform } = await setup(t)
  await platform.storeBootParams(pendingSwapParams())
  const path = join(stateDir, STATE_FILES.record)
  const raw = JSON.parse(await readFile(path, 'utf8'))
  raw.params.swapSecretKey = Buffer.from(generateSecretKey()).toString('hex')
  await writeFile(path, JSON.stringify(raw))
  await t.rejects(platform.loadBootParams(), BootParamsError, 'a secret key that is not this side’s')
})

t.test(
  'the swap sees the true boot area; rebootNormal writes it back only once the swap is over',
  async (t) => {
    const { d, stateDir, platform, reboots } = await setup(t)
    const layout = await findReserve(d.path, d.diskBytes, d.bootArea.subarray(0, SECTOR))
    await redirectBoot({ devicePath: d.path, stateDir, layout, mbrCode: FAKE_MBR_CODE })
    const p = pendingSwapParams()
    await platform.storeBootParams(p)

    const disk = await platform.openSwapDisk({ writable: false })
    try {
      t.equal(disk.size, layout.swapBytes, 'the swap sees the region before the reserve')
      const head = new Uint8Array(4096)
      await disk.read(head, 0)
      t.same(Buffer.from(head), d.bootArea, 'and the true boot area, not the redirect')
    } finally {
      await disk.close()
    }

    await t.rejects(
      platform.rebootNormal(),
      { code: 'BOOT_RECORD_PHASE' },
      'refused while the swap is pending',
    )
    t.same(reboots, [], 'no reboot while pending')
    await platform.storeBootParams({ ...p, phase: 'aborted', outcome: { atMs: 2, reason: 'test' } })
    await t.rejects(platform.rebootNormal(), { message: REBOOTED })
    t.same(reboots, ['reboot'], 'rebooted once the outcome was stored')
    t.same((await readFile(d.path)).subarray(0, 4096), d.bootArea, 'the disk boots its own system again')
  },
)
