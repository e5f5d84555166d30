/**
 * Worker thread of the hash pool (hash-pool.ts): hashes the blocks of each
 * buffer it is sent and hands the buffer back with the hashes, both moved
 * (transferred), not copied.
 */
import { parentPort } from 'node:worker_threads'
import { HASH_BYTES, hashBlocksInto } from './hash.js'

export interface HashJob {
  id: number
  buf: Uint8Array
  blockSize: number
}

export interface HashResult {
  id: number
  buf: Uint8Array
  hashes: Uint8Array
}

parentPort?.on('message', (job: HashJob) => {
  const hashes = new Uint8Array(Math.ceil(job.buf.length / job.blockSize) * HASH_BYTES)
  hashBlocksInto(job.buf, job.blockSize, hashes, 0)
  const result: HashResult = { id: job.id, buf: job.buf, hashes }
  parentPort!.postMessage(result, [job.buf.buffer as ArrayBuffer, hashes.buffer])
})
