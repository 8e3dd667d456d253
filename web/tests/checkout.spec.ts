import { afterEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'

import type { CheckoutPreview, CheckoutResult } from '@/api/types'
import { type CheckoutSource, parseCheckoutQuery, useCheckout } from '@/composables/useCheckout'
import { newRequestKey } from '@/utils/ids'
import CheckoutView from '@/views/storefront/CheckoutView.vue'
import { json, mockFetch, problem } from './helpers'
import { mountView, settle } from './mount'
import { cartItem, cartOf } from './shopping-fixtures'

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function preview(extra: Partial<CheckoutPreview> = {}): CheckoutPreview {
  return {
    shops: [
      {
        shop_id: 's1',
        shop_name: '武夷山岩茶坊',
        lines: [
          {
            line_id: 'item-0',
            sku_id: 'k1',
            product_id: 'p1',
            title: '大红袍 250g',
            specs: { 规格: '250g' },
            image_url: null,
            quantity: 2,
            unit_price_fen: 12800,
            subtotal_fen: 25600,
            discount_fen: 0,
            shipping_fen: 0,
            payable_fen: 25600,
            discounts: [],
            purchasable: true,
            problems: [],
          },
        ],
        item_subtotal_fen: 25600,
        discounts: [],
        discount_fen: 0,
        shipping_fen: 0,
        payable_fen: 25600,
        delivery_method: 'express',
        note: '',
      },
    ],
    item_subtotal_fen: 25600,
    discounts: [],
    discount_fen: 0,
    shipping_fen: 0,
    total_fen: 25600,
    can_submit: true,
    ...extra,
  }
}

const placed: CheckoutResult = {
  orders: [{ id: 'o1', order_no: '251125093000000001', shop_id: 's1', status: 'pending_payment', total_fen: 25600 }],
  payment: { id: 'pay1', amount_fen: 25600, status: 'pending', expires_at: '2025-11-25T10:00:00Z' },
}

const address = {
  id: 'a1',
  recipient: '王小明',
  phone: '13800138000',
  phone_masked: '138****8000',
  province: '浙江省',
  city: '杭州市',
  district: '西湖区',
  detail: '文三路 1 号',
  is_default: true,
  created_at: '2025-01-01T00:00:00Z',
}

describe('checkout query', () => {
  it.each([
    [{ from: 'cart' }, 'cart'],
    [{ sku: 'k1', qty: '3' }, { sku_id: 'k1', quantity: 3 }],
    [{ sku: 'k1' }, { sku_id: 'k1', quantity: 1 }],
    [{ sku: 'k1', qty: '0' }, { sku_id: 'k1', quantity: 1 }],
    [{ sku: 'k1', qty: '5000' }, { sku_id: 'k1', quantity: 999 }],
    [{ sku: 'k1', qty: '1.5' }, { sku_id: 'k1', quantity: 1 }],
    [{}, null],
  ])('%j → %j', (query, expected) => {
    expect(parseCheckoutQuery(query)).toEqual(expected)
  })
})

describe('request keys', () => {
  it('are v4 UUIDs, also where crypto.randomUUID is missing (plain HTTP)', () => {
    expect(newRequestKey()).toMatch(UUID)
    const real = globalThis.crypto
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => real.getRandomValues(a) })
    const fallback = newRequestKey()
    vi.unstubAllGlobals()
    expect(fallback).toMatch(UUID)
    expect(fallback).not.toBe(newRequestKey())
  })
})

describe('checkout submit', () => {
  function ready(sourceValue: CheckoutSource) {
    const checkout = useCheckout(ref(sourceValue))
    checkout.addressId.value = 'a1'
    checkout.preview.value = preview()
    return checkout
  }

  it('reuses one Idempotency-Key for every attempt of the same checkout', async () => {
    let attempt = 0
    const calls = mockFetch(() => {
      attempt += 1
      return attempt === 1 ? json(503, {}) : json(201, placed)
    })
    const checkout = ready({ kind: 'buy-now', items: [{ sku_id: 'k1', quantity: 2 }] })

    await expect(checkout.submit()).rejects.toMatchObject({ status: 503 })
    await expect(checkout.submit()).resolves.toEqual(placed)

    const keys = calls.map((c) => c.headers.get('Idempotency-Key'))
    expect(keys[0]).toMatch(UUID)
    expect(keys).toEqual([keys[0], keys[0]])
    expect(calls[1]?.body).toEqual(calls[0]?.body)
  })

  it('sends one request for a double click', async () => {
    const calls = mockFetch(() => json(201, placed))
    const checkout = ready({ kind: 'cart', cartItemIds: ['c1', 'c2'] })
    const [a, b] = await Promise.all([checkout.submit(), checkout.submit()])
    expect(a).toEqual(b)
    expect(calls).toHaveLength(1)
  })

  it('makes a new key for a new checkout', async () => {
    const calls = mockFetch(() => json(201, placed))
    await ready({ kind: 'cart', cartItemIds: ['c1'] }).submit()
    await ready({ kind: 'cart', cartItemIds: ['c1'] }).submit()
    expect(calls[0]?.headers.get('Idempotency-Key')).not.toBe(calls[1]?.headers.get('Idempotency-Key'))
  })

  it('orders the cart lines with each shop’s note, trimmed', async () => {
    const calls = mockFetch(() => json(201, placed))
    const checkout = ready({ kind: 'cart', cartItemIds: ['c1', 'c2'] })
    checkout.notes.s1 = '  请用顺丰 '
    await checkout.submit()
    expect(calls[0]?.url).toBe('/api/v1/orders')
    expect(calls[0]?.body).toEqual({
      address_id: 'a1',
      cart_item_ids: ['c1', 'c2'],
      shops: [{ shop_id: 's1', delivery_method: 'express', note: '请用顺丰' }],
    })
  })
})

describe('checkout page', () => {
  function server(options: { submit?: () => Response; previews?: CheckoutPreview[] } = {}) {
    const previews = [...(options.previews ?? [preview()])]
    return mockFetch((call) => {
      if (call.url === '/api/v1/me/addresses') return json(200, { items: [address], next_cursor: null })
      if (call.url === '/api/v1/cart') return json(200, cartOf([cartItem('c1'), cartItem('c2', { selected: false })]))
      if (call.url === '/api/v1/checkout/preview') return json(200, previews.length > 1 ? previews.shift() : previews[0])
      if (call.url === '/api/v1/orders') return options.submit?.() ?? json(201, placed)
      return json(404, {})
    })
  }

  it('prices the cart selection for the default address and goes to the cashier', async () => {
    const calls = server()
    const { wrapper, router } = await mountView(CheckoutView, '/checkout?from=cart')

    const previewCall = calls.find((c) => c.url === '/api/v1/checkout/preview')
    expect(previewCall?.body).toEqual({ address_id: 'a1', cart_item_ids: ['c1'], shops: [] })
    expect(wrapper.get('[data-testid="checkout-address"]').attributes('data-selected')).toBe('true')
    expect(wrapper.get('[data-testid="checkout-total"]').attributes('data-total-fen')).toBe('25600')

    await wrapper.get('[data-testid="place-order"]').trigger('click')
    await settle()
    expect(calls.filter((c) => c.url === '/api/v1/orders')).toHaveLength(1)
    expect(router.currentRoute.value.fullPath).toBe('/pay/pay1')
  })

  it('prices again after a stock refusal, so the lines show what stopped the order', async () => {
    const short = preview({ can_submit: false })
    short.shops[0]!.lines[0]!.purchasable = false
    short.shops[0]!.lines[0]!.problems = ['库存不足，仅剩 1 件']
    const calls = server({
      submit: () => json(409, { status: 409, code: 'insufficient_stock', detail: '库存不足。', sku_id: 'k1' }, 'application/problem+json'),
      previews: [preview(), short],
    })
    const { wrapper } = await mountView(CheckoutView, '/checkout?sku=k1&qty=2')
    await wrapper.get('[data-testid="place-order"]').trigger('click')
    await settle()

    expect(wrapper.get('[data-testid="checkout-line-problem"]').text()).toBe('库存不足，仅剩 1 件')
    expect(wrapper.find('[data-testid="checkout-blocked"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="place-order"]').attributes('disabled')).toBeDefined()
    expect(calls.filter((c) => c.url === '/api/v1/checkout/preview')).toHaveLength(2)
  })

  it('says there is nothing to order without a query', async () => {
    server()
    const { wrapper } = await mountView(CheckoutView, '/checkout')
    expect(wrapper.find('[data-testid="checkout-nothing"]').exists()).toBe(true)
  })

  it('puts a server field error in a toast when the order is refused', async () => {
    server({ submit: () => problem(422, 'validation_error', '请求内容有误') })
    const { wrapper, router } = await mountView(CheckoutView, '/checkout?sku=k1')
    await wrapper.get('[data-testid="place-order"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/checkout?sku=k1')
    expect(document.body.textContent).toContain('请求内容有误')
  })

  it('edits the chosen address in place and keeps it chosen', async () => {
    let saved = { ...address }
    const calls = mockFetch((call) => {
      if (call.url === '/api/v1/me/addresses') return json(200, { items: [saved], next_cursor: null })
      if (call.url === '/api/v1/me/addresses/a1' && call.method === 'PUT') {
        saved = { ...address, ...(call.body as object) }
        return json(200, saved)
      }
      if (call.url === '/api/v1/checkout/preview') return json(200, preview())
      return json(404, {})
    })
    const { wrapper } = await mountView(CheckoutView, '/checkout?sku=k1')
    await wrapper.get('[data-testid="checkout-edit-address"]').trigger('click')
    await settle()
    const detail = document.querySelector<HTMLInputElement>('input[data-testid="address-detail"]')!
    expect(detail.value).toBe('文三路 1 号')
    detail.value = '莫干山路 8 号'
    detail.dispatchEvent(new Event('input'))
    ;(document.querySelector('[data-testid="address-submit"]') as HTMLButtonElement).click()
    await settle()

    const put = calls.find((c) => c.method === 'PUT')
    expect(put?.body).toMatchObject({ recipient: '王小明', detail: '莫干山路 8 号', is_default: true })
    expect(wrapper.get('[data-testid="checkout-address"]').text()).toContain('莫干山路 8 号')
    expect(wrapper.get('[data-testid="checkout-address"]').attributes('data-selected')).toBe('true')
  })
})
