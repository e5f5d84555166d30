import type { Command } from 'commander'
import { Agent } from '../../node/agent.js'
import { loadAgentConfig } from '../../node/config.js'
import { ControlServer } from '../../node/control-server.js'
import { componentLogger, createLogger, type LogLevel } from '../../runtime/log.js'
import { logLevelOption } from '../options.js'
import { untilSignal } from '../run.js'

interface AgentFlags {
  dataDir: string
  config: string
  listen?: string[]
  bootstrap?: string[]
  logLevel?: LogLevel
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description("run a VM's agent: join the mesh, advertise this location, keep a market view")
    .requiredOption('-d, --data-dir <dir>', 'where the node key, database and control socket live')
    .requiredOption(
      '-c, --config <file>',
      'agent config (JSON): instance class, location, needs, price, profiler (see examples/agent.json)',
    )
    .option('-l, --listen <multiaddr...>', 'listen addresses (override the config)')
    .option(
      '-b, --bootstrap <multiaddr...>',
      "the anchor's multiaddr(s) to bootstrap from (override the config)",
    )
    .addOption(logLevelOption())
    .action(async (flags: AgentFlags) => {
      const config = await loadAgentConfig(flags.config)
      if (flags.listen) config.listen = flags.listen
      if (flags.bootstrap) config.bootstrap = flags.bootstrap
      const log = createLogger(flags.logLevel ?? (config.logLevel as LogLevel))
      const agent = await Agent.create({ dataDir: flags.dataDir, config, log })
      await agent.start()
      const control = new ControlServer(agent, componentLogger(log, 'vboom:node:control'))
      await control.start()
      process.stdout.write(
        `agent ${agent.peerId} (class ${agent.classId}) listening on\n${agent.host
          .getMultiaddrs()
          .map((a) => `  ${a}\n`)
          .join('')}status: vboom status --data-dir ${flags.dataDir}\n`,
      )
      const sig = await untilSignal()
      log.info({ signal: sig }, 'stopping')
      await control.stop()
      await agent.stop()
    })
}
