import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'

import type { ImportReport as Report, ProductHit } from '@/api/types'
import ProductCard from '@/components/catalog/ProductCard.vue'
import SkuSelector from '@/components/catalog/SkuSelector.vue'
import ImportReport from '@/components/merchant/ImportReport.vue'
import YuanInput from '@/components/YuanInput.vue'
import { mountWith } from './mount'

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const specs = [
  { name: '颜色', values: ['黑', '白', '蓝'] },
  { name: '容量', values: ['128', '256'] },
]
const skus = [
  { specs: { 颜色: '黑', 容量: '128' }, available: true },
  { specs: { 颜色: '黑', 容量: '256' }, available: false },
  { specs: { 颜色: '白', 容量: '256' }, available: true },
  { specs: { 颜色: '蓝', 容量: '128' }, available: false },
]

function optionStates(wrapper: { findAll: (s: string) => { attributes: (n: string) => string | undefined }[] }) {
  return Object.fromEntries(
    wrapper.findAll('[data-testid="sku-option"]').map((o) => [`${o.attributes('data-spec-name')}:${o.attributes('data-spec-value')}`, o.attributes('data-disabled')]),
  )
}

describe('SKU selector', () => {
  it('greys out values that no available SKU has with the other chosen values', async () => {
    const { wrapper } = await mountWith(SkuSelector, { specs, skus, modelValue: {} })
    expect(optionStates(wrapper)).toEqual({
      '颜色:黑': 'false',
      '颜色:白': 'false',
      '颜色:蓝': 'true',
      '容量:128': 'false',
      '容量:256': 'false',
    })
    expect(wrapper.get('[data-spec-value="蓝"]').attributes('disabled')).toBeDefined()

    await wrapper.setProps({ modelValue: { 颜色: '黑' } })
    expect(optionStates(wrapper)['容量:256']).toBe('true')
    expect(optionStates(wrapper)['容量:128']).toBe('false')

    await wrapper.setProps({ modelValue: { 容量: '256' } })
    expect(optionStates(wrapper)['颜色:黑']).toBe('true')
    expect(optionStates(wrapper)['颜色:白']).toBe('false')
  })

  it('emits the new choice on click and ignores disabled values', async () => {
    const { wrapper } = await mountWith(SkuSelector, { specs, skus, modelValue: { 颜色: '黑' } })
    await wrapper.get('[data-spec-value="128"]').trigger('click')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([{ 颜色: '黑', 容量: '128' }])
    await wrapper.get('[data-spec-value="256"]').trigger('click')
    expect(wrapper.emitted('update:modelValue')).toHaveLength(1)
    await wrapper.get('[data-spec-value="黑"]').trigger('click')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([{}])
  })
})

describe('yuan input', () => {
  it('turns typed yuan into exact fen', async () => {
    // Behave like v-model: the parent writes each emitted value back.
    const { wrapper } = await mountWith(YuanInput, {
      modelValue: null,
      'data-testid': 'price',
      'onUpdate:modelValue': (fen: number | null) => void wrapper.setProps({ modelValue: fen }),
    })
    const input = wrapper.get('input[data-testid="price"]')
    for (const [typed, fen] of [
      ['19.99', 1999],
      ['0.1', 10],
      ['1.15', 115],
      ['4.35', 435],
      ['1,299', 129900],
    ] as const) {
      await input.setValue(typed)
      expect(wrapper.emitted('update:modelValue')?.at(-1), typed).toEqual([fen])
    }
    await input.setValue('')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([null])
  })

  it('marks bad amounts invalid without changing the model', async () => {
    const { wrapper } = await mountWith(YuanInput, { modelValue: 500 })
    const input = wrapper.get('input')
    expect((input.element as HTMLInputElement).value).toBe('5.00')
    await input.setValue('1.005')
    expect(wrapper.emitted('update:modelValue')).toBeUndefined()
    expect(wrapper.emitted('invalid')?.at(-1)).toEqual([true])
    expect(input.attributes('aria-invalid')).toBe('true')
    await input.setValue('abc')
    expect(wrapper.emitted('update:modelValue')).toBeUndefined()
    await input.setValue('2')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([200])
    expect(wrapper.emitted('invalid')?.at(-1)).toEqual([false])
  })

  it('shows a model set from outside as yuan', async () => {
    const { wrapper } = await mountWith(YuanInput, { modelValue: null })
    await wrapper.setProps({ modelValue: 123456 })
    await nextTick()
    expect((wrapper.get('input').element as HTMLInputElement).value).toBe('1234.56')
  })
})

describe('import report', () => {
  const report: Report = {
    created_count: 1,
    failed_count: 2,
    created: [{ product_ref: 'P001', id: 'p1', rows: [2, 3] }],
    errors: [
      { row: 5, field: 'price', message: '价格必填。' },
      { row: 4, field: 'category', message: '类目不存在。' },
      { row: 4, field: 'stock', message: '超出范围。' },
    ],
  }

  it('shows the counts and every error by row and field', async () => {
    const { wrapper } = await mountWith(ImportReport, { report })
    expect(wrapper.get('[data-testid="import-created"]').attributes('data-count')).toBe('1')
    expect(wrapper.get('[data-testid="import-failed"]').attributes('data-count')).toBe('2')
    const rows = wrapper.findAll('[data-testid="import-error-row"]')
    expect(rows.map((r) => r.attributes('data-row'))).toEqual(['4', '4', '5'])
    expect(rows[0]?.text()).toContain('category')
    expect(rows[0]?.text()).toContain('类目不存在。')
    expect(rows[2]?.text()).toContain('价格必填。')
    const created = wrapper.get('[data-testid="import-created-row"]')
    expect(created.text()).toContain('P001')
    expect(created.get('a').attributes('href')).toBe('/merchant/products/p1/edit')
  })
})

describe('product card', () => {
  const hit: ProductHit = {
    id: 'p9',
    title: 'A & B 手机',
    subtitle: '',
    highlight: 'A &amp; B <em>手机</em><img src=x onerror="alert(1)">',
    price_fen: 726900,
    price_max_fen: 799500,
    shop_id: 's1',
    brand_id: null,
    brand_name: '',
    category_id: 'c1',
    sales_count: 137,
    rating_avg: 0,
    in_stock: true,
    image_url: null,
  }

  it('renders only <em> from the highlight, and the exact price', async () => {
    const { wrapper } = await mountWith(ProductCard, { product: hit })
    const card = wrapper.get('[data-testid="product-card"]')
    expect(card.attributes('data-product-id')).toBe('p9')
    expect(card.attributes('href')).toBe('/p/p9')
    expect(card.findAll('em').map((e) => e.text())).toEqual(['手机'])
    expect(card.find('img').exists()).toBe(false)
    expect(card.text()).toContain('A & B')
    expect(card.text()).toContain('<img src=x')
    expect(card.text()).toContain('¥7,269.00')
    expect(card.text()).toContain('已售 137')
  })
})
