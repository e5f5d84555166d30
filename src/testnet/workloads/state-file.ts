/**
 * A workload's state file on the VM's disk: written whole and durably (the
 * VM may be stopped for a swap at any moment), saves queued one after
 * another so an older state never lands after a newer one.
 */
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { WorkloadError } from './errors.js'

export class JsonStateFile<T> {
  private chain: Promise<void> = Promise.resolve()

  constructor(
    readonly path: string,
    /** Checks what was read; throws on anything that is not a state of this workload. */
    private readonly check: (value: unknown) => T,
  ) {}

  /** The saved state, or null when none was saved yet; throws STATE_INVALID on a file that does not parse. */
  async load(): Promise<T | null> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    try {
      return this.check(JSON.parse(text))
    } catch (err) {
      throw new WorkloadError(
        'STATE_INVALID',
        `${this.path} does not hold this workload's state (${(err as Error).message}): remove it to start the workload afresh`,
        { cause: err },
      )
    }
  }

  /** Saves `value` after every earlier save; resolves once it is durable. */
  save(value: T): Promise<void> {
    const text = `${JSON.stringify(value)}\n`
    const next = this.chain.then(() => writeFileAtomic(this.path, text, 0o644))
    this.chain = next.catch(() => {})
    return next
  }

  /** Resolves when every save asked for so far has landed (or failed). */
  flush(): Promise<void> {
    return this.chain
  }
}
