/**
 * The Linux verification image's pieces that need no VM: its /init, its
 * bundle, and the session file the agent leaves for it.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { appFiles, ENTRY_IN_IMAGE } from '../../src/linux/image/bundle.js'
import { NO_NETWORK } from '../../src/linux/net/config.js'
import { verificationInitScript } from '../../src/linux/verification/init-script.js'
import { VERIFICATION_DEADLINE_S, VERIFICATION_ENTRY_IN_IMAGE } from '../../src/linux/verification/layout.js'
import { SESSION_FILE, takeSessionFile, writeSessionFile } from '../../src/linux/verification/session-file.js'
import { tempDir } from './helpers.js'

t.test(
  'the verification /init: reserve by label, the entry, then back to the VM whatever happens',
  async (t) => {
    const init = verificationInitScript('6.1.0-test')
    t.match(init, /^#!\/bin\/sh\n/)
    t.match(init, /insmod \/lib\/modules\/6\.1\.0-test\//)
    t.match(init, /findfs LABEL=vboom-state/, "finds the reserve's state partition by its label")
    t.match(init, new RegExp(`node /${VERIFICATION_ENTRY_IN_IMAGE}`), 'runs the verification entry')
    t.match(
      init,
      new RegExp(`sleep ${VERIFICATION_DEADLINE_S}; [^\\n]*reboot -f`),
      'a watchdog reboots at the deadline',
    )
    const afterEntry = init.slice(init.indexOf(`node /${VERIFICATION_ENTRY_IN_IMAGE}`))
    t.match(afterEntry, /back "the verification ended/, 'and it reboots once the entry exits')
    t.notMatch(
      init,
      /getty|login|telnetd|sshd|dropbear|nc -l|exec sh|\/bin\/sh -i/,
      'no way in for the owner',
    )
    t.notMatch(init, /mount [^\n]*\/dev\/vda[0-9]/, 'it mounts no partition of the VM by name')
  },
)

t.test('the verification bundle carries its entry and no swap', async (t) => {
  const app = await appFiles(undefined, 'verification')
  const paths = app.files.map((f) => f.path)
  t.ok(paths.includes(VERIFICATION_ENTRY_IN_IMAGE), 'the entry is where /init runs it')
  t.notOk(paths.includes(ENTRY_IN_IMAGE), 'the stateless entry is not in it')
  t.notOk(
    paths.some((p) => p.endsWith('hash-worker.js')),
    "nor the swapper's hash worker",
  )
})

t.test('the session file: written by the agent, taken once by the image', async (t) => {
  const dir = await tempDir(t)
  await writeSessionFile(dir, {
    session: 'ab'.repeat(16),
    anchorAddrs: ['/ip4/10.0.2.2/tcp/4001/p2p/12D3KooWQTeVaaWFYj7D633ybGM8oTJn6sZRaH8bFaS3Y8YjnKRA'],
    network: NO_NETWORK,
  })
  const s = await takeSessionFile(dir)
  t.equal(s.session, 'ab'.repeat(16))
  t.same(s.network, NO_NETWORK)
  await t.rejects(
    takeSessionFile(dir),
    { name: 'VerificationSessionError', code: 'SESSION_MISSING' },
    'taken once',
  )
  await writeFile(join(dir, SESSION_FILE), '{"version":1,"session":"zz","anchorAddrs":[]}')
  await t.rejects(takeSessionFile(dir), { code: 'SESSION_CORRUPT' }, 'a malformed file is refused')
  await t.rejects(readFile(join(dir, SESSION_FILE)), 'and removed')
})
