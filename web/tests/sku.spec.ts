import { describe, expect, it } from 'vitest'

import {
  initialSelection,
  isOptionSelectable,
  optionStates,
  parseSpecDefs,
  priceRangeFor,
  selectedSku,
  specsFromSkus,
  toggleOption,
} from '@/utils/sku'

const sku = (color: string, size: string, available = true, price = 100) => ({
  specs: { 颜色: color, 容量: size },
  available,
  price_fen: price,
})

// 黑/128 ok, 黑/256 sold out, 白/256 ok, 白/512 ok; 蓝 only in 128 and sold out.
const skus = [sku('黑', '128', true, 100), sku('黑', '256', false, 200), sku('白', '256', true, 300), sku('白', '512', true, 400), sku('蓝', '128', false, 150)]
const specs = [
  { name: '颜色', values: ['黑', '白', '蓝'] },
  { name: '容量', values: ['128', '256', '512'] },
]

describe('SKU availability', () => {
  it('greys out values no available SKU has', () => {
    const states = optionStates(specs, skus, {})
    expect(states['颜色']).toEqual({ 黑: true, 白: true, 蓝: false })
    expect(states['容量']).toEqual({ 128: true, 256: true, 512: true })
  })

  it('judges a value together with the other chosen values', () => {
    expect(optionStates(specs, skus, { 颜色: '黑' })['容量']).toEqual({ 128: true, 256: false, 512: false })
    expect(optionStates(specs, skus, { 颜色: '白' })['容量']).toEqual({ 128: false, 256: true, 512: true })
    expect(optionStates(specs, skus, { 容量: '256' })['颜色']).toEqual({ 黑: false, 白: true, 蓝: false })
  })

  it("ignores the spec's own choice, so another value of it stays selectable", () => {
    expect(isOptionSelectable(skus, { 颜色: '黑', 容量: '128' }, '颜色', '白')).toBe(false)
    expect(isOptionSelectable(skus, { 颜色: '白', 容量: '256' }, '颜色', '黑')).toBe(false)
    expect(isOptionSelectable(skus, { 颜色: '白', 容量: '512' }, '容量', '256')).toBe(true)
  })

  it('finds the SKU of a complete choice only', () => {
    expect(selectedSku(specs, skus, { 颜色: '白' })).toBeUndefined()
    expect(selectedSku(specs, skus, { 颜色: '白', 容量: '512' })?.price_fen).toBe(400)
    expect(selectedSku(specs, skus, { 颜色: '黑', 容量: '256' })?.available).toBe(false)
  })

  it('toggles values and drops choices that stop fitting', () => {
    expect(toggleOption(skus, { 颜色: '黑' }, '颜色', '黑')).toEqual({})
    expect(toggleOption(skus, { 颜色: '黑' }, '容量', '128')).toEqual({ 颜色: '黑', 容量: '128' })
    expect(toggleOption(skus, { 颜色: '黑', 容量: '128' }, '容量', '512')).toEqual({ 容量: '512' })
  })

  it('starts with the only choices', () => {
    expect(initialSelection(specs, skus)).toEqual({})
    expect(initialSelection([{ name: '颜色', values: ['黑'] }, { name: '容量', values: ['128', '256'] }], [])).toEqual({ 颜色: '黑' })
    expect(initialSelection(specs, [sku('白', '256'), sku('黑', '128', false)])).toEqual({ 颜色: '白', 容量: '256' })
  })

  it('gives the price range of what still fits', () => {
    expect(priceRangeFor(skus, {})).toEqual({ min: 100, max: 400 })
    expect(priceRangeFor(skus, { 颜色: '白' })).toEqual({ min: 300, max: 400 })
    expect(priceRangeFor(skus, { 颜色: '蓝' })).toBeNull()
  })

  it('reads loosely typed spec lists and derives specs from SKUs', () => {
    expect(
      parseSpecDefs([{ name: '颜色', values: ['黑', '黑', 3, '白'] }, { name: '尺码', options: ['S'] }, null, { values: [] }]),
    ).toEqual([
      { name: '颜色', values: ['黑', '白'] },
      { name: '尺码', values: ['S'] },
    ])
    expect(specsFromSkus(skus)).toEqual([
      { name: '颜色', values: ['黑', '白', '蓝'] },
      { name: '容量', values: ['128', '256', '512'] },
    ])
  })
})
