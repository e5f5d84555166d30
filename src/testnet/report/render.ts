/**
 * Charts drawn: Vega-Lite compiled to Vega, rendered headless to SVG (no
 * browser, no canvas: Vega's string renderer), and SVG to PNG by resvg with
 * fonts from the system (fonts.ts). Every SVG gets its own id prefix, since
 * Vega numbers clip paths from 1 in each drawing and the HTML report holds
 * several drawings in one document.
 */
import { Resvg } from '@resvg/resvg-js'
import { parse, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { ReportError } from './errors.js'
import type { FontChoice } from './fonts.js'

/** PNG scale: twice the SVG's size, sharp on high-density screens and in print. */
const PNG_ZOOM = 2

export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  let view: View | null = null
  try {
    const vega = compile(spec).spec
    view = new View(parse(vega), { renderer: 'none' })
    const svg = await view.toSVG()
    return prefixIds(svg, idPrefix)
  } catch (err) {
    throw new ReportError(
      'RENDER_FAILED',
      `chart ${idPrefix} could not be drawn: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  } finally {
    view?.finalize()
  }
}

/** Makes every id in `svg` (and every reference to one) start with `prefix-`. */
export function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/ id="([^"]+)"/g, ` id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`)
}

export function svgToPng(svg: string, fonts: FontChoice): Uint8Array {
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    font: {
      loadSystemFonts: false,
      fontFiles: fonts.files,
      defaultFontFamily: fonts.family,
      sansSerifFamily: fonts.family,
    },
  })
  return r.render().asPng()
}
