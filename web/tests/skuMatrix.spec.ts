import { describe, expect, it } from 'vitest'

import {
  buildRows,
  cleanSpecs,
  combinationCount,
  combinations,
  missingKeys,
  rowProblems,
  rowsFromSkus,
  skuErrorPath,
  toPayload,
} from '@/utils/skuMatrix'

const specs = [
  { name: '颜色', values: ['黑', '白'] },
  { name: '尺码', values: ['S', 'M', 'L'] },
]

describe('SKU matrix', () => {
  it('is the product of the spec values', () => {
    expect(combinationCount(specs)).toBe(6)
    expect(combinations(specs).map((c) => `${c['颜色']}${c['尺码']}`)).toEqual(['黑S', '黑M', '黑L', '白S', '白M', '白L'])
    expect(combinations([])).toEqual([{}])
  })

  it('cleans names and values', () => {
    expect(
      cleanSpecs([
        { name: ' 颜色 ', values: [' 黑', '黑', '', '白'] },
        { name: '颜色', values: ['红'] },
        { name: '', values: ['x'] },
        { name: '材质', values: [] },
      ]),
    ).toEqual([{ name: '颜色', values: ['黑', '白'] }])
  })

  it('keeps typed rows when values are added, and leaves out removed combinations', () => {
    let rows = buildRows(specs, [])
    expect(rows).toHaveLength(6)
    rows = rows.map((r, i) => ({ ...r, price_fen: (i + 1) * 100, stock: i }))
    const more = [{ name: '颜色', values: ['黑', '白', '红'] }, specs[1]!]
    const grown = buildRows(more, rows)
    expect(grown).toHaveLength(9)
    expect(grown.slice(0, 6).map((r) => r.price_fen)).toEqual([100, 200, 300, 400, 500, 600])
    expect(grown.slice(6).map((r) => r.price_fen)).toEqual([null, null, null])

    const excluded = missingKeys(more, grown.slice(1))
    expect(excluded.size).toBe(1)
    expect(buildRows(more, grown, excluded)).toHaveLength(8)
  })

  it('checks prices and builds the request body', () => {
    const rows = buildRows(specs, []).slice(0, 2)
    rows[0] = { ...rows[0]!, price_fen: 1990, market_price_fen: 2990, stock: 5, barcode: ' 690-1 ' }
    rows[1] = { ...rows[1]!, price_fen: 1990, market_price_fen: 1000 }
    expect([...rowProblems(rows)]).toEqual([[1, ['market_below_price']]])
    expect([...rowProblems([{ ...rows[0]!, price_fen: null }])]).toEqual([[0, ['price_required']]])

    expect(toPayload(specs, rows)).toEqual({
      specs: [
        { name: '颜色', values: ['黑'] },
        { name: '尺码', values: ['S', 'M'] },
      ],
      skus: [
        { specs: { 颜色: '黑', 尺码: 'S' }, price_fen: 1990, market_price_fen: 2990, stock: 5, weight_g: 0, barcode: '690-1' },
        { specs: { 颜色: '黑', 尺码: 'M' }, price_fen: 1990, market_price_fen: 1000, stock: 0, weight_g: 0, barcode: null },
      ],
    })
  })

  it('turns saved SKUs into rows and reads server error paths', () => {
    const rows = rowsFromSkus(specs, [
      { id: 'k1', specs: { 颜色: '黑', 尺码: 'S' }, price_fen: 100, market_price_fen: null, stock: 1, weight_g: 2, barcode: null },
    ])
    expect(rows[0]).toMatchObject({ id: 'k1', price_fen: 100, barcode: '' })
    expect(buildRows(specs, rows)[0]?.id).toBe('k1')
    expect(skuErrorPath('skus[3].price_fen')).toEqual({ index: 3, field: 'price_fen' })
    expect(skuErrorPath('skus[0]')).toEqual({ index: 0, field: 'specs' })
    expect(skuErrorPath('title')).toBeNull()
  })
})
