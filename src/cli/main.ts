#!/usr/bin/env node
import '../polyfill.js'
import { Command, CommanderError } from 'commander'
import { registerAgent } from './commands/agent.js'
import { registerAnchor } from './commands/anchor.js'
import { registerAttest } from './commands/attest.js'
import { registerImage } from './commands/image.js'
import { registerInstall } from './commands/install.js'
import { registerLedger } from './commands/ledger.js'
import { registerMarket } from './commands/market.js'
import { registerNeeds } from './commands/needs.js'
import { registerOwner } from './commands/owner.js'
import { registerStatus } from './commands/status.js'
import { registerSwapImages } from './commands/swap-images.js'
import { registerTestnet } from './commands/testnet.js'
import { EXIT_USAGE, fail } from './run.js'

const program = new Command()
  .name('vboom')
  .description('VBoom: cloud VMs trade physical locations, peer to peer')
  .version('0.1.0')
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(`vboom: ${str.replace(/^error: /, '')}`) })

registerAgent(program)
registerAnchor(program)
registerLedger(program)
registerOwner(program)
registerStatus(program)
registerNeeds(program)
registerMarket(program)
registerAttest(program)
registerImage(program)
registerInstall(program)
registerSwapImages(program)
registerTestnet(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version exit 0; usage errors were already printed as one line.
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE)
  }
  fail(err)
}
