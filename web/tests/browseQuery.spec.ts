import { describe, expect, it } from 'vitest'

import {
  activeFilterCount,
  browseQueryOf,
  emptyFilters,
  parseBrowseQuery,
  searchParamsOf,
  splitSpecFilter,
  toggleIn,
} from '@/utils/browseQuery'

describe('list filters in the URL', () => {
  it('read the query, ignoring junk', () => {
    const f = parseBrowseQuery({
      q: ' 手机 ',
      brand: ['b1', 'b2', 'b1'],
      min: '99.5',
      max: 'abc',
      spec: ['颜色:黑色', 'broken', '接口:USB:C'],
      stock: '1',
      sort: 'nonsense',
    })
    expect(f).toEqual({
      ...emptyFilters(),
      q: '手机',
      brands: ['b1', 'b2'],
      priceMinFen: 9950,
      specs: ['颜色:黑色', '接口:USB:C'],
      inStock: true,
    })
    expect(splitSpecFilter('接口:USB:C')).toEqual(['接口', 'USB:C'])
  })

  it('round-trip through the URL, leaving defaults out', () => {
    expect(browseQueryOf(emptyFilters())).toEqual({})
    const f = { ...emptyFilters(), q: 'x', brands: ['b1'], priceMinFen: 10000, priceMaxFen: 9950, sort: 'sales' as const }
    const query = browseQueryOf(f)
    expect(query).toEqual({ q: 'x', brand: ['b1'], min: '100', max: '99.5', sort: 'sales' })
    expect(parseBrowseQuery(query as Record<string, string | string[]>)).toEqual(f)
  })

  it('become API parameters, with the page category as the base', () => {
    const f = { ...parseBrowseQuery({ spec: '颜色:黑', min: '500', max: '100' }) }
    expect(searchParamsOf(f, { category_id: 'c1' })).toEqual({
      q: undefined,
      category_id: 'c1',
      shop_id: undefined,
      brand_id: undefined,
      price_min_fen: 10000,
      price_max_fen: 50000,
      in_stock: undefined,
      spec: ['颜色:黑'],
      sort: 'relevance',
      facets: true,
    })
    expect(searchParamsOf({ ...f, category: 'c2' }, { category_id: 'c1' }).category_id).toBe('c2')
    expect(activeFilterCount(f)).toBe(2)
    expect(toggleIn(['a'], 'b')).toEqual(['a', 'b'])
    expect(toggleIn(['a', 'b'], 'a')).toEqual(['b'])
  })
})
