/**
 * A local mesh on one machine: an anchor and several agents in this process,
 * each a full libp2p node on 127.0.0.1 with its own data dir. Agents of a
 * second instance class show that markets are separate. The profiles are the
 * paper's setting: some hosts with disk interference (18 MB/s writes), the
 * others normal (31 MB/s).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AnchorNode } from '../anchor/anchor-node.js'
import { Agent } from '../node/agent.js'
import { type AgentConfigInput, parseAgentConfig } from '../node/config.js'
import type { InstanceClass } from '../protocols/advert.js'
import type { Logger } from '../runtime/log.js'

export interface MeshOptions {
  agents: number
  /** Agents of a second class, which must see none of the first class's adverts. */
  otherClassAgents: number
  /** Give up waiting for convergence after this long. */
  timeoutMs: number
  log: Logger
  /** Kept data dirs (for inspection) instead of a temporary one removed at the end. */
  baseDir?: string
}

export interface MeshAgentView {
  peerId: string
  classId: string
  location: string
  sees: string[]
}

export interface MeshReport {
  anchor: string
  convergedMs: number | null
  agents: MeshAgentView[]
}

export const SMALL: InstanceClass = { vcpus: 2, memoryBytes: 4 * 2 ** 30, diskBytes: 20 * 2 ** 30 }
export const LARGE: InstanceClass = { vcpus: 8, memoryBytes: 32 * 2 ** 30, diskBytes: 100 * 2 ** 30 }

export function hostConfig(i: number, instanceClass: InstanceClass, bootstrap: string[]): AgentConfigInput {
  const interfered = i % 3 === 1
  const stat = (median: number) => ({ median, spread: median * 0.05, samples: 30, windowMs: 600_000 })
  return {
    instanceClass,
    location: `host-${i}`,
    profileOverride: {
      cpu: stat(1000 + 37 * i),
      diskWrite: stat(interfered ? 18 : 31),
      diskRead: stat(interfered ? 40 : 95),
      netRtt: stat(250 + 10 * i),
    },
    needs: i % 2 === 0 ? { diskWrite: 0.7, cpu: 0.3 } : { cpu: 0.8, netRtt: 0.2 },
    askMicros: interfered ? 0 : 5_000_000,
    bootstrap,
  }
}

export interface Mesh {
  anchor: AnchorNode
  agents: Agent[]
  stop(): Promise<void>
}

export async function startMesh(opts: MeshOptions): Promise<Mesh> {
  const base = opts.baseDir ?? (await mkdtemp(join(tmpdir(), 'vboom-mesh-')))
  const anchor = await AnchorNode.create({
    dataDir: join(base, 'anchor'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    addressScope: 'lan',
    log: opts.log,
  })
  await anchor.start()
  const agents: Agent[] = []
  const stop = async (): Promise<void> => {
    await Promise.allSettled(agents.map((a) => a.stop()))
    await anchor.stop()
    if (opts.baseDir === undefined) await rm(base, { recursive: true, force: true })
  }
  try {
    const total = opts.agents + opts.otherClassAgents
    for (let i = 0; i < total; i++) {
      const cls = i < opts.agents ? SMALL : LARGE
      const config = parseAgentConfig(hostConfig(i, cls, anchor.multiaddrs))
      const agent = await Agent.create({ dataDir: join(base, `agent-${i}`), config, log: opts.log })
      await agent.start()
      agents.push(agent)
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { anchor, agents, stop }
}

function expectedPeers(agents: Agent[], a: Agent): number {
  return agents.filter((b) => b !== a && b.classId === a.classId).length
}

/** Waits until every agent's market holds every other agent of its class. */
export async function waitConverged(agents: Agent[], timeoutMs: number): Promise<number | null> {
  const t0 = Date.now()
  while (Date.now() - t0 < timeoutMs) {
    if (agents.every((a) => a.market.size === expectedPeers(agents, a))) return Date.now() - t0
    await new Promise((r) => setTimeout(r, 100))
  }
  return null
}

export function meshView(mesh: Mesh, convergedMs: number | null): MeshReport {
  return {
    anchor: mesh.anchor.multiaddrs[0] ?? '',
    convergedMs,
    agents: mesh.agents.map((a) => ({
      peerId: a.peerId.toString(),
      classId: a.classId,
      location: a.location,
      sees: a.market
        .list()
        .map((ad) => ad.location)
        .sort(),
    })),
  }
}
