/**
 * A testnet host's stateless system: what its supervisor boots while the
 * boot parameters say 'stateless'. It runs the lifecycle's stateless swap
 * (the same code the Linux initramfs runs) with the supervisor as its
 * platform, and asks for the normal boot once the swap's outcome is stored.
 *
 *   node stateless-main.js <supervisor-socket>
 */
import '../../polyfill.js'
import { runStatelessSwap } from '../../node/lifecycle/stateless-swap.js'
import { createLogger } from '../../runtime/log.js'
import { SupervisorClient } from './client.js'

const socket = process.argv[2]
if (socket === undefined) {
  process.stderr.write('usage: stateless-main <supervisor-socket>\n')
  process.exit(2)
}
const platform = await SupervisorClient.connect(socket, 'stateless')
const log = createLogger('info', { host: platform.facts.host, system: 'stateless' })
// stopped by its host: its journal holds what is done, as after a crash
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => process.exit(143))
const params = await platform.loadBootParams()
if (params === null) {
  log.warn('booted stateless with no boot parameters: booting the disk')
  await platform.rebootNormal()
} else {
  await runStatelessSwap(params, platform, log)
}
