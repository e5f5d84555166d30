/**
 * The anchor's verification image on an emulated host: a process of the
 * host running the image's entry, reached over its Node IPC channel (a real
 * host would be reached over the network). While it runs, the VM's own
 * processes are frozen (SIGSTOP: its code does not run, nothing of it
 * answers); closing the session kills the image and lets them run on
 * (SIGCONT). Where the host's disk limits are emulated, the image's disk
 * I/O asks the host's gate over the same channel (image-io-gate.ts). Used by
 * the host supervisor and by the directory host.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { extname } from 'node:path'
import {
  answerIoGrant,
  IMAGE_IO_GATE_ENV,
  IMAGE_IO_GATE_IPC,
  isIoGrantRequest,
} from '../../anchor/image-io-gate.js'
import type { RemoteSession, VerificationImage } from '../../runtime/platform.js'
import type { IoGate } from '../../runtime/sandbox/io-gate.js'
import { SupervisorError, SupervisorErrorCode } from './errors.js'

/** Node arguments for a child entry: tsx's loader when it is TypeScript (run from source). */
export const execArgvFor = (entry: string): string[] => (extname(entry) === '.ts' ? ['--import', 'tsx'] : [])

export interface ImageOptions {
  /** The host's disk, where the image's benchmarks write (VBOOM_IMAGE_DISK). */
  diskDir: string
  /** Puts the image's process into the host (e.g. its cgroup) before it runs anything heavy. */
  place?: (child: ChildProcess) => Promise<void>
  /** Called once the image is gone (killed or exited). */
  onClosed?: () => void
  /** The host's emulated disk limits (HostRuntime.diskGate()): the image's disk I/O waits for them. */
  ioGate?: IoGate | null
}

/** Signals every pid in `pids` (those gone are skipped). */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // gone meanwhile
    }
  }
}

/** Starts the image's entry as a process; its session's `close` kills it. */
export async function startImage(image: VerificationImage, opts: ImageOptions): Promise<RemoteSession> {
  const gate = opts.ioGate ?? null
  const child = fork(image.entry, [], {
    execArgv: execArgvFor(image.entry),
    env: {
      ...process.env,
      VBOOM_IMAGE_DISK: opts.diskDir,
      ...(gate === null ? {} : { [IMAGE_IO_GATE_ENV]: IMAGE_IO_GATE_IPC }),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (gate !== null)
    child.on('message', (m) => {
      if (!isIoGrantRequest(m)) return
      void answerIoGrant(m, gate).then((reply) => {
        if (child.connected) child.send(reply)
      })
    })
  try {
    await opts.place?.(child)
  } catch (err) {
    child.kill('SIGKILL')
    await exited
    throw err
  }
  let closed = false
  return {
    request: (message: unknown, signal?: AbortSignal) =>
      new Promise<unknown>((resolve, reject) => {
        const onAbort = (): void => {
          child.kill('SIGKILL')
          reject(new SupervisorError(SupervisorErrorCode.IMAGE_ABORTED, 'verification image request aborted'))
        }
        const onExit = (code: number | null): void =>
          reject(
            new SupervisorError(
              SupervisorErrorCode.IMAGE_EXITED,
              `verification image exited (${code}) before answering; its error is on stderr`,
            ),
          )
        signal?.addEventListener('abort', onAbort, { once: true })
        child.once('exit', onExit)
        const onMessage = (m: unknown): void => {
          // the image's grant requests are answered above; any other message is the answer
          if (isIoGrantRequest(m)) return
          child.off('message', onMessage)
          signal?.removeEventListener('abort', onAbort)
          child.off('exit', onExit)
          resolve(m)
        }
        child.on('message', onMessage)
        child.send(message as never)
      }),
    close: async () => {
      if (closed) return
      closed = true
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
      opts.onClosed?.()
    },
  }
}
