/**
 * The buyer's SKU choice (选规格): which spec values can still be picked, and which SKU a
 * complete choice means. Pure functions over the product page's `specs` and `skus`.
 */

export interface SpecDef {
  name: string
  values: string[]
}

export interface SkuLike {
  specs: Record<string, string>
  available: boolean
}

/** Chosen value per spec name; a missing name means "not chosen yet". */
export type Selection = Record<string, string>

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/**
 * Spec definitions from the API's loosely typed lists: a product's `specs` use `values`,
 * a category's `spec_template` uses `options`. Anything malformed is skipped.
 */
export function parseSpecDefs(raw: readonly unknown[] | null | undefined): SpecDef[] {
  const out: SpecDef[] = []
  for (const item of raw ?? []) {
    if (typeof item !== 'object' || item === null) continue
    const record = item as Record<string, unknown>
    if (typeof record.name !== 'string' || !record.name) continue
    const values = strings(record.values ?? record.options)
    out.push({ name: record.name, values: [...new Set(values)] })
  }
  return out
}

/** The specs as named by the SKUs, in first-seen order (when a product declares none). */
export function specsFromSkus(skus: readonly SkuLike[]): SpecDef[] {
  const order: string[] = []
  const values = new Map<string, string[]>()
  for (const sku of skus) {
    for (const [name, value] of Object.entries(sku.specs)) {
      if (!values.has(name)) {
        values.set(name, [])
        order.push(name)
      }
      const list = values.get(name)!
      if (!list.includes(value)) list.push(value)
    }
  }
  return order.map((name) => ({ name, values: values.get(name)! }))
}

function matches(sku: SkuLike, selection: Selection, except?: string): boolean {
  for (const [name, value] of Object.entries(selection)) {
    if (name === except) continue
    if (sku.specs[name] !== value) return false
  }
  return true
}

/**
 * Whether `value` of spec `name` can be chosen: some available SKU has it together with
 * every value chosen for the *other* specs. (The spec's own current choice is ignored, so a
 * buyer can always switch between values of one spec.)
 */
export function isOptionSelectable(
  skus: readonly SkuLike[],
  selection: Selection,
  name: string,
  value: string,
): boolean {
  return skus.some((sku) => sku.available && sku.specs[name] === value && matches(sku, selection, name))
}

/** Selectable flag of every value of every spec, for rendering the selector. */
export function optionStates(
  specs: readonly SpecDef[],
  skus: readonly SkuLike[],
  selection: Selection,
): Record<string, Record<string, boolean>> {
  const out: Record<string, Record<string, boolean>> = {}
  for (const spec of specs) {
    const states: Record<string, boolean> = {}
    for (const value of spec.values) states[value] = isOptionSelectable(skus, selection, spec.name, value)
    out[spec.name] = states
  }
  return out
}

/** The SKU a complete selection names (available or not), or undefined while incomplete. */
export function selectedSku<T extends SkuLike>(
  specs: readonly SpecDef[],
  skus: readonly T[],
  selection: Selection,
): T | undefined {
  if (specs.some((s) => !selection[s.name])) return undefined
  return skus.find((sku) => specs.every((s) => sku.specs[s.name] === selection[s.name]))
}

/**
 * Click on a value: choose it, or un-choose it when it was chosen. Choosing a value that
 * conflicts with other choices keeps it and drops the choices that no longer fit.
 */
export function toggleOption(
  skus: readonly SkuLike[],
  selection: Selection,
  name: string,
  value: string,
): Selection {
  if (selection[name] === value) {
    const next = { ...selection }
    delete next[name]
    return next
  }
  const next: Selection = { ...selection, [name]: value }
  if (skus.some((sku) => sku.available && matches(sku, next))) return next
  // Keep the new value; drop other choices until an available SKU fits.
  const kept: Selection = { [name]: value }
  for (const [other, chosen] of Object.entries(selection)) {
    if (other === name) continue
    const trial = { ...kept, [other]: chosen }
    if (skus.some((sku) => sku.available && matches(sku, trial))) kept[other] = chosen
  }
  return kept
}

/** Start with the values that are the only choice of their spec (and the only SKU's values). */
export function initialSelection(specs: readonly SpecDef[], skus: readonly SkuLike[]): Selection {
  const selection: Selection = {}
  const available = skus.filter((s) => s.available)
  if (available.length === 1) return { ...available[0]!.specs }
  for (const spec of specs) {
    if (spec.values.length === 1) selection[spec.name] = spec.values[0]!
  }
  return selection
}

/** Lowest and highest price among the available SKUs that fit a partial selection. */
export function priceRangeFor<T extends SkuLike & { price_fen: number }>(
  skus: readonly T[],
  selection: Selection,
): { min: number; max: number } | null {
  let min: number | null = null
  let max: number | null = null
  for (const sku of skus) {
    if (!sku.available || !matches(sku, selection)) continue
    min = min === null ? sku.price_fen : Math.min(min, sku.price_fen)
    max = max === null ? sku.price_fen : Math.max(max, sku.price_fen)
  }
  return min === null || max === null ? null : { min, max }
}
