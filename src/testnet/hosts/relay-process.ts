/**
 * Starts the relay process (relay-main.ts) for a run and waits until it
 * listens; tells it, in emulated mode, which process groups belong to which
 * host.
 */
import type { ChildProcess } from 'node:child_process'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HostEmulationError } from './errors.js'
import type { HostSpawnOptions } from './host.js'
import { RELAY_CONFIG_ENV, type RelayProcessConfig } from './relay.js'
import { nodeCommand } from './spawn.js'

/** How long the relay process may take to listen, ms (tsx compiles it on a loaded machine). */
const RELAY_START_MS = 30_000

/** nice value of the relay in root mode (only root may raise priority): its delays are late by its wait for the CPU. */
const RELAY_NICE = -10

export interface RelayProcess {
  /** Listening ports, in route order. */
  ports: number[]
  /** Emulated mode: processes of group `pgid` belong to host `host`. */
  addGroup(host: number, pgid: number): void
}

/** The relay entry beside this module (.ts from source, .js when built). */
const relayEntry = (): string => {
  const here = fileURLToPath(import.meta.url)
  return join(dirname(here), `relay-main${extname(here)}`)
}

export async function startRelayProcess(
  spawnOutside: (command: string, args: readonly string[], opts?: HostSpawnOptions) => ChildProcess,
  config: RelayProcessConfig,
): Promise<RelayProcess> {
  const [node, argv] = nodeCommand(relayEntry(), [])
  const [cmd, args] =
    process.getuid?.() === 0 ? ['nice', ['-n', String(RELAY_NICE), node, ...argv]] : [node, argv]
  const relay = spawnOutside(cmd, args, {
    env: { [RELAY_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const ports = await new Promise<number[]>((resolve, reject) => {
    let out = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      reject(new HostEmulationError('RELAY_FAILED', `the delay relay did not start: ${why}`))
    }
    const timer = setTimeout(() => fail(`no "ready" within ${RELAY_START_MS} ms`), RELAY_START_MS)
    relay.once('exit', (code) => fail(`it exited (${code}); its error is above`))
    relay.once('error', (err) => fail(err.message))
    relay.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const m = /^ready (\[[\d,]*\])\n/.exec(out)
      if (m === null) return
      clearTimeout(timer)
      relay.removeAllListeners('exit')
      resolve(JSON.parse(m[1]!) as number[])
    })
  })
  relay.stdout?.destroy()
  // The runner's life does not hang on the relay: the teardown kills it.
  relay.channel?.unref()
  relay.unref()
  return {
    ports,
    addGroup: (host, pgid) => {
      if (relay.connected) relay.send({ host, pgid })
    },
  }
}
