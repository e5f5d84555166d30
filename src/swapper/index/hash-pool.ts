/**
 * Block hashing on worker threads, so that indexing and the final check use
 * the cores a VM has beside the one running the agent's event loop. Buffers
 * travel to a worker and back by transfer (no copies). With fewer cores
 * (defaultHashThreads 0), hashDisk hashes inline and starts no pool.
 */
import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { HashWorkerError } from '../errors.js'
import type { HashJob, HashResult } from './hash-worker.js'

const here = fileURLToPath(import.meta.url)
const fromSource = extname(here) === '.ts'
/** Same extension as this module: .ts when run from source (tsx, tap), .js when compiled. */
// `../index/` rather than `./`: the same path from this module and from the
// agent's bundle in the sibling folder `local/` (scripts/bundle.mjs)
const WORKER = new URL(`../index/hash-worker${extname(here)}`, import.meta.url)
/**
 * From source, the worker registers tsx's loader before loading the .ts
 * module: a worker does not inherit its parent's module hooks.
 */
function startWorker(): Worker {
  if (!fromSource) return new Worker(WORKER)
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER.href)}) })`
  return new Worker(boot, { eval: true })
}

/**
 * Worker threads by default. Measured on this project's 2-vCPU machine, 1 GiB
 * ext4 image in the page cache: inline 376-390 ms, one worker 426-434 ms, two
 * 406 ms (reading and hashing share memory bandwidth; a worker adds transfers
 * and start-up), so below 4 cores hashing stays inline. From 4 cores on: one
 * fewer than the cores, at most 4 (not measured here: no such machine).
 */
export function defaultHashThreads(cores = availableParallelism()): number {
  return cores >= 4 ? Math.min(4, cores - 1) : 0
}

export class HashPool {
  private readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private readonly waiting: Array<{ resolve: (w: Worker) => void; reject: (e: Error) => void }> = []
  private readonly pending = new Map<
    number,
    { resolve: (r: HashResult) => void; reject: (e: Error) => void }
  >()
  private nextId = 0
  private failed: Error | null = null

  constructor(readonly threads: number) {
    for (let k = 0; k < threads; k++) {
      const w = startWorker()
      w.on('message', (r: HashResult) => {
        const p = this.pending.get(r.id)
        this.pending.delete(r.id)
        this.release(w)
        p?.resolve(r)
      })
      w.on('error', (err) =>
        this.fail(new HashWorkerError('HASH_WORKER_FAILED', `failed: ${err.message}`, { cause: err })),
      )
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new HashWorkerError('HASH_WORKER_EXIT', `exited with code ${code}`))
      })
      this.workers.push(w)
      this.idle.push(w)
    }
  }

  /** Hashes `buf` (moved to the worker: do not touch it until the result gives it back). */
  async hash(buf: Uint8Array, blockSize: number): Promise<HashResult> {
    if (this.failed !== null) throw this.failed
    const w =
      this.idle.pop() ??
      (await new Promise<Worker>((resolve, reject) => this.waiting.push({ resolve, reject })))
    const id = this.nextId++
    return new Promise<HashResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      const job: HashJob = { id, buf, blockSize }
      w.postMessage(job, [buf.buffer as ArrayBuffer])
    })
  }

  private release(w: Worker): void {
    const next = this.waiting.shift()
    if (next !== undefined) next.resolve(w)
    else this.idle.push(w)
  }

  private fail(err: Error): void {
    this.failed ??= err
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
    for (const q of this.waiting.splice(0)) q.reject(err)
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
