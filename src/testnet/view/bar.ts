/**
 * A progress bar as a string, drawn by cli-progress's own bar formatter
 * (the one `vboom swap-images` shows), so the view's bars look the same.
 */
import cliProgress from 'cli-progress'

const FULL = '\u2588'
const EMPTY = '\u2591'

/** `fraction` (clamped to 0..1) of `width` cells. */
export function bar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0
  return cliProgress.Format.BarFormat(f, {
    barsize: width,
    barCompleteString: FULL.repeat(width),
    barIncompleteString: EMPTY.repeat(width),
    barGlue: '',
  })
}
