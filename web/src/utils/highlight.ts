/**
 * Search highlights: the API sends the title HTML-escaped with `<em>…</em>` around matched
 * words. It is never given to v-html: it is cut into text pieces (entities decoded), some of
 * them emphasised, which the template renders as text. Any other markup shows as literal text.
 */

export interface HighlightPart {
  text: string
  em: boolean
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[body.toLowerCase()] ?? whole
  })
}

export function parseHighlight(html: string | null | undefined): HighlightPart[] {
  const parts: HighlightPart[] = []
  let em = false
  for (const piece of (html ?? '').split(/(<\/?em>)/i)) {
    const tag = piece.toLowerCase()
    if (tag === '<em>') em = true
    else if (tag === '</em>') em = false
    else if (piece) {
      const text = decodeEntities(piece)
      const last = parts[parts.length - 1]
      if (last && last.em === em) last.text += text
      else parts.push({ text, em })
    }
  }
  return parts
}
