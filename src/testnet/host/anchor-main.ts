/**
 * The anchor as a process of a testnet run (outside any host; in root mode
 * in the run's hub namespace, where every host reaches it). It verifies a
 * location through that host's supervisor (`bootRemote` over its socket).
 *
 *   node anchor-main.js <data-dir> <listen-multiaddr> <hosts.json> [log-level]
 *
 * hosts.json maps each location to its supervisor's socket. Prints one JSON
 * line {peerId, multiaddrs, publicKey} once it listens; SIGTERM stops it.
 * Like every anchor it serves its control socket in its data dir
 * (src/anchor/control-server.ts): the run reads the ledger through it.
 */
import '../../polyfill.js'
import { readFile } from 'node:fs/promises'
import { AnchorNode } from '../../anchor/anchor-node.js'
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/log.js'
import { supervisorBootTarget } from './client.js'

const [dataDir, listen, hostsFile, level] = process.argv.slice(2)
if (dataDir === undefined || listen === undefined || hostsFile === undefined) {
  process.stderr.write('usage: anchor-main <data-dir> <listen-multiaddr> <hosts.json> [log-level]\n')
  process.exit(2)
}
const hosts = JSON.parse(await readFile(hostsFile, 'utf8')) as Record<string, string>
const log = createLogger(LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : 'info')
const node = await AnchorNode.create({
  dataDir,
  listen: [listen],
  addressScope: 'lan',
  log,
  hosts: (location) => {
    const socket = hosts[location]
    return socket === undefined ? null : supervisorBootTarget(socket)
  },
})
await node.start()
process.stdout.write(
  `${JSON.stringify({
    peerId: node.peerId.toString(),
    multiaddrs: node.multiaddrs,
    publicKey: Buffer.from(node.publicKey).toString('hex'),
  })}\n`,
)
await new Promise<void>((resolve) => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve())
})
await node.stop()
process.exit(0)
