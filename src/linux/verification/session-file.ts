/**
 * The verification session file: what the VM's agent leaves in the
 * reserve's state partition (`verify/session.json`) for the verification
 * image it boots: the session id the anchor named, the addresses by which
 * the agent reaches the anchor, and the network configuration of the running
 * system (captured as the swap's boot record captures it), which the image
 * restores so that it reaches the anchor from where the VM did. The image
 * reads it once and removes it. Nothing in it is trusted for the anchor's
 * sake: the image authenticates the anchor by the key built into it.
 */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { VBoomError } from '../../protocols/errors.js'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { type NetworkConfig, validateNetworkConfig } from '../net/config.js'

export const SESSION_DIR = 'verify'
export const SESSION_FILE = `${SESSION_DIR}/session.json`
/** Where the disk benchmarks write, in the reserve's state partition: on the VM's disk, outside its filesystems. */
export const SCRATCH_DIR = `${SESSION_DIR}/scratch`
/** Addresses of the anchor kept at most: an agent's config names a few. */
const MAX_ANCHOR_ADDRS = 16

export class VerificationSessionError extends VBoomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'VerificationSessionError'
  }
}

export interface SessionFile {
  version: 1
  /** hex, the anchor's session id. */
  session: string
  /** Multiaddrs with /p2p/<anchor peer id>. */
  anchorAddrs: string[]
  network: NetworkConfig
  writtenAt: string
}

export async function writeSessionFile(
  stateDir: string,
  s: Omit<SessionFile, 'version' | 'writtenAt'>,
): Promise<void> {
  const f: SessionFile = { version: 1, ...s, writtenAt: new Date().toISOString() }
  await mkdir(join(stateDir, SESSION_DIR), { recursive: true, mode: 0o700 })
  await writeFileAtomic(join(stateDir, SESSION_FILE), `${JSON.stringify(f)}\n`, 0o600)
}

/** Reads and removes the session file (one verification per boot of the image). */
export async function takeSessionFile(stateDir: string): Promise<SessionFile> {
  const path = join(stateDir, SESSION_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new VerificationSessionError(
      'SESSION_MISSING',
      `no verification session in ${path}: the image was booted without the agent's request; rebooting into the VM`,
      { cause: err },
    )
  }
  await rm(path, { force: true })
  let v: Partial<SessionFile>
  try {
    v = JSON.parse(text) as Partial<SessionFile>
  } catch {
    throw new VerificationSessionError('SESSION_CORRUPT', `${path} is not JSON; rebooting into the VM`)
  }
  if (
    v.version !== 1 ||
    typeof v.session !== 'string' ||
    !/^[0-9a-f]{32}$/.test(v.session) ||
    !Array.isArray(v.anchorAddrs) ||
    v.anchorAddrs.length === 0 ||
    v.anchorAddrs.length > MAX_ANCHOR_ADDRS ||
    !v.anchorAddrs.every((a) => typeof a === 'string' && a.length < 512)
  )
    throw new VerificationSessionError('SESSION_CORRUPT', `${path} is malformed; rebooting into the VM`)
  return { ...(v as SessionFile), network: validateNetworkConfig(v.network) }
}
