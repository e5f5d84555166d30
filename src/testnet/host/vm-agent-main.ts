/**
 * A testnet VM's agent, as its host's supervisor starts it: the agent's data
 * dir, config and owner's delegation are on the VM's disk (so they move with
 * it; the delegation at /vboom/delegation.bin unless the config names
 * another file, a relative path read under /vboom), its location and its
 * Platform come from the supervisor, its addresses from the host (it listens
 * on the host's first service address and announces the relay in front of
 * it, where peers dial), and in emulated mode its benchmarks' disk I/O waits
 * for the host's disk gate, like the workloads'.
 *
 *   node vm-agent-main.js <vm-root> <supervisor-socket>
 */
import '../../polyfill.js'
import { join, resolve } from 'node:path'
import { Agent } from '../../node/agent.js'
import { loadAgentConfig } from '../../node/config.js'
import { ControlServer } from '../../node/control-server.js'
import { componentLogger, createLogger, type LogLevel } from '../../runtime/log.js'
import { HostRuntime, multiaddrOf } from '../hosts/index.js'
import { SupervisorClient } from './client.js'

const [root, socket] = process.argv.slice(2)
if (root === undefined || socket === undefined) {
  process.stderr.write('usage: vm-agent-main <vm-root> <supervisor-socket>\n')
  process.exit(2)
}
const runtime = HostRuntime.current()
const info = runtime.info
// The agent's benchmarks wait for the host's disk limits like the workloads' I/O (emulated mode).
const platform = await SupervisorClient.connect(socket, 'vm-agent', runtime.diskGate())
platform.unref()
const config = await loadAgentConfig(join(root, 'vboom', 'agent.json'))
config.listen = [multiaddrOf(info.service[0]!)]
config.announce = [multiaddrOf(info.advertised[0]!)]
// the VM's root is wherever its host mounts the disk: a relative delegation path is read under /vboom
config.market.delegationFile = resolve(join(root, 'vboom'), config.market.delegationFile ?? 'delegation.bin')
const log = createLogger(config.logLevel as LogLevel, { host: info.name })
const agent = await Agent.create({ dataDir: join(root, 'vboom', 'data'), config, log, platform })
await agent.start()
const control = new ControlServer(agent, componentLogger(log, 'vboom:node:control'))
await control.start()
log.info(
  { peerId: agent.peerId.toString(), location: agent.location, moved: agent.boot?.moved ?? false },
  'VM agent running',
)
await new Promise<void>((resolve) => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve())
})
await control.stop()
await agent.stop()
platform.close()
runtime.close()
process.exit(0)
