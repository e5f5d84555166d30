/**
 * Options of a fabric of hosts, shared by both modes, with their defaults.
 */
import { tmpdir } from 'node:os'
import { DEFAULT_SCRATCH_BYTES, DEFAULT_SERVICE_PORTS, DEFAULT_VM_DISK_BYTES } from './constants.js'
import type { ModeRequest } from './mode.js'
import type { HostProfile } from './profile.js'
import { defaultStateDir } from './run-state.js'

export interface HostSpec {
  /** The location's name (the VM's location in adverts). */
  name: string
  profile: HostProfile
}

export interface HostFabricInit {
  hosts: readonly HostSpec[]
  /** Default 'auto': root mode where it can run. */
  mode?: ModeRequest
  /** Where the run's directory `vboomtn-<runid>` goes. Default the temp dir. */
  baseDir?: string
  /** Where run records go. Default /run/vboom-testnet as root, a per-user temp dir otherwise. */
  stateDir?: string
  /** Size of each VM disk image, bytes (a multiple of 4096). Default 64 MiB. */
  vmDiskBytes?: number
  /** Scratch space beside it on the host's disk, bytes. Default 64 MiB. */
  scratchBytes?: number
  /** Service ports per host (each with its relay). Default 2. */
  servicePorts?: number
  /** On SIGINT/SIGTERM: tear down, then end the process (exit-cleanup.ts). Teardown on exit is always on. Default true. */
  handleSignals?: boolean
  /** Remove leftovers of dead runs first. Default true. */
  sweep?: boolean
  /** Where the mode line and sweep notes go. Default stderr. */
  print?: (line: string) => void
  /** Aborts the build between hosts (SIGINT during a run's start-up); what was built is removed. */
  signal?: AbortSignal
}

export type ResolvedInit = Required<Omit<HostFabricInit, 'mode'>>

export function resolveInit(init: HostFabricInit): ResolvedInit {
  return {
    hosts: init.hosts,
    baseDir: init.baseDir ?? tmpdir(),
    stateDir: init.stateDir ?? defaultStateDir(),
    vmDiskBytes: init.vmDiskBytes ?? DEFAULT_VM_DISK_BYTES,
    scratchBytes: init.scratchBytes ?? DEFAULT_SCRATCH_BYTES,
    servicePorts: init.servicePorts ?? DEFAULT_SERVICE_PORTS,
    handleSignals: init.handleSignals ?? true,
    sweep: init.sweep ?? true,
    print: init.print ?? ((line: string) => process.stderr.write(`${line}\n`)),
    signal: init.signal ?? new AbortController().signal,
  }
}
