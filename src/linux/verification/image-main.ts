#!/usr/bin/env node
/**
 * The verification image's process entry (bundled into its initramfs by
 * `vboom image build --verification`, started by its /init once the
 * reserve's state partition is mounted): takes the session the agent left,
 * restores the VM's network, serves the anchor's session (image-session.ts)
 * and exits; /init then reboots into the VM's own disk, whatever the exit.
 * Its log goes to the console and to the reserve (log/verification-*.log),
 * where the owner reads it from the VM afterwards.
 */
import '../../polyfill.js'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { pino } from 'pino'
import { createNode } from '../../runtime/libp2p-host.js'
import { STATELESS_STATE_MOUNT } from '../constants.js'
import { applyNetwork } from '../net/apply.js'
import { serveAnchorSession } from './image-session.js'
import { ANCHOR_KEY_IN_IMAGE, VERIFICATION_DEADLINE_S } from './layout.js'
import { SCRATCH_DIR, takeSessionFile } from './session-file.js'

const stateDir = process.env.VBOOM_STATE_DIR ?? STATELESS_STATE_MOUNT
// /init's watchdog reboots at VERIFICATION_DEADLINE_S; the session ends a little before, so the log says why
const deadlineMs = Date.now() + (VERIFICATION_DEADLINE_S - 30) * 1000
await mkdir(join(stateDir, 'log'), { recursive: true })
const logFile = join(stateDir, 'log', `verification-${new Date().toISOString().replace(/[:.]/g, '-')}.log`)
const log = pino(
  { base: { component: 'vboom:linux:verification' }, timestamp: pino.stdTimeFunctions.isoTime },
  pino.multistream([
    { stream: pino.destination(2) },
    { stream: pino.destination({ dest: logFile, sync: true, fsync: true, append: true }) },
  ]),
)
const say = (line: string): void => {
  process.stdout.write(`VBOOM-VERIFY-IMAGE ${line}\n`)
}

try {
  const { anchorKey } = JSON.parse(await readFile(`/${ANCHOR_KEY_IN_IMAGE}`, 'utf8')) as { anchorKey: string }
  const key = new Uint8Array(Buffer.from(anchorKey, 'hex'))
  const session = await takeSessionFile(stateDir)
  say(`session=${session.session}`)
  const net = await applyNetwork(session.network)
  log.info({ applied: net.applied, failed: net.failed, missing: net.missing }, 'network restored')
  const diskDir = join(stateDir, SCRATCH_DIR)
  await mkdir(diskDir, { recursive: true })
  // a fresh identity each boot, listening nowhere: the image is reached by nobody, it dials the anchor
  const node = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [],
    traffic: 'market',
  })
  try {
    const { runs } = await serveAnchorSession({
      node,
      anchorAddrs: session.anchorAddrs,
      session: session.session,
      anchorKey: key,
      diskDir,
      deadlineMs,
      log,
    })
    log.info({ runs }, 'the anchor is done')
    say(`done runs=${runs}`)
  } finally {
    await Promise.resolve(node.stop()).catch(() => undefined)
  }
  process.exitCode = 0
} catch (err) {
  const e = err as Error & { code?: string }
  log.error({ code: e.code, err: e.message }, 'the verification failed')
  say(`failed code=${e.code ?? e.name} ${e.message}`)
  process.exitCode = 1
}
