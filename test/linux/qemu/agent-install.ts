/**
 * `vboom agent` on a qemu VM's root, in the places `vboom install` documents
 * (src/linux/install.ts): the CLI bundled with its addons under /opt/vboom
 * (agentAppFiles, the stateless image's layout), the systemd unit the
 * product writes (the VM's init runs its ExecStart: the test VMs have no
 * systemd), the owner's config in /etc/vboom/agent.json, the owner's
 * delegation in /etc/vboom/delegation.bin and the agent's node key in the
 * data dir /var/lib/vboom. The owner's key stays on the host: only the
 * signed delegation goes to the VM. The test VMs' roots carry only Node's
 * libraries, not a distribution's: the addons' own (librt, say) are added,
 * as a distribution would have them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyFromRaw, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { type AppFiles, agentAppFiles, CLI_IN_APP } from '../../../src/linux/image/bundle.js'
import { sharedLibraries } from '../../../src/linux/image/libs.js'
import { agentUnit, INSTALL_PATHS } from '../../../src/linux/install.js'
import type { AgentConfigInput } from '../../../src/node/config.js'
import { newDelegationId, signDelegation } from '../../../src/protocols/delegation.js'
import type { SigningKeyPair } from '../../../src/protocols/signing.js'

/** A file of the VM's root (vm-disk.ts's TreeFile). */
export interface RootFile {
  path: string
  data: Uint8Array
  mode?: number
}

const rel = (p: string): string => p.replace(/^\//, '')

/** The CLI bundle for the VM's root; built once per process (the same for both VMs). */
let app: Promise<AppFiles> | null = null
export function agentApp(): Promise<AppFiles> {
  app ??= agentAppFiles()
  return app
}

/** The node key file (libp2p's protobuf encoding, as loadOrCreateKey stores it) of `agent`. */
export function nodeKeyFile(agent: SigningKeyPair): Uint8Array {
  const raw = new Uint8Array(64)
  raw.set(agent.secretKey, 0)
  raw.set(agent.publicKey, 32)
  return privateKeyToProtobuf(privateKeyFromRaw(raw))
}

/** The owner's delegation to `agent` (what `vboom owner delegate` signs): open limits, valid a day. */
export function ownerDelegation(owner: SigningKeyPair, agent: Uint8Array): Uint8Array {
  const now = Date.now()
  return signDelegation(
    {
      id: newDelegationId(),
      ownerKey: owner.publicKey,
      agentKey: agent,
      limits: { maxPriceMicros: 5_000_000n, minGainMicros: 0n, mayAcceptPayment: true },
      notBeforeMs: now - 3600_000,
      expiresAtMs: now + 24 * 3600_000,
    },
    owner,
  )
}

/** The shared libraries the addons of `files` load (glibc builds; the musl ones never load here). */
async function addonLibraries(files: RootFile[]): Promise<RootFile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-addons-'))
  const libs = new Set<string>()
  try {
    for (const [i, f] of files.entries()) {
      if (!f.path.endsWith('.node') || f.path.endsWith('.musl.node')) continue
      const copy = join(dir, `${i}.node`)
      await writeFile(copy, f.data)
      for (const l of await sharedLibraries(copy)) libs.add(l)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return Promise.all([...libs].map(async (l) => ({ path: rel(l), data: await readFile(l), mode: 0o755 })))
}

/** Everything the VM's root needs to run its agent under the product's unit. */
export async function agentRootFiles(o: {
  agent: SigningKeyPair
  owner: SigningKeyPair
  config: AgentConfigInput
}): Promise<RootFile[]> {
  const { files } = await agentApp()
  return [
    ...files,
    ...(await addonLibraries(files)),
    {
      path: rel(INSTALL_PATHS.unit),
      data: Buffer.from(agentUnit({ node: '/usr/bin/node', cli: `/${CLI_IN_APP}` })),
      mode: 0o644,
    },
    { path: rel(INSTALL_PATHS.config), data: Buffer.from(`${JSON.stringify(o.config, null, 2)}\n`) },
    {
      path: rel(INSTALL_PATHS.delegation),
      data: ownerDelegation(o.owner, o.agent.publicKey),
      mode: 0o600,
    },
    { path: rel(join(INSTALL_PATHS.dataDir, 'node.key')), data: nodeKeyFile(o.agent), mode: 0o600 },
  ]
}
