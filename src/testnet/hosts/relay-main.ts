/**
 * Root mode: the delay relay as a process in the run's hub namespace (a
 * process lives in one network namespace, and the hub is where every host's
 * advertised address is). Its routes and delays come in VBOOM_RELAY_CONFIG;
 * the source of a connection is its address (each host has its own).
 * Prints "ready" once every route listens; runs until killed.
 */
import { hostIndexOf } from './netns.js'
import { DelayRelay, RELAY_CONFIG_ENV, type RelayProcessConfig } from './relay.js'

async function main(): Promise<void> {
  const config = JSON.parse(process.env[RELAY_CONFIG_ENV] ?? '') as RelayProcessConfig
  await DelayRelay.start({
    routes: config.routes,
    hosts: config.delaysMs.map((delayMs) => ({ delayMs })),
    sourceOf: (s) => hostIndexOf(s.remoteAddress ?? ''),
  })
  process.stdout.write('ready\n')
}

main().catch((err: unknown) => {
  process.stderr.write(`delay relay: ${(err as Error).message}\n`)
  process.exit(1)
})
