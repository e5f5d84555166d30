import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = 'src/cli/main.ts'

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The compiled CLI, as `npm run build` leaves it (the package's bin). */
export const BUILT_MAIN = 'dist/src/cli/main.js'

/** Runs `vboom ...args` to completion: through tsx from the source tree, or the compiled CLI (`built`). */
export function vboom(
  args: string[],
  timeoutMs = 30_000,
  opts: { built?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const entry = opts.built === true ? [BUILT_MAIN] : ['--import', 'tsx', MAIN]
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface Daemon {
  child: ChildProcess
  output: () => string
  stop(): Promise<number | null>
}

/** Starts a long-running `vboom ...args` and waits until its stdout matches `ready`. */
export async function daemon(t: Test, args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Daemon> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => {
    err += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after ${timeoutMs} ms: ${out}\n${err}`)),
      timeoutMs,
    )
    child.stdout.on('data', (d) => {
      out += d
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before ready: ${out}\n${err}`))
    })
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    return await exited
  }
  t.teardown(stop)
  return { child, output: () => out, stop }
}
