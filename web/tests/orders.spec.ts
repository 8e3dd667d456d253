import { afterEach, describe, expect, it, vi } from 'vitest'

import type { MyShop, ShopOrder } from '@/api/types'
import { formatDuration } from '@/composables/useCountdown'
import { useMerchantStore } from '@/stores/merchant'
import { buyerActions, orderTabs, parseOrderTab, tabCount } from '@/utils/orders'
import OrderDetailView from '@/views/account/OrderDetailView.vue'
import OrdersView from '@/views/account/OrdersView.vue'
import MerchantOrderDetailView from '@/views/merchant/OrderDetailView.vue'
import MerchantOrdersView from '@/views/merchant/OrdersView.vue'
import { json, mockFetch, problem } from './helpers'
import { mountView, mountWith, settle } from './mount'
import { order, orderSummary } from './shopping-fixtures'

vi.mock('@/utils/notify', () => ({
  confirmAction: vi.fn(async () => true),
  notifyError: vi.fn(),
  notifySuccess: vi.fn(),
}))

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const counts = { pending_payment: 1, paid: 2, shipped: 1, completed: 3 }

describe('order status helpers', () => {
  it('hide the delivered tab until an order is there', () => {
    expect(orderTabs(counts)).toEqual(['all', 'pending_payment', 'paid', 'shipped', 'completed', 'cancelled'])
    expect(orderTabs({ delivered: 1 })).toContain('delivered')
  })

  it('count every status under “all”', () => {
    expect(tabCount(counts, 'all')).toBe(7)
    expect(tabCount(counts, 'cancelled')).toBe(0)
  })

  it('read the tab from the URL, anything else meaning all', () => {
    expect(parseOrderTab('shipped')).toBe('shipped')
    expect(parseOrderTab('bogus')).toBe('all')
    expect(parseOrderTab(undefined)).toBe('all')
  })

  it('offer the buyer what the status allows', () => {
    expect(buyerActions('pending_payment')).toEqual({ pay: true, cancel: true, confirmReceipt: false })
    expect(buyerActions('paid')).toEqual({ pay: false, cancel: false, confirmReceipt: false })
    expect(buyerActions('shipped')).toEqual({ pay: false, cancel: false, confirmReceipt: true })
    expect(buyerActions('completed')).toEqual({ pay: false, cancel: false, confirmReceipt: false })
  })

  it('format the time left to pay', () => {
    expect(formatDuration(0)).toBe('00:00')
    expect(formatDuration(-5)).toBe('00:00')
    expect(formatDuration(29 * 60_000 + 59_500)).toBe('29:59')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
  })
})

describe('my orders', () => {
  function server() {
    return mockFetch((call) => {
      if (call.url === '/api/v1/orders/counts') return json(200, { counts })
      if (call.url.startsWith('/api/v1/orders?')) {
        const status = new URL(call.url, 'http://x').searchParams.get('status')
        const items = status === 'shipped' ? [orderSummary('o3', 'shipped')] : [orderSummary('o1', 'pending_payment'), orderSummary('o2', 'paid')]
        return json(200, { items, next_cursor: null })
      }
      if (call.url.endsWith('/confirm-receipt')) return json(200, { id: 'o3', status: 'completed' })
      return json(404, {})
    })
  }

  it('shows the status tabs with their counts and the orders of the tab in the URL', async () => {
    const calls = server()
    const { wrapper, router } = await mountView(OrdersView, '/account/orders')

    expect(wrapper.get('[data-testid="order-tab-all"]').attributes('data-count')).toBe('7')
    expect(wrapper.get('[data-testid="order-tab-paid"]').text()).toContain('2')
    expect(wrapper.find('[data-testid="order-tab-delivered"]').exists()).toBe(false)
    const cards = wrapper.findAll('[data-testid="order-card"]')
    expect(cards.map((c) => c.attributes('data-status'))).toEqual(['pending_payment', 'paid'])
    expect(cards[0]!.find('[data-testid="pay-order"]').exists()).toBe(true)
    expect(cards[0]!.find('[data-testid="cancel-order"]').exists()).toBe(true)
    expect(cards[1]!.find('[data-testid="cancel-order"]').exists()).toBe(false)

    await wrapper.get('[data-testid="order-tab-shipped"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.query.status).toBe('shipped')
    expect(calls.at(-1)?.url).toBe('/api/v1/orders?status=shipped&limit=20')
    expect(wrapper.get('[data-testid="order-tab-shipped"]').attributes('aria-selected')).toBe('true')
    expect(wrapper.findAll('[data-testid="order-card"]').map((c) => c.attributes('data-order-id'))).toEqual(['o3'])
  })

  it('confirms receipt and reloads the list and the counts', async () => {
    const calls = server()
    const { wrapper } = await mountView(OrdersView, '/account/orders?status=shipped')
    await wrapper.get('[data-testid="confirm-receipt"]').trigger('click')
    await settle()
    const urls = calls.map((c) => `${c.method} ${c.url}`)
    expect(urls).toContain('POST /api/v1/orders/o3/confirm-receipt')
    expect(urls.filter((u) => u === 'GET /api/v1/orders/counts')).toHaveLength(2)
  })
})

describe('order detail', () => {
  it('shows the address, the shipment and the timeline, newest first', async () => {
    mockFetch(() =>
      json(
        200,
        order('o1', 'shipped', {
          carrier_code: 'SF',
          carrier_name: '顺丰速运',
          tracking_no: 'SF1234567890',
          shipped_at: '2025-11-26T02:00:00Z',
          timeline: [
            { at: '2025-11-25T09:30:00Z', from_status: null, to_status: 'pending_payment', actor: 'buyer', reason: '' },
            { at: '2025-11-25T09:31:00Z', from_status: 'pending_payment', to_status: 'paid', actor: 'payment', reason: '' },
            { at: '2025-11-26T02:00:00Z', from_status: 'paid', to_status: 'shipped', actor: 'merchant', reason: '' },
          ],
        }),
      ),
    )
    const { wrapper } = await mountWith(OrderDetailView, { orderId: 'o1' }, '/account/orders/o1')

    expect(wrapper.get('[data-testid="order-address"]').text()).toContain('浙江省 杭州市 西湖区 文三路 1 号')
    expect(wrapper.get('[data-testid="order-carrier"]').text()).toBe('顺丰速运')
    expect(wrapper.get('[data-testid="order-tracking"]').text()).toBe('SF1234567890')
    const entries = wrapper.findAll('[data-testid="order-timeline"] [data-testid="timeline-entry"]')
    expect(entries.map((e) => e.attributes('data-to-status'))).toEqual(['shipped', 'paid', 'pending_payment'])
    expect(entries[0]!.text()).toContain('商家已发货')
    expect(wrapper.find('[data-testid="confirm-receipt"]').exists()).toBe(true)
  })

  it('says when the order does not exist', async () => {
    mockFetch(() => problem(404, 'not_found', '不存在'))
    const { wrapper } = await mountWith(OrderDetailView, { orderId: 'zz' }, '/account/orders/zz')
    expect(wrapper.text()).toContain('订单不存在')
  })
})

describe('merchant orders', () => {
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

  it('ships a paid order with a carrier and a tracking number', async () => {
    const calls = mockFetch((call) => {
      if (call.url === '/api/v1/shops/s1/orders/counts') return json(200, { counts: { paid: 1 } })
      if (call.url.startsWith('/api/v1/shops/s1/orders?')) return json(200, { items: [orderSummary('o1', 'paid')], next_cursor: null })
      if (call.url === '/api/v1/carriers') return json(200, [{ code: 'SF', name: '顺丰速运', name_en: 'SF Express' }])
      if (call.url.endsWith('/ship')) return json(200, { id: 'o1', status: 'shipped' })
      return json(404, {})
    })
    const { wrapper } = await mountWith(MerchantOrdersView, {}, '/merchant/orders?status=paid', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })

    await wrapper.get('[data-testid="ship-order"]').trigger('click')
    await settle()
    const tracking = document.querySelector<HTMLInputElement>('input[data-testid="ship-tracking"]')!
    tracking.value = 'bad no!'
    tracking.dispatchEvent(new Event('input'))
    ;(document.querySelector('[data-testid="ship-submit"]') as HTMLButtonElement).click()
    await settle()
    expect(calls.some((c) => c.url.endsWith('/ship'))).toBe(false)
    expect(document.body.textContent).toContain('运单号为 4–40 位字母、数字或短横线')

    ;(document.querySelector('[data-testid="ship-carrier-option"]') as HTMLElement).click()
    tracking.value = 'SF1234567890'
    tracking.dispatchEvent(new Event('input'))
    ;(document.querySelector('[data-testid="ship-submit"]') as HTMLButtonElement).click()
    await settle()
    const ship = calls.find((c) => c.url.endsWith('/ship'))
    expect(ship?.url).toBe('/api/v1/shops/s1/orders/o1/ship')
    expect(ship?.body).toEqual({ carrier_code: 'SF', tracking_no: 'SF1234567890' })
  })

  it('marks a shipped order delivered from its detail page', async () => {
    let status = 'shipped'
    const calls = mockFetch((call) => {
      if (call.url === '/api/v1/shops/s1/orders/o1') return json(200, order('o1', status as 'shipped'))
      if (call.url.endsWith('/mark-delivered')) {
        status = 'delivered'
        return json(200, { id: 'o1', status })
      }
      return json(404, {})
    })
    const { wrapper } = await mountWith(MerchantOrderDetailView, { orderId: 'o1' }, '/merchant/orders/o1', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })
    expect(wrapper.find('[data-testid="ship-order"]').exists()).toBe(false)
    await wrapper.get('[data-testid="mark-delivered"]').trigger('click')
    await settle()
    expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/shops/s1/orders/o1/mark-delivered')).toBe(true)
    expect(wrapper.find('[data-testid="mark-delivered"]').exists()).toBe(false)
  })

  async function detailOf(shopOrder: ShopOrder, extra: (call: { url: string; method: string }) => Response | null = () => null) {
    const calls = mockFetch((call) => {
      if (call.url === '/api/v1/shops/s1/orders/o1') return json(200, shopOrder)
      return extra(call) ?? json(404, {})
    })
    const { wrapper } = await mountWith(MerchantOrderDetailView, { orderId: 'o1' }, '/merchant/orders/o1', () => {
      const merchant = useMerchantStore()
      merchant.shops = [shop]
      merchant.loaded = true
    })
    return { calls, wrapper }
  }

  it('shows the masked contact the shop is given, and none before payment or once cancelled', async () => {
    const region = { province: '浙江省', city: '杭州市', district: '西湖区' }
    const toShip = await detailOf(order('o1', 'paid', { address: { recipient: '王小明', phone: '138****8000', ...region, detail: '文三路 1 号' } }))
    expect(toShip.wrapper.get('[data-testid="order-address-phone"]').text()).toBe('138****8000')
    expect(toShip.wrapper.get('[data-testid="order-address-where"]').text()).toContain('文三路 1 号')
    expect(toShip.wrapper.find('[data-testid="order-address-hidden"]').exists()).toBe(false)

    const shipped = await detailOf({ ...order('o1', 'shipped'), address: { recipient: '王**', phone: '138****8000', ...region, detail: null } })
    expect(shipped.wrapper.get('[data-testid="order-address-recipient"]').text()).toBe('王**')
    expect(shipped.wrapper.get('[data-testid="order-address-where"]').text()).toBe('浙江省 杭州市 西湖区')
    expect(shipped.wrapper.get('[data-testid="order-address-hidden"]').text()).toContain('详细地址不再显示')
    expect(shipped.wrapper.text()).not.toContain('null')

    const unpaid = await detailOf({ ...order('o1', 'pending_payment'), address: null })
    expect(unpaid.wrapper.get('[data-testid="order-address-none"]').text()).toContain('付款后')
    expect(unpaid.wrapper.find('[data-testid="contact-buyer"]').exists()).toBe(false)
    const cancelled = await detailOf({ ...order('o1', 'cancelled'), address: null })
    expect(cancelled.wrapper.get('[data-testid="order-address-none"]').text()).toContain('已取消')
    expect(cancelled.wrapper.find('[data-testid="contact-buyer"]').exists()).toBe(false)
  })

  it('contacts the buyer through a virtual number', async () => {
    const shopOrder = { ...order('o1', 'shipped'), address: { recipient: '王**', phone: '138****8000', province: '浙江省', city: '杭州市', district: '西湖区', detail: null } }
    const { calls, wrapper } = await detailOf(shopOrder, (call) =>
      call.method === 'POST' && call.url === '/api/v1/shops/s1/orders/o1/contact'
        ? json(200, { order_id: 'o1', virtual_number: '17000001234', expires_at: '2025-11-28T09:30:00Z' })
        : null,
    )
    await wrapper.get('[data-testid="contact-buyer"]').trigger('click')
    await settle()
    expect(calls.filter((c) => c.url.endsWith('/contact'))).toHaveLength(1)
    expect(wrapper.get('[data-testid="virtual-number"]').text()).toBe('17000001234')
    expect(wrapper.get('[data-testid="virtual-number"]').attributes('href')).toBe('tel:17000001234')
    expect(wrapper.get('[data-testid="virtual-number-until"]').text()).toContain('2025')
    expect(wrapper.text()).not.toContain('13800138000')
  })
})
