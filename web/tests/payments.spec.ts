import { afterEach, describe, expect, it, vi } from 'vitest'

import type { ProductDetail } from '@/api/types'
import ProductPurchase from '@/components/catalog/ProductPurchase.vue'
import { redirectTo } from '@/utils/payments'
import PaymentResultView from '@/views/storefront/PaymentResultView.vue'
import PayView from '@/views/storefront/PayView.vue'
import { json, mockFetch, problem } from './helpers'
import { mountWith, settle } from './mount'
import { cartItem, cartOf, payment } from './shopping-fixtures'

vi.mock('@/utils/payments', async (original) => ({
  ...(await original<typeof import('@/utils/payments')>()),
  redirectTo: vi.fn(),
}))

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.mocked(redirectTo).mockClear()
  document.body.innerHTML = ''
})

describe('cashier', () => {
  it('shows the amount and the time left, and sends the browser to the sandbox gateway', async () => {
    const calls = mockFetch((call) =>
      call.method === 'POST'
        ? json(200, { channel: 'sandbox', action: { type: 'redirect', url: 'http://gw.example/sandbox-gateway/trades/T1' } })
        : json(200, payment('pending')),
    )
    const { wrapper } = await mountWith(PayView, { paymentId: 'pay1' }, '/pay/pay1')

    expect(wrapper.get('[data-testid="pay-amount"]').attributes('data-amount-fen')).toBe('25600')
    expect(wrapper.get('[data-testid="pay-countdown"]').text()).toMatch(/(29|30):\d\d/)
    const channels = wrapper.findAll('[data-testid="pay-channel"]')
    expect(channels.map((c) => [c.attributes('data-channel'), c.classes().includes('is-disabled')])).toEqual([
      ['sandbox', false],
      ['alipay', true],
      ['wechat', true],
      ['unionpay', true],
    ])

    await wrapper.get('[data-testid="pay-now"]').trigger('click')
    await settle()
    await wrapper.get('[data-testid="pay-now"]').trigger('click')
    await settle()
    const pays = calls.filter((c) => c.method === 'POST')
    expect(pays[0]?.url).toBe('/api/v1/payments/pay1/pay')
    expect(pays[0]?.body).toEqual({ channel: 'sandbox' })
    expect(pays[1]?.headers.get('Idempotency-Key')).toBe(pays[0]?.headers.get('Idempotency-Key'))
    expect(redirectTo).toHaveBeenCalledWith('http://gw.example/sandbox-gateway/trades/T1')
  })

  it('offers no payment once it is paid', async () => {
    mockFetch(() => json(200, payment('paid')))
    const { wrapper } = await mountWith(PayView, { paymentId: 'pay1' }, '/pay/pay1')
    expect(wrapper.find('[data-testid="pay-now"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="pay-finished"]').attributes('data-status')).toBe('paid')
  })
})

describe('payment result', () => {
  it('asks the gateway once, then looks again until the payment is paid', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    let gets = 0
    const calls = mockFetch((call) => {
      if (call.url.endsWith('/sync')) return json(200, payment('pending'))
      gets += 1
      return json(200, gets >= 3 ? payment('paid', { paid_at: '2025-11-25T09:31:00Z' }) : payment('pending'))
    })
    const { wrapper } = await mountWith(PaymentResultView, { paymentId: 'pay1' }, '/payments/pay1/result')
    expect(wrapper.get('[data-testid="payment-result"]').attributes('data-status')).toBe('pending')

    await vi.advanceTimersByTimeAsync(5000)
    await settle()
    expect(wrapper.get('[data-testid="payment-result"]').attributes('data-status')).toBe('paid')
    expect(wrapper.text()).toContain('支付成功')
    expect(calls.filter((c) => c.url.endsWith('/sync'))).toHaveLength(1)
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(3)
  })

  it('keeps looking when the gateway cannot be asked', async () => {
    const calls = mockFetch((call) =>
      call.url.endsWith('/sync') ? problem(503, 'payment_gateway_unavailable', '稍后再试') : json(200, payment('paid')),
    )
    const { wrapper } = await mountWith(PaymentResultView, { paymentId: 'pay1' }, '/payments/pay1/result')
    expect(wrapper.get('[data-testid="payment-result"]').attributes('data-status')).toBe('paid')
    expect(calls.filter((c) => c.url.endsWith('/sync'))).toHaveLength(0)
  })
})

describe('buying from the product page', () => {
  const sku: ProductDetail['skus'][number] = {
    id: 'k1',
    specs: { 颜色: '白色' },
    price_fen: 599900,
    market_price_fen: null,
    available: true,
    available_stock: 3,
  }

  it('waits for a SKU that is for sale', async () => {
    mockFetch(() => json(200, {}))
    const { wrapper } = await mountWith(ProductPurchase, { sku: undefined }, '/p/p1')
    expect(wrapper.get('[data-testid="add-to-cart"]').attributes('disabled')).toBeDefined()
    expect(wrapper.get('[data-testid="buy-now"]').attributes('disabled')).toBeDefined()
    await wrapper.setProps({ sku: { ...sku, available: false, available_stock: 0 } })
    expect(wrapper.get('[data-testid="buy-now"]').attributes('disabled')).toBeDefined()
  })

  it('adds the chosen quantity to the cart, capped by the stock', async () => {
    const calls = mockFetch((call) =>
      call.method === 'POST' ? json(201, cartItem('a', { quantity: 3 })) : json(200, cartOf([cartItem('a', { quantity: 3 })])),
    )
    const { wrapper } = await mountWith(ProductPurchase, { sku }, '/p/p1')
    const plus = wrapper.get('[data-testid="buy-quantity"] .el-input-number__increase')
    for (let i = 0; i < 5; i += 1) await plus.trigger('mousedown')
    await settle()
    await wrapper.get('[data-testid="add-to-cart"]').trigger('click')
    await settle()
    expect(calls[0]?.body).toEqual({ sku_id: 'k1', quantity: 3 })
  })

  it('buys now through the checkout', async () => {
    mockFetch(() => json(200, {}))
    const { wrapper, router } = await mountWith(ProductPurchase, { sku }, '/p/p1')
    await wrapper.get('[data-testid="buy-now"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/checkout?sku=k1&qty=1')
  })
})
