/**
 * The live view of `vboom testnet`: asks `source` for a snapshot on every
 * tick and shows it. On a terminal it redraws in place (log-update) at 2 Hz;
 * when stdout is not a terminal it prints one plain line every few seconds,
 * and each new ledger entry once; with `json` it prints every snapshot as
 * one JSON line. A tick waits for the previous one (a slow source never
 * piles up draws); a failing source is said on one line and asked again.
 */
import { createLogUpdate } from 'log-update'
import { DEFAULT_COLUMNS, JSON_INTERVAL_MS, PLAIN_INTERVAL_MS, TTY_INTERVAL_MS } from './constants.js'
import { renderPlainLine, renderSnapshot } from './render.js'
import type { TestnetSnapshot } from './snapshot.js'

export type ViewFormat = 'tty' | 'plain' | 'json'

export interface LiveViewOptions {
  /** Default process.stdout. */
  stream?: NodeJS.WriteStream
  /** Default 'auto': 'tty' on a terminal, else 'plain'. */
  format?: ViewFormat | 'auto'
  /** Between ticks, ms. Default per format (TTY_INTERVAL_MS, PLAIN_INTERVAL_MS, JSON_INTERVAL_MS). */
  intervalMs?: number
  /** ANSI colours on a terminal. Default: unless NO_COLOR is set. */
  color?: boolean
}

export interface LiveView {
  readonly format: ViewFormat
  /** Shows a last snapshot and stops (the terminal keeps the last frame). */
  stop(): Promise<void>
}

export type SnapshotSource = () => TestnetSnapshot | Promise<TestnetSnapshot>

export function startLiveView(source: SnapshotSource, o: LiveViewOptions = {}): LiveView {
  const stream = o.stream ?? process.stdout
  const format: ViewFormat =
    o.format === undefined || o.format === 'auto' ? (stream.isTTY ? 'tty' : 'plain') : o.format
  const intervalMs =
    o.intervalMs ??
    (format === 'tty' ? TTY_INTERVAL_MS : format === 'json' ? JSON_INTERVAL_MS : PLAIN_INTERVAL_MS)
  const color = o.color ?? process.env.NO_COLOR === undefined
  const frame = format === 'tty' ? createLogUpdate(stream, { showCursor: false }) : null
  let lastLedgerSeq: bigint | null = null
  let lastError: string | null = null

  const show = (s: TestnetSnapshot): void => {
    if (format === 'json') {
      stream.write(`${JSON.stringify(s)}\n`)
    } else if (frame !== null) {
      frame(renderSnapshot(s, { width: stream.columns ?? DEFAULT_COLUMNS, color }))
    } else {
      const fresh = s.ledger.filter((e) => lastLedgerSeq === null || BigInt(e.seq) > lastLedgerSeq)
      for (const e of fresh) stream.write(`ledger ${e.text}\n`)
      const last = s.ledger.at(-1)
      if (last !== undefined) lastLedgerSeq = BigInt(last.seq)
      stream.write(`${renderPlainLine(s)}\n`)
    }
  }

  const tick = async (): Promise<void> => {
    try {
      show(await source())
      lastError = null
    } catch (err) {
      const message = `testnet view: could not take a snapshot (${(err as Error).message}); trying again`
      // Said once per cause, not on every tick.
      if (message !== lastError) {
        if (frame !== null) frame.persist(message)
        else process.stderr.write(`${message}\n`)
      }
      lastError = message
    }
  }

  let stopped = false
  let timer: NodeJS.Timeout | null = null
  let current: Promise<void> = tick()
  const loop = (): void => {
    if (stopped) return
    timer = setTimeout(() => {
      current = tick().then(loop)
    }, intervalMs)
  }
  void current.then(loop)

  return {
    format,
    async stop(): Promise<void> {
      if (stopped) return
      stopped = true
      if (timer !== null) clearTimeout(timer)
      await current
      await tick()
      frame?.done()
    },
  }
}
