/**
 * The receiving end of bench:swap's raw stream probe in a process of its own
 * (as a swap's peer agent is): starts a swap node that reads and discards
 * the probe stream, prints its address as one line of JSON, and runs until
 * its stdin closes.
 */
import '../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { createSwapNode } from '../src/swapper/local/swap-node.js'
import { handleStreamProbe } from './stream-probe.js'

const node = await createSwapNode(randomBytes(32))
await handleStreamProbe(node)
process.stdout.write(`${JSON.stringify({ addrs: node.getMultiaddrs().map((a) => a.toString()) })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void Promise.resolve(node.stop()).finally(() => process.exit(0))
})
