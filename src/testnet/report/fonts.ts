/**
 * Fonts for the PNG charts. resvg draws text only with fonts it is given;
 * the charts ask for DejaVu Sans, then Liberation Sans (CHART_FONT), which
 * Debian's fonts-dejavu-core and fonts-liberation install. Looked for in the
 * usual font directories by file name, so no font-config tool is needed.
 */
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface FontChoice {
  /** The family name charts use for it. */
  family: string
  /** Regular and (when found) bold faces: titles are bold. */
  files: string[]
}

const FAMILIES: { family: string; regular: string; bold: string }[] = [
  { family: 'DejaVu Sans', regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' },
  { family: 'Liberation Sans', regular: 'LiberationSans-Regular.ttf', bold: 'LiberationSans-Bold.ttf' },
]

/** Directories searched, as fontconfig's defaults on Linux. */
export const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  join(homedir(), '.local/share/fonts'),
  join(homedir(), '.fonts'),
]

/** Directory depth searched below each font dir (Debian: truetype/<family>/). */
const MAX_DEPTH = 4

function findFile(name: string, dirs: readonly string[]): string | null {
  const walk = (dir: string, depth: number): string | null => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return null
    }
    for (const e of entries) if (e.isFile() && e.name === name) return join(dir, e.name)
    if (depth >= MAX_DEPTH) return null
    for (const e of entries)
      if (e.isDirectory()) {
        const hit = walk(join(dir, e.name), depth + 1)
        if (hit !== null) return hit
      }
    return null
  }
  for (const d of dirs)
    if (existsSync(d)) {
      const hit = walk(d, 0)
      if (hit !== null) return hit
    }
  return null
}

/** The first chart family installed, or null (then PNGs cannot show text: the report says so). */
export function findFonts(dirs: readonly string[] = FONT_DIRS): FontChoice | null {
  for (const f of FAMILIES) {
    const regular = findFile(f.regular, dirs)
    if (regular === null) continue
    const bold = findFile(f.bold, dirs)
    return { family: f.family, files: bold === null ? [regular] : [regular, bold] }
  }
  return null
}

/** Why PNGs were not written, for the report. */
export const NO_FONT_REASON = `no chart font found (DejaVu Sans or Liberation Sans under ${FONT_DIRS.join(', ')}): install fonts-dejavu-core for PNG charts; the SVG charts do not need it`
