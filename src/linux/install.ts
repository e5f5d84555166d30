/**
 * Installing VBoom's agent on a Linux VM: where its files live, its
 * systemd unit, and the checks that tell the owner whether this machine can
 * swap at all (before an agreement is made, not at the first swap).
 *
 * Places (all on the VM's own disk, so they move with the VM in a swap):
 *   /etc/vboom/agent.json        the agent's config (the owner writes it)
 *   /etc/vboom/delegation.bin    the owner's signed delegation to the agent key
 *   /var/lib/vboom/              the agent's data dir (node key, db, last location)
 *   /usr/local/lib/vboom/vboom-kexec   the static kexec helper (from the image build)
 *   /etc/systemd/system/vboom-agent.service
 * The location's reserve (boot record, stateless image, swap state) is not
 * among them: it is at the end of the disk, outside what a swap moves.
 */
import { constants } from 'node:fs'
import { access, chmod, copyFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { STATE_MOUNT } from './constants.js'
import { listDisks, readRange } from './disk/devices.js'
import { parseMbr } from './disk/mbr.js'
import { kexecRefusal, probeKexec } from './kexec/capability.js'
import { findKexecTool, KEXEC_HELPER_PATHS } from './kexec/loader.js'
import { detectLocation } from './machine/location.js'
import { findReserve, reserveFromTable } from './reserve/layout.js'

export const INSTALL_PATHS = {
  config: '/etc/vboom/agent.json',
  delegation: '/etc/vboom/delegation.bin',
  dataDir: '/var/lib/vboom',
  kexecHelper: KEXEC_HELPER_PATHS[0]!,
  unit: '/etc/systemd/system/vboom-agent.service',
} as const

export const UNIT_NAME = 'vboom-agent.service'

/** The agent's systemd unit: runs as root (kexec, the reserve), restarts on failure, after the network is up. */
export function agentUnit(o: { node: string; cli: string }): string {
  return `[Unit]
Description=VBoom agent: this VM trades its location, peer to peer
Documentation=https://github.com/vboom/vboom
Wants=network-online.target
After=network-online.target
# the stateless image takes over the machine through kexec; nothing here may hold the reserve mounted across it
RequiresMountsFor=${INSTALL_PATHS.dataDir}

[Service]
Type=simple
ExecStart=${o.node} ${o.cli} agent --platform linux --data-dir ${INSTALL_PATHS.dataDir} --config ${INSTALL_PATHS.config}
Restart=on-failure
RestartSec=5
# root: kexec, the disk's boot area and the reserve's state partition (${STATE_MOUNT})
User=root
StateDirectory=vboom
StateDirectoryMode=0700
# logs go to the journal (JSON lines on stderr)
StandardError=journal

[Install]
WantedBy=multi-user.target
`
}

export interface CheckItem {
  what: string
  ok: boolean
  detail: string
}

/** What this machine needs for a swap, each with what to do when it is missing. Changes nothing. */
export async function preflight(o: { root?: string } = {}): Promise<CheckItem[]> {
  const at = (p: string): string => join(o.root ?? '/', p)
  const items: CheckItem[] = []
  const exists = (p: string): Promise<boolean> =>
    access(p, constants.R_OK).then(
      () => true,
      () => false,
    )
  const isRoot = process.getuid?.() === 0
  items.push({
    what: 'root',
    ok: isRoot,
    detail: isRoot ? 'running as root' : 'run as root (kexec, the boot disk)',
  })
  try {
    const loc = await detectLocation()
    items.push({ what: 'location', ok: true, detail: `${loc.id} (from ${loc.source})` })
  } catch (err) {
    items.push({ what: 'location', ok: false, detail: (err as Error).message })
  }
  const cap = await probeKexec()
  const refusal = kexecRefusal(cap)
  const tool = await findKexecTool()
  items.push({
    what: 'kexec',
    ok: refusal === null && tool !== null,
    detail:
      refusal?.message ??
      (tool === null
        ? 'no kexec tool: install the helper (vboom install --image DIR) or kexec-tools'
        : `${tool.kind} at ${tool.path}; lockdown ${cap.lockdown ?? 'not built'}${cap.lockdown !== null && cap.lockdown !== 'none' ? " (only a signed kernel can be kexec'd)" : ''}`),
  })
  let reserve: CheckItem = {
    what: 'reserve',
    ok: false,
    detail:
      'no disk with an MBR partition table and a VBoom reserve; create one: vboom install --create-reserve --image DIR',
  }
  for (const d of await listDisks()) {
    const sector0 = await readRange(d.path, 0, 512).catch(() => null)
    if (sector0 === null) continue
    try {
      parseMbr(sector0)
      if (reserveFromTable(sector0, d.bytes) === null) {
        reserve = { ...reserve, detail: `${d.path} has an MBR but no reserve at its end; ${reserve.detail}` }
        continue
      }
      const layout = await findReserve(d.path, d.bytes, sector0)
      reserve = {
        what: 'reserve',
        ok: true,
        detail: `${d.path}: swapped region ${(layout.swapBytes / 2 ** 20).toFixed(0)} MiB, reserve partitions ${layout.boot.index} (boot) and ${layout.state.index} (state)`,
      }
      break
    } catch (err) {
      reserve = { ...reserve, detail: `${d.path}: ${(err as Error).message}` }
    }
  }
  items.push(reserve)
  for (const [what, path, hint] of [
    [
      'agent config',
      INSTALL_PATHS.config,
      "write the agent's config there (instance class, needs, price, anchor)",
    ],
    ['delegation', INSTALL_PATHS.delegation, "put the owner's signed delegation to the agent key there"],
  ] as const) {
    const ok = await exists(at(path))
    items.push({ what, ok, detail: ok ? path : `${path} is missing: ${hint}` })
  }
  return items
}

/** Writes the unit and the directories (under `root`, default /), and installs the kexec helper when given. */
export async function installAgent(o: {
  root?: string
  node: string
  cli: string
  kexecHelper?: string
}): Promise<string[]> {
  const at = (p: string): string => join(o.root ?? '/', p)
  const written: string[] = []
  await mkdir(at(INSTALL_PATHS.dataDir), { recursive: true, mode: 0o700 })
  await mkdir(at(dirname(INSTALL_PATHS.config)), { recursive: true, mode: 0o755 })
  await mkdir(at(dirname(INSTALL_PATHS.unit)), { recursive: true })
  await writeFile(at(INSTALL_PATHS.unit), agentUnit(o), { mode: 0o644 })
  written.push(INSTALL_PATHS.unit)
  if (o.kexecHelper !== undefined) {
    await mkdir(at(dirname(INSTALL_PATHS.kexecHelper)), { recursive: true })
    await copyFile(o.kexecHelper, at(INSTALL_PATHS.kexecHelper))
    await chmod(at(INSTALL_PATHS.kexecHelper), 0o755)
    written.push(INSTALL_PATHS.kexecHelper)
  }
  return written
}
