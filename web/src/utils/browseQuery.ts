/**
 * The filters of a product list (category page, search page) live in the URL query so a
 * link shows the same list: `?q=手机&brand=b1&brand=b2&min=100&max=500&spec=颜色:黑色&stock=1&sort=sales`.
 * Prices are yuan in the URL (readable), fen everywhere else.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'

import type { ProductSearchParams } from '@/api/search'
import type { SearchSort } from '@/api/types'
import { fenToYuan, yuanToFen } from './money'

export const SORTS: readonly SearchSort[] = ['relevance', 'sales', 'price_asc', 'price_desc', 'newest', 'rating']

export interface BrowseFilters {
  q: string
  /** A narrower category picked from the facets (search page). */
  category: string
  brands: string[]
  priceMinFen: number | null
  priceMaxFen: number | null
  /** `name:value` pairs. */
  specs: string[]
  inStock: boolean
  sort: SearchSort
}

export const emptyFilters = (): BrowseFilters => ({
  q: '',
  category: '',
  brands: [],
  priceMinFen: null,
  priceMaxFen: null,
  specs: [],
  inStock: false,
  sort: 'relevance',
})

function all(value: LocationQuery[string] | undefined): string[] {
  const list = Array.isArray(value) ? value : value == null ? [] : [value]
  return list.filter((v): v is string => typeof v === 'string' && v !== '')
}

function first(value: LocationQuery[string] | undefined): string {
  return all(value)[0] ?? ''
}

function isSort(value: string): value is SearchSort {
  return (SORTS as readonly string[]).includes(value)
}

export function specFilter(name: string, value: string): string {
  return `${name}:${value}`
}

/** `颜色:黑色` → ['颜色', '黑色'] (the first colon splits; values may hold colons). */
export function splitSpecFilter(filter: string): [string, string] | null {
  const at = filter.indexOf(':')
  if (at <= 0 || at === filter.length - 1) return null
  return [filter.slice(0, at), filter.slice(at + 1)]
}

export function parseBrowseQuery(query: LocationQuery): BrowseFilters {
  const sort = first(query.sort)
  const min = yuanToFen(first(query.min))
  const max = yuanToFen(first(query.max))
  return {
    q: first(query.q).trim(),
    category: first(query.cat),
    brands: [...new Set(all(query.brand))].slice(0, 20),
    priceMinFen: min,
    priceMaxFen: max,
    specs: [...new Set(all(query.spec).filter((s) => splitSpecFilter(s) !== null))].slice(0, 10),
    inStock: first(query.stock) === '1',
    sort: isSort(sort) ? sort : 'relevance',
  }
}

/** Back to a URL query; defaults are left out so links stay short. */
export function browseQueryOf(filters: BrowseFilters): LocationQueryRaw {
  const out: LocationQueryRaw = {}
  if (filters.q) out.q = filters.q
  if (filters.category) out.cat = filters.category
  if (filters.brands.length) out.brand = [...filters.brands]
  if (filters.priceMinFen !== null) out.min = trimYuan(filters.priceMinFen)
  if (filters.priceMaxFen !== null) out.max = trimYuan(filters.priceMaxFen)
  if (filters.specs.length) out.spec = [...filters.specs]
  if (filters.inStock) out.stock = '1'
  if (filters.sort !== 'relevance') out.sort = filters.sort
  return out
}

/** 10000 → "100", 9950 → "99.5" (URL form of a yuan amount). */
export function trimYuan(fen: number): string {
  return fenToYuan(fen).replace(/\.?0+$/, '')
}

/** The API parameters for these filters; `base` fixes the page's own category or shop. */
export function searchParamsOf(
  filters: BrowseFilters,
  base: { category_id?: string; shop_id?: string } = {},
): ProductSearchParams {
  let min = filters.priceMinFen
  let max = filters.priceMaxFen
  if (min !== null && max !== null && min > max) [min, max] = [max, min]
  return {
    q: filters.q || undefined,
    category_id: filters.category || base.category_id,
    shop_id: base.shop_id,
    brand_id: filters.brands.length ? filters.brands : undefined,
    price_min_fen: min ?? undefined,
    price_max_fen: max ?? undefined,
    in_stock: filters.inStock || undefined,
    spec: filters.specs.length ? filters.specs : undefined,
    sort: filters.sort,
    facets: true,
  }
}

export function toggleIn(list: readonly string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value]
}

/** How many filters (besides the words and the sort) are on. */
export function activeFilterCount(filters: BrowseFilters): number {
  return (
    filters.brands.length +
    filters.specs.length +
    (filters.priceMinFen !== null || filters.priceMaxFen !== null ? 1 : 0) +
    (filters.inStock ? 1 : 0) +
    (filters.category ? 1 : 0)
  )
}

/** Clear the narrowing filters, keep the words and the sort. */
export function clearedFilters(filters: BrowseFilters): BrowseFilters {
  return { ...emptyFilters(), q: filters.q, sort: filters.sort }
}
