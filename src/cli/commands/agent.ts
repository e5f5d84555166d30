import type { Command } from 'commander'
import { Agent } from '../../node/agent.js'
import { loadAgentConfig } from '../../node/config.js'
import { ControlServer } from '../../node/control-server.js'
import { UsageError } from '../../protocols/errors.js'
import { componentLogger, createLogger, type LogLevel } from '../../runtime/log.js'
import { logLevelOption } from '../options.js'
import { untilSignal } from '../run.js'

interface AgentFlags {
  dataDir: string
  config: string
  listen?: string[]
  bootstrap?: string[]
  logLevel?: LogLevel
  platform?: string
  verificationImage: string
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
    .option(
      '--platform <kind>',
      'the machine the agent runs on: linux (a swap kexecs into the stateless image; the boot disk needs the reserve: vboom install --create-reserve)',
    )
    .option(
      '--verification-image <dir>',
      "with --platform linux: the anchor's signed verification image, booted when the anchor verifies this VM",
      '/var/lib/vboom/verification',
    )
    .addOption(logLevelOption())
    .action(async (flags: AgentFlags) => {
      const config = await loadAgentConfig(flags.config)
      if (flags.listen) config.listen = flags.listen
      if (flags.bootstrap) config.bootstrap = flags.bootstrap
      const log = createLogger(flags.logLevel ?? (config.logLevel as LogLevel))
      if (flags.platform !== undefined && flags.platform !== 'linux')
        throw new UsageError('BAD_FLAG', `--platform must be linux, got "${flags.platform}"`)
      const platform =
        flags.platform === 'linux'
          ? await (await import('../../linux/platform.js')).LinuxPlatform.open({
              mode: 'running',
              log: componentLogger(log, 'vboom:linux:platform'),
              ...(config.anchorKey === undefined
                ? {}
                : { anchorKey: new Uint8Array(Buffer.from(config.anchorKey, 'hex')) }),
            })
          : undefined
      // Under the Linux platform the owner's delegation is where `vboom install` documents it
      // (/etc/vboom/delegation.bin), unless the config names another file.
      if (flags.platform === 'linux' && config.market.delegationFile === undefined)
        config.market.delegationFile = (await import('../../linux/install.js')).INSTALL_PATHS.delegation
      const agent = await Agent.create({ dataDir: flags.dataDir, config, log, platform })
      await agent.start()
      // on a Linux VM the anchor verifies the VM through its agent (src/linux/verification/)
      const verification =
        platform !== undefined && config.anchorKey !== undefined && config.bootstrap.length > 0
          ? new (await import('../../linux/verification/agent-service.js')).VerificationService({
              node: agent.host,
              machine: platform,
              anchorKey: new Uint8Array(Buffer.from(config.anchorKey, 'hex')),
              anchorAddrs: config.bootstrap,
              imageDir: flags.verificationImage,
              captureNetwork: async () => (await import('../../linux/net/capture.js')).captureNetwork(),
              agent: agent.verificationBootHooks(),
              log: componentLogger(log, 'vboom:linux:verification'),
            })
          : null
      await verification?.start()
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
      await verification?.stop()
      await agent.stop()
    })
}
