import type { VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import type { AdminShop, Brand, MyShop, ShopProduct, ShopProductListItem, ShopSku } from '@/api/types'
import { useMerchantStore } from '@/stores/merchant'
import OrdersView from '@/views/account/OrdersView.vue'
import BrandsView from '@/views/admin/BrandsView.vue'
import ShopApplicationsView from '@/views/admin/ShopApplicationsView.vue'
import ProductsView from '@/views/merchant/ProductsView.vue'
import { json, mockFetch, type RecordedCall } from './helpers'
import { mountView, mountWith, settle } from './mount'
import { orderSummary } from './shopping-fixtures'

vi.mock('@/utils/notify', () => ({
  alertMessage: vi.fn(),
  confirmAction: vi.fn(async () => true),
  notifyError: vi.fn(),
  notifySuccess: vi.fn(),
}))

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

/** An answer the test lets out when it wants: the slow "load more" of each race below. */
function held() {
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  return { released, release }
}

const query = (call: RecordedCall) => new URL(call.url, 'http://x').searchParams

/** The "load more" button of a view that gives it no test id. */
const clickLoadMore = (wrapper: VueWrapper) => wrapper.get('.more button').trigger('click')

const brand = (id: string): Brand => ({ id, name: `品牌 ${id}`, name_en: '', description: '', is_enabled: true })

const product = (id: string, status: ShopProductListItem['status'] = 'on_sale'): ShopProductListItem => ({
  id,
  title: `商品 ${id}`,
  status,
  image_url: null,
  price_fen: 100,
  price_max_fen: 100,
  stock_total: 5,
  sales_count: 0,
  updated_at: '2025-05-01T08:00:00Z',
})

const adminShop = (id: string, status: AdminShop['status']): AdminShop => ({
  id,
  name: `店铺 ${id}`,
  description: '',
  status,
  status_reason: null,
  shipping_fee_fen: 0,
  free_shipping_over_fen: null,
  created_at: '2025-05-01T08:00:00Z',
  approved_at: null,
  owner: { id: `o-${id}`, email: `${id}@example.com`, nickname: '' },
})

const shop: MyShop = {
  id: 's1',
  name: '武夷山岩茶坊',
  description: '',
  status: 'active',
  status_reason: null,
  shipping_fee_fen: 0,
  free_shipping_over_fen: null,
  created_at: '2025-01-01T00:00:00Z',
  approved_at: '2025-01-02T00:00:00Z',
  role: 'owner',
}

describe('a slow "load more" never adds rows of a list the user has left', () => {
  it('brands: a new search wins over the more-page of the old one', async () => {
    const slow = held()
    mockFetch((call) => {
      const params = query(call)
      if (params.get('q') === '小米') return json(200, { items: [brand('b9')], next_cursor: null })
      if (params.get('cursor') === 'c2') return slow.released.then(() => json(200, { items: [brand('b2')], next_cursor: null }))
      return json(200, { items: [brand('b1')], next_cursor: 'c2' })
    })
    const { wrapper } = await mountView(BrandsView, '/admin/brands')

    await clickLoadMore(wrapper)
    await wrapper.get('input[data-testid="brand-search"]').setValue('小米')
    await wrapper.get('form.search').trigger('submit')
    await settle()
    slow.release()
    await settle()

    expect(wrapper.findAll('[data-testid="brand-row"]').map((r) => r.attributes('data-brand-id'))).toEqual(['b9'])
  })

  it('shop applications: another status tab wins over the more-page of the old one', async () => {
    const slow = held()
    mockFetch((call) => {
      const params = query(call)
      if (params.get('status') === 'active') return json(200, { items: [adminShop('s9', 'active')], next_cursor: null })
      if (params.get('cursor') === 'c2') {
        return slow.released.then(() => json(200, { items: [adminShop('s2', 'pending')], next_cursor: null }))
      }
      return json(200, { items: [adminShop('s1', 'pending')], next_cursor: 'c2' })
    })
    const { wrapper, router } = await mountView(ShopApplicationsView, '/admin/shops')

    await wrapper.get('button.more').trigger('click')
    await router.replace({ query: { status: 'active' } })
    await settle()
    slow.release()
    await settle()

    expect(wrapper.findAll('[data-testid="shop-row"]').map((r) => r.attributes('data-shop-id'))).toEqual(['s9'])
  })

  it('merchant products: new words win over the more-page of the old ones', async () => {
    const slow = held()
    mockFetch((call) => {
      const params = query(call)
      if (params.get('q') === '茶') return json(200, { items: [product('p9')], next_cursor: null })
      if (params.get('cursor') === 'c2') return slow.released.then(() => json(200, { items: [product('p2')], next_cursor: null }))
      return json(200, { items: [product('p1')], next_cursor: 'c2' })
    })
    const { wrapper, router } = await mountWith(ProductsView, {}, '/merchant/products', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })

    await clickLoadMore(wrapper)
    await router.replace({ query: { q: '茶' } })
    await settle()
    slow.release()
    await settle()

    expect(wrapper.findAll('[data-testid="merchant-product-row"]').map((r) => r.attributes('data-product-id'))).toEqual(['p9'])
  })

  it('my orders (useOrderList): another status tab wins over the more-page of the old one', async () => {
    const slow = held()
    const calls = mockFetch((call) => {
      if (call.url === '/api/v1/orders/counts') return json(200, { counts: { pending_payment: 3, shipped: 1 } })
      const params = query(call)
      if (params.get('status') === 'shipped') return json(200, { items: [orderSummary('o9', 'shipped')], next_cursor: null })
      if (params.get('cursor') === 'c2') {
        return slow.released.then(() => json(200, { items: [orderSummary('o3', 'pending_payment')], next_cursor: null }))
      }
      return json(200, { items: [orderSummary('o1', 'pending_payment'), orderSummary('o2', 'pending_payment')], next_cursor: 'c2' })
    })
    const { wrapper } = await mountView(OrdersView, '/account/orders')

    await wrapper.get('[data-testid="load-more"]').trigger('click')
    expect(calls.at(-1)?.url).toBe('/api/v1/orders?cursor=c2&limit=20')
    await wrapper.get('[data-testid="order-tab-shipped"]').trigger('click')
    await settle()
    slow.release()
    await settle()

    expect(wrapper.findAll('[data-testid="order-card"]').map((c) => c.attributes('data-order-id'))).toEqual(['o9'])
    expect(wrapper.find('[data-testid="load-more"]').exists()).toBe(false)
  })
})

describe('quick price and stock edits (改价 / 改库存)', () => {
  const sku = (id: string, stock: number, reserved: number, is_enabled = true): ShopSku => ({
    id,
    specs: { 规格: id },
    price_fen: 100,
    market_price_fen: null,
    stock,
    reserved,
    available_stock: stock - reserved,
    weight_g: 0,
    barcode: null,
    is_enabled,
    available: is_enabled && stock > reserved,
  })
  const shopProduct = (skus: ShopSku[]): ShopProduct => ({
    id: 'p1',
    shop_id: 's1',
    title: '商品 p1',
    subtitle: '',
    status: 'on_sale',
    category_id: 'c1',
    brand_id: null,
    brand: null,
    description: '',
    specs: [],
    skus,
    price_min_fen: 100,
    price_max_fen: 100,
    stock_total: 7,
    sales_count: 0,
    created_at: '2025-05-01T08:00:00Z',
    updated_at: '2025-05-01T08:00:00Z',
    published_at: null,
  })

  it("shows the row's available stock after a save: on hand minus reserved, enabled SKUs only", async () => {
    const saved = sku('k1', 11, 3)
    const calls = mockFetch((call) => {
      if (call.method === 'PATCH') return json(200, saved)
      if (call.url.startsWith('/api/v1/shops/s1/products/p1')) return json(200, shopProduct([sku('k1', 10, 3), sku('k2', 4, 0, false)]))
      return json(200, { items: [{ ...product('p1'), stock_total: 7 }], next_cursor: null })
    })
    const { wrapper } = await mountWith(ProductsView, {}, '/merchant/products', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })
    const stockCell = () => wrapper.get('[data-testid="merchant-product-row"]').findAll(':scope > span')[2]!.text()
    expect(stockCell()).toContain('7')

    await wrapper.get('[data-testid="quick-edit-skus"]').trigger('click')
    await settle()
    const row = document.querySelector('[data-testid="sku-quick-row"][data-sku-id="k1"]')!
    row.querySelector('.el-input-number__increase')!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }))
    document.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }))
    await settle()
    ;(row.querySelector('[data-testid="sku-quick-save"]') as HTMLElement).click()
    await settle()

    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ stock: 11 })
    // 11 on hand − 3 reserved; the disabled SKU's 4 do not count (on hand summed would be 15)
    expect(stockCell()).toMatch(/\b8$/)
  })
})
