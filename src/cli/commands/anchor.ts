import type { Command } from 'commander'
import { AnchorNode } from '../../anchor/anchor-node.js'
import type { AddressScope } from '../../runtime/libp2p-host.js'
import { createLogger, type LogLevel } from '../../runtime/log.js'
import { addressScopeOption, logLevelOption } from '../options.js'
import { untilSignal } from '../run.js'

interface AnchorFlags {
  dataDir: string
  listen: string[]
  addressScope: AddressScope
  logLevel: LogLevel
}

export function registerAnchor(program: Command): Command {
  const anchor = program.command('anchor').description('the neutral anchor: bootstrap peer, signer, ledger')
  anchor
    .command('run', { isDefault: true })
    .description('run the anchor node (the default)')
    .requiredOption('-d, --data-dir <dir>', "where the anchor's key and database live")
    .option('-l, --listen <multiaddr...>', 'listen addresses', ['/ip4/127.0.0.1/tcp/4001'])
    .addOption(addressScopeOption())
    .addOption(logLevelOption().default('info'))
    .action(async (flags: AnchorFlags) => {
      const log = createLogger(flags.logLevel)
      const node = await AnchorNode.create({
        dataDir: flags.dataDir,
        listen: flags.listen,
        addressScope: flags.addressScope,
        log,
      })
      await node.start()
      process.stdout.write(
        `anchor ${node.peerId} listening; agents bootstrap from\n${node.multiaddrs.map((a) => `  ${a}\n`).join('')}`,
      )
      await untilSignal()
      await node.stop()
    })
  return anchor
}
