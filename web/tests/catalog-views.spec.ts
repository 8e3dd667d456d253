import { afterEach, describe, expect, it, vi } from 'vitest'

import type { CategoryNode, MyShop, ProductDetail } from '@/api/types'
import SearchBox from '@/components/catalog/SearchBox.vue'
import { useMerchantStore } from '@/stores/merchant'
import ProductEditorView from '@/views/merchant/ProductEditorView.vue'
import ProductView from '@/views/storefront/ProductView.vue'
import { json, mockFetch, problem, type RecordedCall } from './helpers'
import { mountWith, settle } from './mount'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const category = { id: 'c3', name: '手机', parent_id: 'c2', level: 3, sort_order: 0, is_enabled: true, spec_template: [] }

function detail(extra: Partial<ProductDetail> = {}): ProductDetail {
  return {
    id: 'p1',
    title: '华为 Y8 拍照手机',
    subtitle: '高刷屏',
    shop_id: 's1',
    shop: { id: 's1', name: '华为数码旗舰店' },
    status: 'on_sale',
    category,
    breadcrumb: [{ ...category, id: 'c1', name: '手机数码', level: 1 }, category],
    brand: null,
    description: '<p>旗舰 <strong>影像</strong></p>',
    specs: [
      { name: '颜色', values: ['白色', '黑色'] },
      { name: '存储容量', values: ['256GB', '1TB'] },
    ],
    skus: [
      { id: 'k1', specs: { 颜色: '白色', 存储容量: '256GB' }, price_fen: 599900, market_price_fen: 699900, available: true, available_stock: 3 },
      { id: 'k2', specs: { 颜色: '白色', 存储容量: '1TB' }, price_fen: 726900, market_price_fen: null, available: true, available_stock: 112 },
      { id: 'k3', specs: { 颜色: '黑色', 存储容量: '1TB' }, price_fen: 799500, market_price_fen: null, available: false, available_stock: 0 },
    ],
    price_fen: 599900,
    price_min_fen: 599900,
    price_max_fen: 799500,
    market_price_fen: null,
    sales_count: 137,
    rating_avg: 0,
    review_count: 0,
    in_stock: true,
    media: [],
    ...extra,
  }
}

describe('product page', () => {
  it('shows the range, then the chosen SKU price, stock and strike-through market price', async () => {
    mockFetch(() => json(200, detail()))
    const { wrapper } = await mountWith(ProductView, { productId: 'p1' }, '/p/p1')

    expect(wrapper.get('[data-testid="product-title"]').text()).toBe('华为 Y8 拍照手机')
    expect(wrapper.get('[data-testid="product-price"]').text()).toBe('¥5,999.00–¥7,269.00')
    expect(wrapper.get('[data-testid="product-rating"]').text()).toBe('暂无评价')
    expect(wrapper.get('[data-testid="product-stock"]').attributes('data-state')).toBe('choose')
    // 黑色 only exists in 1TB, which is sold out
    expect(wrapper.get('[data-spec-value="黑色"]').attributes('data-disabled')).toBe('true')

    await wrapper.get('[data-spec-value="白色"]').trigger('click')
    await wrapper.get('[data-spec-value="256GB"]').trigger('click')
    expect(wrapper.get('[data-testid="product-price"]').text()).toBe('¥5,999.00')
    expect(wrapper.get('[data-testid="product-market-price"]').text()).toBe('¥6,999.00')
    expect(wrapper.get('[data-testid="product-stock"]').attributes('data-state')).toBe('low')
    expect(wrapper.get('[data-testid="product-stock"]').text()).toContain('仅剩 3 件') // what is left to order
    await wrapper.get('[data-spec-value="1TB"]').trigger('click')
    expect(wrapper.get('[data-testid="product-stock"]').text()).toContain('有货，库存 112 件')
    await wrapper.get('[data-spec-value="256GB"]').trigger('click')

    const description = wrapper.get('[data-testid="product-description"]')
    expect(description.find('strong').text()).toBe('影像')
    expect(wrapper.get('[data-testid="product-shop"]').attributes('href')).toBe('/shops/s1')
  })

  it('says so when the product is gone', async () => {
    mockFetch(() => problem(404, 'not_found', '不存在。'))
    const { wrapper } = await mountWith(ProductView, { productId: 'nope' }, '/p/nope')
    expect(wrapper.find('[data-testid="product-not-found"]').exists()).toBe(true)
  })
})

describe('search box', () => {
  it('suggests after a pause, then searches with Enter', async () => {
    const calls = mockFetch((call) =>
      call.url.includes('/search/suggest')
        ? json(200, { items: [{ text: '华为手机', kind: 'query', product_id: null }], next_cursor: null })
        : json(200, { items: [{ query: '手机', count: 9 }], next_cursor: null }),
    )
    const { wrapper, router } = await mountWith(SearchBox, {}, '/')
    const input = wrapper.get('[data-testid="search-input"]')

    await input.trigger('focus')
    await settle()
    expect(wrapper.findAll('[data-testid="search-suggestion"]').map((s) => s.attributes('data-kind'))).toEqual(['hot'])

    await input.setValue('h')
    await input.setValue('hua')
    await new Promise((r) => setTimeout(r, 260))
    await settle()
    const suggests = calls.filter((c: RecordedCall) => c.url.includes('/search/suggest'))
    expect(suggests.map((c) => new URL(c.url, 'http://x').searchParams.get('q'))).toEqual(['hua'])
    expect(wrapper.get('[data-testid="search-suggestion"]').text()).toContain('华为手机')

    await input.trigger('keydown', { key: 'Enter' })
    await settle()
    expect(router.currentRoute.value.fullPath).toBe(`/search?q=hua`)
  })
})

describe('product editor', () => {
  const tree: CategoryNode[] = [
    {
      ...category,
      id: 'c1',
      name: '手机数码',
      level: 1,
      parent_id: null,
      children: [{ ...category, spec_template: [{ name: '颜色', options: ['黑色', '白色'] }], children: [] }],
    },
  ]
  const shop: MyShop = {
    id: 's1',
    name: '店',
    description: '',
    shipping_fee_fen: 0,
    free_shipping_over_fen: null,
    status: 'active',
    status_reason: null,
    created_at: '2025-01-01T00:00:00Z',
    approved_at: '2025-01-01T00:00:00Z',
    role: 'owner',
  }

  it('sends exact fen for every SKU and opens the saved draft', async () => {
    const calls = mockFetch((call) => {
      if (call.url.endsWith('/categories')) return json(200, tree)
      if (call.url.includes('/brands')) return json(200, { items: [], next_cursor: null })
      if (call.method === 'POST') return json(201, { id: 'new1', status: 'draft' })
      return json(404, { status: 404, code: 'not_found', detail: '' })
    })
    const { wrapper, router } = await mountWith(ProductEditorView, {}, '/merchant/products/new', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })
    await wrapper.get('[data-testid="product-editor-title"]').setValue('  测试手机  ')
    // Choose the leaf category through the component's v-model (the cascader popper is not under test).
    const cascader = wrapper.findComponent({ name: 'ElCascader' })
    cascader.vm.$emit('update:modelValue', 'c3')
    await settle()
    // The category's template seeded the spec name; add two values.
    expect((wrapper.get('[data-testid="spec-name"]').element as HTMLInputElement).value).toBe('颜色')
    await wrapper.get('[data-testid="spec-value-input"]').setValue('黑色，白色')
    await wrapper.get('[data-testid="spec-value-input"]').trigger('keydown', { key: 'Enter' })
    await settle()
    const prices = wrapper.findAll('[data-testid="sku-price"]')
    expect(prices).toHaveLength(2)
    await prices[0]!.setValue('1999.9')
    await prices[1]!.setValue('0.07')
    await wrapper.get('[data-testid="sku-barcode"]').setValue('690 12-A')
    await wrapper.get('form').trigger('submit')
    await settle()

    const post = calls.find((c) => c.method === 'POST')
    expect(post?.url).toBe('/api/v1/shops/s1/products')
    expect(post?.body).toEqual({
      title: '测试手机',
      subtitle: '',
      category_id: 'c3',
      brand_id: null,
      description: '',
      specs: [{ name: '颜色', values: ['黑色', '白色'] }],
      skus: [
        { specs: { 颜色: '黑色' }, price_fen: 199990, market_price_fen: null, stock: 0, weight_g: 0, barcode: '69012-A' },
        { specs: { 颜色: '白色' }, price_fen: 7, market_price_fen: null, stock: 0, weight_g: 0, barcode: null },
      ],
    })
    expect(router.currentRoute.value.fullPath).toBe('/merchant/products/new1/edit')
  })

  it('puts server errors on the SKU rows', async () => {
    mockFetch((call) => {
      if (call.url.endsWith('/categories')) return json(200, tree)
      if (call.url.includes('/brands')) return json(200, { items: [], next_cursor: null })
      return problem(422, 'invalid_skus', 'SKU 有误。', [{ field: 'skus[0].market_price_fen', code: 'market_below_price', message: '划线价不能低于售价。' }])
    })
    const { wrapper } = await mountWith(ProductEditorView, {}, '/merchant/products/new', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })
    await wrapper.get('[data-testid="product-editor-title"]').setValue('测试')
    wrapper.findComponent({ name: 'ElCascader' }).vm.$emit('update:modelValue', 'c3')
    await settle()
    await wrapper.get('[data-testid="spec-remove"]').trigger('click')
    await settle()
    await wrapper.get('[data-testid="sku-price"]').setValue('10')
    await wrapper.get('form').trigger('submit')
    await settle()
    expect(wrapper.get('[data-testid="sku-row-error"]').text()).toContain('划线价不能低于售价。')
    expect(wrapper.get('[data-testid="product-editor-error"]').text()).toContain('SKU 有误。')
  })
})

describe('product list filters', () => {
  const page = {
    items: [
      {
        id: 'p1', title: '华为手机', subtitle: '', highlight: '华为手机', price_fen: 100, price_max_fen: 100, shop_id: 's1',
        brand_id: 'b1', brand_name: '华为', category_id: 'c1', sales_count: 1, rating_avg: 0, in_stock: true, image_url: null,
      },
    ],
    next_cursor: 'n1',
    total: 12345,
    total_is_exact: true,
    facets: {
      categories: [],
      brands: [{ id: 'b1', name: '华为', count: 3 }, { id: 'b2', name: '小米', count: 2 }],
      price_ranges: [{ min_fen: 0, max_fen: 5000, count: 3 }],
      specs: [{ name: '颜色', values: [{ value: '黑色', count: 2 }] }],
    },
  }

  it('reads the URL, asks the API, and writes clicked facets back to the URL', async () => {
    const { default: ProductBrowser } = await import('@/components/catalog/ProductBrowser.vue')
    const calls = mockFetch(() => json(200, page))
    const { wrapper, router } = await mountWith(ProductBrowser, { categoryId: 'c1' }, '/c/c1?brand=b1&min=100&sort=sales')
    const params = new URL(calls[0]!.url, 'http://x').searchParams
    expect(params.get('category_id')).toBe('c1')
    expect(params.getAll('brand_id')).toEqual(['b1'])
    expect(params.get('price_min_fen')).toBe('10000')
    expect(params.get('sort')).toBe('sales')
    expect(params.get('facets')).toBe('true')
    expect(wrapper.findAll('[data-testid="product-card"]')).toHaveLength(1)
    expect(wrapper.get('[data-testid="search-total"]').text()).toBe('共 12,345 件商品')

    await wrapper.get('[data-testid="facet-spec"][data-spec-value="黑色"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.query).toEqual({ brand: ['b1'], min: '100', spec: ['颜色:黑色'], sort: 'sales' })
    const again = new URL(calls.at(-1)!.url, 'http://x').searchParams
    expect(again.getAll('spec')).toEqual(['颜色:黑色'])

    await wrapper.get('[data-testid="load-more"]').trigger('click')
    await settle()
    expect(new URL(calls.at(-1)!.url, 'http://x').searchParams.get('cursor')).toBe('n1')
  })

  it('says when there are more matches than were counted', async () => {
    const { default: ProductBrowser } = await import('@/components/catalog/ProductBrowser.vue')
    mockFetch(() => json(200, { ...page, total: 10000, total_is_exact: false }))
    const { wrapper } = await mountWith(ProductBrowser, { categoryId: 'c1' }, '/c/c1')
    expect(wrapper.get('[data-testid="search-total"]').text()).toBe('共 10,000+ 件商品')
  })
})
