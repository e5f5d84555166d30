/**
 * The testnet's host emulation: N hosts on one machine, each a location with a
 * hardware profile (disk MB/s and IOPS, CPU share, network rate and one-way
 * delay) holding one VM. Root mode uses the kernel (cgroup v1 cpu and blkio,
 * loop devices with direct I/O, network namespaces with tbf, a delay relay);
 * the emulated mode does the same in the runner's process without root. Both
 * give the same HostFabric; verify.ts measures either with outside tools.
 *
 * Everything a run creates is named `vboomtn-<runid>...` and recorded before
 * it is created (run-state.ts); close() removes it, so do SIGINT, SIGTERM and
 * exit, and the next run sweeps what a killed run left (sweep.ts).
 */
import { MAX_HOSTS } from './constants.js'
import { emulatedFabric } from './emulated-fabric.js'
import { HostEmulationError } from './errors.js'
import { registerTeardown, unregisterTeardown } from './exit-cleanup.js'
import { type HostFabricInit, resolveInit } from './fabric-options.js'
import type { HostFabric } from './host.js'
import { chooseMode } from './mode.js'
import { resolveLimits } from './profile.js'
import { rootFabric } from './root-fabric.js'
import { teardownRun } from './run-close.js'
import { RunState } from './run-state.js'
import { sweepDeadRuns } from './sweep.js'

export { HostEmulationError } from './errors.js'
export type { HostFabricInit, HostSpec } from './fabric-options.js'
export type { Host, HostAddress, HostFabric, HostInfo, HostMode, HostSpawnOptions } from './host.js'
export { multiaddrOf } from './host.js'
export type { HostFile, HostFileOptions } from './host-file.js'
export { throwIfInterrupted, untilInterrupted } from './interrupt.js'
export { chooseMode, type ModeChoice, type ModeRequest, rootModeUnavailable } from './mode.js'
export type { HostLimits, HostProfile } from './profile.js'
export { resolveLimits } from './profile.js'
export { HostRuntime } from './runtime.js'
export { sweepDeadRuns } from './sweep.js'
export { type Check, formatChecks, type VerifyOptions, verifyFabric } from './verify.js'

/** Builds the hosts; prints the mode and why (one line). */
export async function createHostFabric(init: HostFabricInit): Promise<HostFabric> {
  const o = resolveInit(init)
  // Everything checked before anything is created.
  if (o.hosts.length === 0 || o.hosts.length > MAX_HOSTS)
    throw new HostEmulationError(
      'PROFILE_INVALID',
      `${o.hosts.length} hosts asked for: give 1 to ${MAX_HOSTS}`,
    )
  for (const h of o.hosts) resolveLimits(h.profile)
  if (o.vmDiskBytes % 4096 !== 0 || o.vmDiskBytes <= 0)
    throw new HostEmulationError(
      'PROFILE_INVALID',
      `vmDiskBytes ${o.vmDiskBytes} is not a positive multiple of 4096`,
    )
  const choice = chooseMode(init.mode ?? 'auto')
  o.print(`testnet hosts: ${choice.mode} mode (${choice.reason})`)
  if (o.sweep) {
    const swept = sweepDeadRuns(o.stateDir)
    if (swept.swept.length > 0)
      o.print(`testnet hosts: removed leftovers of dead runs ${swept.swept.join(', ')}`)
    for (const p of swept.problems) o.print(`testnet hosts: could not remove a dead run's leftover: ${p}`)
  }
  const state = RunState.create(o.stateDir, choice.mode)
  registerTeardown(state.runId, () => teardownRun(state), o.handleSignals)
  try {
    return choice.mode === 'root'
      ? await rootFabric(o, choice.reason, state)
      : await emulatedFabric(o, choice.reason, state)
  } catch (err) {
    unregisterTeardown(state.runId)
    const problems = teardownRun(state)
    if (problems.length > 0) o.print(`testnet hosts: after a failed start, left: ${problems.join('; ')}`)
    throw err
  }
}
