/**
 * The merchant's SKU matrix (规格矩阵): every combination of the product's spec values is a
 * row with its own price, stock, weight and barcode. Pure functions, so the editor stays thin.
 */
import type { SpecDef } from './sku'

export interface SkuRow {
  /** Stable key of the combination (spec values in spec order). */
  key: string
  specs: Record<string, string>
  /** The SKU's id once saved (kept by the server for unchanged combinations). */
  id?: string
  price_fen: number | null
  market_price_fen: number | null
  stock: number
  weight_g: number
  barcode: string
}

export const MAX_SPECS = 5
export const MAX_SKUS = 200

/** Spec names and values, trimmed, blanks and repeats removed, specs without values dropped. */
export function cleanSpecs(specs: readonly SpecDef[]): SpecDef[] {
  const seen = new Set<string>()
  const out: SpecDef[] = []
  for (const spec of specs) {
    const name = spec.name.trim()
    if (!name || seen.has(name)) continue
    const values = [...new Set(spec.values.map((v) => v.trim()).filter(Boolean))]
    if (values.length === 0) continue
    seen.add(name)
    out.push({ name, values })
  }
  return out
}

export function comboKey(specs: Record<string, string>, order: readonly string[]): string {
  return JSON.stringify(order.map((name) => [name, specs[name] ?? '']))
}

/** Every combination of the spec values, first spec varying slowest. No specs: one empty combination. */
export function combinations(specs: readonly SpecDef[]): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}]
  for (const spec of specs) {
    const next: Record<string, string>[] = []
    for (const combo of combos) for (const value of spec.values) next.push({ ...combo, [spec.name]: value })
    combos = next
  }
  return combos
}

export function combinationCount(specs: readonly SpecDef[]): number {
  return specs.reduce((n, s) => n * s.values.length, 1)
}

export function emptyRow(specs: Record<string, string>, key: string): SkuRow {
  return { key, specs, price_fen: null, market_price_fen: null, stock: 0, weight_g: 0, barcode: '' }
}

/**
 * The rows for `specs`, keeping what was typed for combinations that still exist (matched by
 * their values, so renaming nothing and adding a value keeps every filled row). Combinations
 * listed in `excluded` (keys) are left out.
 */
export function buildRows(
  specs: readonly SpecDef[],
  previous: readonly SkuRow[],
  excluded: ReadonlySet<string> = new Set(),
): SkuRow[] {
  const clean = cleanSpecs(specs)
  const order = clean.map((s) => s.name)
  const byKey = new Map<string, SkuRow>()
  for (const row of previous) byKey.set(comboKey(row.specs, order), row)
  const rows: SkuRow[] = []
  for (const combo of combinations(clean)) {
    const key = comboKey(combo, order)
    if (excluded.has(key)) continue
    const old = byKey.get(key)
    rows.push(old ? { ...old, key, specs: combo } : emptyRow(combo, key))
  }
  return rows
}

/** Rows from saved SKUs (editing an existing product). */
export function rowsFromSkus(
  specs: readonly SpecDef[],
  skus: readonly {
    id: string
    specs: Record<string, string>
    price_fen: number
    market_price_fen: number | null
    stock: number
    weight_g: number
    barcode: string | null
  }[],
): SkuRow[] {
  const order = cleanSpecs(specs).map((s) => s.name)
  return skus.map((s) => ({
    key: comboKey(s.specs, order),
    id: s.id,
    specs: { ...s.specs },
    price_fen: s.price_fen,
    market_price_fen: s.market_price_fen,
    stock: s.stock,
    weight_g: s.weight_g,
    barcode: s.barcode ?? '',
  }))
}

/** Combinations of `specs` that are not among `rows` (the ones the merchant removed). */
export function missingKeys(specs: readonly SpecDef[], rows: readonly SkuRow[]): Set<string> {
  const clean = cleanSpecs(specs)
  const order = clean.map((s) => s.name)
  const present = new Set(rows.map((r) => comboKey(r.specs, order)))
  return new Set(combinations(clean).map((c) => comboKey(c, order)).filter((k) => !present.has(k)))
}

export type RowProblem = 'price_required' | 'market_below_price'

/** What is wrong with each row before sending (index → problems); the server checks again. */
export function rowProblems(rows: readonly SkuRow[]): Map<number, RowProblem[]> {
  const out = new Map<number, RowProblem[]>()
  rows.forEach((row, index) => {
    const problems: RowProblem[] = []
    if (row.price_fen === null || row.price_fen <= 0) problems.push('price_required')
    else if (row.market_price_fen !== null && row.market_price_fen < row.price_fen) {
      problems.push('market_below_price')
    }
    if (problems.length) out.set(index, problems)
  })
  return out
}

export interface SkuPayload {
  specs: { name: string; values: string[] }[]
  skus: {
    specs: Record<string, string>
    price_fen: number
    market_price_fen: number | null
    stock: number
    weight_g: number
    barcode: string | null
  }[]
}

/** The request body part for the specs and SKUs (rows must have a price; see rowProblems). */
export function toPayload(specs: readonly SpecDef[], rows: readonly SkuRow[]): SkuPayload {
  const clean = cleanSpecs(specs)
  const used = clean.map((s) => ({
    name: s.name,
    values: s.values.filter((v) => rows.some((r) => r.specs[s.name] === v)),
  }))
  return {
    specs: used.filter((s) => s.values.length > 0),
    skus: rows.map((r) => ({
      specs: Object.fromEntries(clean.map((s) => [s.name, r.specs[s.name] ?? ''])),
      price_fen: r.price_fen ?? 0,
      market_price_fen: r.market_price_fen,
      stock: r.stock,
      weight_g: r.weight_g,
      barcode: r.barcode.trim() || null,
    })),
  }
}

/** Fill one field of every row (批量设置). */
export function fillAll<K extends 'price_fen' | 'market_price_fen' | 'stock' | 'weight_g'>(
  rows: readonly SkuRow[],
  field: K,
  value: SkuRow[K],
): SkuRow[] {
  return rows.map((r) => ({ ...r, [field]: value }))
}

/** `skus[3].price_fen` → { index: 3, field: 'price_fen' } (server field errors on the matrix). */
export function skuErrorPath(field: string): { index: number; field: string } | null {
  const m = /^skus\[(\d+)\]\.?(\w*)/.exec(field)
  if (!m) return null
  return { index: Number(m[1]), field: m[2] || 'specs' }
}
