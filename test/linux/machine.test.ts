import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { kexecRefusal, parseLockdown, probeKexec } from '../../src/linux/kexec/capability.js'
import { loadFailure } from '../../src/linux/kexec/loader.js'
import { detectLocation, usableSerial, usableUuid } from '../../src/linux/machine/location.js'
import { fakeSys, tempDir } from './helpers.js'

t.test('the location comes from DMI, placeholders refused', async (t) => {
  t.equal(usableUuid('8C4F0A3E-1111-2222-3333-444455556666\n'), '8c4f0a3e-1111-2222-3333-444455556666')
  t.equal(usableUuid('00000000-0000-0000-0000-000000000000'), null)
  t.equal(usableUuid('03000200-0400-0500-0006-000700080009'), null, "a board's unset UUID")
  t.equal(usableUuid('not-a-uuid'), null)
  t.equal(usableSerial('To Be Filled By O.E.M.'), null)
  t.equal(usableSerial('ec2-serial-42'), 'ec2-serial-42')

  const dir = await tempDir(t)
  const sys = await fakeSys(dir, { uuid: 'EC2AB0B2-7F42-4D2E-9C47-3E5B6F8A9012' })
  t.same(await detectLocation({ sysRoot: sys, metadata: false }), {
    id: 'dmi-uuid:ec2ab0b2-7f42-4d2e-9c47-3e5b6f8a9012',
    source: 'dmi-uuid',
  })
  const dir2 = await tempDir(t)
  const sys2 = await fakeSys(dir2, { uuid: '00000000-0000-0000-0000-000000000000', serial: 'SN123' })
  t.same(await detectLocation({ sysRoot: sys2, metadata: false }), {
    id: 'dmi-serial:SN123',
    source: 'dmi-serial',
  })
  const dir3 = await tempDir(t)
  const sys3 = await fakeSys(dir3)
  await t.rejects(detectLocation({ sysRoot: sys3, metadata: false }), {
    name: 'LocationUnknownError',
    code: 'LOCATION_UNKNOWN',
  })
})

t.test('kexec: what refuses before anything changes', async (t) => {
  t.equal(parseLockdown('none [integrity] confidentiality\n'), 'integrity')
  t.equal(parseLockdown('[none] integrity confidentiality'), 'none')
  t.equal(parseLockdown('garbage'), null)

  const dir = await tempDir(t)
  const sys = join(dir, 'sys')
  const proc = join(dir, 'proc')
  await mkdir(join(sys, 'kernel', 'security'), { recursive: true })
  await mkdir(join(proc, 'sys', 'kernel'), { recursive: true })
  let cap = await probeKexec({ sysRoot: sys, procRoot: proc })
  t.equal(cap.built, false)
  t.equal(kexecRefusal({ ...cap, root: true })?.code, 'KEXEC_NOT_BUILT')
  await writeFile(join(sys, 'kernel', 'kexec_loaded'), '0\n')
  await writeFile(join(proc, 'sys', 'kernel', 'kexec_load_disabled'), '1\n')
  await writeFile(join(sys, 'kernel', 'security', 'lockdown'), 'none integrity [confidentiality]\n')
  cap = await probeKexec({ sysRoot: sys, procRoot: proc })
  t.same(
    { built: cap.built, disabled: cap.disabled, lockdown: cap.lockdown },
    { built: true, disabled: true, lockdown: 'confidentiality' },
  )
  t.equal(kexecRefusal({ ...cap, root: true })?.code, 'KEXEC_DISABLED')
  t.equal(kexecRefusal({ ...cap, disabled: false, root: false })?.code, 'KEXEC_NOT_ROOT')
  t.equal(
    kexecRefusal({ ...cap, disabled: false, root: true }),
    null,
    'lockdown alone is not refused: a signed kernel loads',
  )
  for (const e of [kexecRefusal({ ...cap, root: true })!]) t.match(e.message, /nothing was changed/)
})

t.test('a refused load is told apart by errno and lockdown', async (t) => {
  t.equal(loadFailure(129, 'EKEYREJECTED', 'integrity').code, 'KEXEC_LOCKDOWN', 'signature rejected')
  t.equal(
    loadFailure(74, 'EBADMSG', 'none').code,
    'KEXEC_LOCKDOWN',
    'an unsigned kernel where signatures are enforced',
  )
  t.equal(loadFailure(1, 'EPERM', 'integrity').code, 'KEXEC_LOCKDOWN')
  t.equal(loadFailure(1, 'EPERM', 'none').code, 'KEXEC_DISABLED')
  t.equal(loadFailure(38, 'ENOSYS', null).code, 'KEXEC_NOT_BUILT')
  t.equal(loadFailure(8, 'ENOEXEC', 'none').code, 'KEXEC_LOAD_FAILED')
  t.equal(loadFailure(null, 'kexec-tools text', 'confidentiality').code, 'KEXEC_LOCKDOWN')
  t.equal(loadFailure(null, 'kexec-tools text', 'none').code, 'KEXEC_LOAD_FAILED')
})
