/**
 * How a control server's refusal travels, in one of two styles both ends
 * agree on: 'json' answers `{code, message}` (the anchor: scripts switch on
 * the code), 'text' answers the message line alone (the agent: readable as
 * is with curl).
 */

export type RefusalStyle = 'json' | 'text'

export interface Refusal {
  code: string
  message: string
}

export function encodeRefusal(style: RefusalStyle, r: Refusal): { contentType: string; body: string } {
  return style === 'json'
    ? { contentType: 'application/json', body: JSON.stringify({ code: r.code, message: r.message }) }
    : { contentType: 'text/plain', body: `${r.message}\n` }
}

/** The refusal in an answer's body; undefined when the body is not one (empty, or JSON that is no refusal). */
export function decodeRefusal(style: RefusalStyle, body: string): Partial<Refusal> | undefined {
  if (style === 'text') return body.trim() === '' ? undefined : { message: body.trim() }
  try {
    const r = JSON.parse(body) as unknown
    if (typeof r !== 'object' || r === null) return undefined
    const { code, message } = r as Record<string, unknown>
    if (typeof code !== 'string' || typeof message !== 'string') return undefined
    return { code, message }
  } catch {
    return undefined
  }
}
