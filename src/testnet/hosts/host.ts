/**
 * The host emulation's public shapes, the same in both modes: a fabric of
 * hosts, each with its limits, its VM disk, its addresses and a way to start
 * processes inside it. Workloads and scenarios use these and never ask which
 * mode runs (they may print it).
 */
import type { ChildProcess, StdioOptions } from 'node:child_process'
import type { HostLimits, HostProfile } from './profile.js'

export type HostMode = 'root' | 'emulated'

export interface HostAddress {
  host: string
  port: number
}

/** `/ip4/<host>/tcp/<port>`, as libp2p listens and announces. */
export const multiaddrOf = (a: HostAddress): string => `/ip4/${a.host}/tcp/${a.port}`

/** What a process started in a host learns about it (HostRuntime.current() reads it from the environment). */
export interface HostInfo {
  runId: string
  name: string
  index: number
  mode: HostMode
  profile: HostProfile
  /** The VM's disk: a fixed-size image file on the host's disk (what a swap exchanges). */
  vmDisk: string
  vmDiskBytes: number
  /** A directory on the host's disk for benchmarks' and workloads' scratch files. */
  scratchDir: string
  /**
   * Where the VM's services listen, one address per service port. Root mode:
   * the host's own address in its namespace; emulated: 127.0.0.1 and a port
   * of its own.
   */
  service: HostAddress[]
  /**
   * Where peers dial those services, in the same order: the delay relay in
   * front of each (a libp2p node listens on `service` and announces
   * `advertised`).
   */
  advertised: HostAddress[]
  /** Emulated mode: the abstract socket of the host's disk gate; null in root mode. */
  diskGate: string | null
}

export interface HostSpawnOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>
  cwd?: string
  /** Default ['ignore', 'pipe', 'pipe']; include 'ipc' for a Node channel. */
  stdio?: StdioOptions
}

export interface Host {
  readonly info: HostInfo
  readonly limits: HostLimits
  /**
   * Starts `command` inside the host: its CPU and disk limits and its network
   * (root: its cgroups and namespace, entered before the command runs;
   * emulated: its CPU quota and disk gate). The process and its children
   * carry the run's marker and the host's info in their environment, and are
   * killed when the fabric closes.
   */
  spawn(command: string, args: readonly string[], opts?: HostSpawnOptions): ChildProcess
  /** Starts a Node entry point inside the host (TypeScript entries through tsx). */
  spawnNode(entry: string, args: readonly string[], opts?: HostSpawnOptions): ChildProcess
}

export interface HostFabric {
  readonly mode: HostMode
  /** One line: why this mode runs. */
  readonly reason: string
  readonly runId: string
  readonly hosts: readonly Host[]
  /**
   * The address processes outside any host listen on (the anchor, reference
   * servers): the hub of the run's network in root mode, 127.0.0.1 emulated.
   * Hosts reach it unshaped but for their own links.
   */
  readonly outsideAddress: string
  /** Starts a process outside any host but on the run's network (root: in the hub namespace). */
  spawnOutside(command: string, args: readonly string[], opts?: HostSpawnOptions): ChildProcess
  /** Kills every process of the run and removes everything it created; throws TEARDOWN_INCOMPLETE with what is left. */
  close(): Promise<void>
}
