/**
 * Money on the client: the API speaks integer fen (分); people read and type yuan (元).
 * Every conversion here works on the decimal digits as text, never on floating-point yuan,
 * so ¥0.10 + ¥0.20 problems cannot happen and what is shown is exactly what was sent.
 */

/** Largest number of fen the helpers accept (well above any price; inside 2^53). */
export const MAX_FEN = Number.MAX_SAFE_INTEGER

function checkFen(fen: number): void {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not a whole number of fen: ${fen}`)
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** 726900 → "7269.00"; -5 → "-0.05". */
export function fenToYuan(fen: number): string {
  checkFen(fen)
  const sign = fen < 0 ? '-' : ''
  const digits = String(Math.abs(fen)).padStart(3, '0')
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`
}

export interface PriceFormat {
  /** Put the ¥ sign in front (default true). */
  symbol?: boolean
  /** Thousands separators (default true). */
  grouping?: boolean
  /** Leave out ".00" for whole yuan (for ranges and labels; default false). */
  compact?: boolean
}

/** 726900 → "¥7,269.00". */
export function formatFen(fen: number, options: PriceFormat = {}): string {
  const yuan = fenToYuan(fen)
  const negative = yuan.startsWith('-')
  const [whole = '0', cents = '00'] = (negative ? yuan.slice(1) : yuan).split('.')
  const decimals = options.compact && cents === '00' ? '' : `.${cents}`
  const body = `${options.grouping === false ? whole : group(whole)}${decimals}`
  return `${negative ? '-' : ''}${options.symbol === false ? '' : '¥'}${body}`
}

/** "¥49.00" for one price, "¥49.00–¥99.00" for a range. */
export function formatFenRange(minFen: number, maxFen: number, options: PriceFormat = {}): string {
  if (minFen === maxFen) return formatFen(minFen, options)
  return `${formatFen(minFen, options)}–${formatFen(maxFen, options)}`
}

const YUAN = /^(\d+)(?:\.(\d{0,2}))?$|^\.(\d{1,2})$/

/**
 * What a person typed, in yuan, as fen: "19.9" → 1990, "0.05" → 5, "1,299" → 129900.
 * Null when it is not a non-negative amount with at most two decimals (e.g. "1.005", "-1",
 * "abc", "") or is too large to be exact.
 */
export function yuanToFen(text: string): number | null {
  const cleaned = text.trim().replace(/^¥/, '').replace(/[,，\s]/g, '')
  const m = YUAN.exec(cleaned)
  if (!m) return null
  const whole = m[1] ?? '0'
  const cents = (m[2] ?? m[3] ?? '').padEnd(2, '0')
  const digits = (whole + cents).replace(/^0+(?=\d)/, '')
  if (digits.length > 15) return null
  const fen = Number(digits)
  return Number.isSafeInteger(fen) ? fen : null
}
