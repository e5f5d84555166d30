import '../../src/polyfill.js'
import { join } from 'node:path'
import type { Test } from 'tap'
import { AnchorNode } from '../../src/anchor/anchor-node.js'
import { Agent } from '../../src/node/agent.js'
import { parseAgentConfig } from '../../src/node/config.js'
import type { InstanceClass } from '../../src/protocols/advert.js'
import { createLogger } from '../../src/runtime/log.js'
import { hostConfig } from '../../src/testnet/mesh.js'

export const log = createLogger((process.env.VBOOM_TEST_LOG as 'debug') ?? 'silent')

export async function startAnchor(t: Test, dir: string): Promise<AnchorNode> {
  const anchor = await AnchorNode.create({
    dataDir: join(dir, 'anchor'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    addressScope: 'lan',
    log,
  })
  await anchor.start()
  t.teardown(() => anchor.stop())
  return anchor
}

export async function startAgent(
  t: Test,
  dataDir: string,
  i: number,
  cls: InstanceClass,
  bootstrap: string[],
  over: Record<string, unknown> = {},
): Promise<Agent> {
  const config = parseAgentConfig({ ...hostConfig(i, cls, bootstrap), ...over })
  const agent = await Agent.create({ dataDir, config, log })
  await agent.start()
  t.teardown(() => agent.stop())
  return agent
}

/** Polls `check` every 50 ms until it holds; fails the wait (returns false) after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return await check()
}
