import type { Cart, CartItem, CartShop, Order, OrderSummary, Payment } from '@/api/types'

export function cartItem(id: string, extra: Partial<CartItem> = {}): CartItem {
  return {
    id,
    sku_id: `sku-${id}`,
    product_id: `p-${id}`,
    shop_id: 's1',
    title: `商品 ${id}`,
    specs: { 颜色: '黑色' },
    image_url: null,
    quantity: 1,
    selected: true,
    unit_price_fen: 1990,
    price_when_added_fen: 1990,
    subtotal_fen: 1990,
    available: 10,
    purchasable: true,
    warnings: [],
    ...extra,
  }
}

export function cartShop(shopId: string, items: CartItem[], extra: Partial<CartShop> = {}): CartShop {
  const subtotal = items.filter((i) => i.selected && i.purchasable).reduce((n, i) => n + i.subtotal_fen, 0)
  return {
    shop_id: shopId,
    shop_name: `店铺 ${shopId}`,
    items,
    item_subtotal_fen: subtotal,
    shipping_fen: 0,
    discount_fen: 0,
    payable_fen: subtotal,
    ...extra,
  }
}

/** A cart whose totals follow its lines (selected purchasable lines count). */
export function cartOf(items: CartItem[]): Cart {
  const shopIds = [...new Set(items.map((i) => i.shop_id).filter((s): s is string => !!s))]
  const shops = shopIds.map((s) => cartShop(s, items.filter((i) => i.shop_id === s)))
  const priced = items.filter((i) => i.selected && i.purchasable)
  const total = priced.reduce((n, i) => n + i.subtotal_fen, 0)
  return {
    items,
    shops,
    item_count: items.length,
    selected_count: priced.length,
    item_subtotal_fen: total,
    discount_fen: 0,
    shipping_fen: 0,
    total_fen: total,
  }
}

export function orderSummary(id: string, status: OrderSummary['status'], extra: Partial<OrderSummary> = {}): OrderSummary {
  return {
    id,
    order_no: `2511250930${id}`,
    shop_id: 's1',
    shop_name: '武夷山岩茶坊',
    status,
    total_fen: 12800,
    item_count: 1,
    payment_id: 'pay1',
    created_at: '2025-11-25T09:30:00Z',
    pay_deadline_at: status === 'pending_payment' ? new Date(Date.now() + 15 * 60_000).toISOString() : null,
    lines: [
      {
        id: `l-${id}`,
        sku_id: 'k1',
        product_id: 'p1',
        title: '大红袍 250g',
        specs: { 规格: '250g' },
        image_url: null,
        unit_price_fen: 12800,
        quantity: 1,
        subtotal_fen: 12800,
        discount_fen: 0,
        shipping_fen: 0,
        payable_fen: 12800,
      },
    ],
    ...extra,
  }
}

export function order(id: string, status: Order['status'], extra: Partial<Order> = {}): Order {
  const summary = orderSummary(id, status)
  return {
    ...summary,
    buyer_id: 'u1',
    item_subtotal_fen: 12000,
    discount_fen: 0,
    shipping_fen: 800,
    discounts: [],
    delivery_method: 'express',
    buyer_note: '请用顺丰',
    address: { recipient: '王小明', phone: '13800138000', province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 1 号' },
    carrier_code: null,
    carrier_name: null,
    tracking_no: null,
    cancel_reason: null,
    auto_complete_at: null,
    paid_at: null,
    shipped_at: null,
    delivered_at: null,
    completed_at: null,
    cancelled_at: null,
    timeline: [{ at: '2025-11-25T09:30:00Z', from_status: null, to_status: 'pending_payment', actor: 'buyer', reason: '' }],
    items: summary.lines,
    ...extra,
  }
}

export function payment(status: Payment['status'], extra: Partial<Payment> = {}): Payment {
  return {
    id: 'pay1',
    status,
    amount_fen: 25600,
    refunded_fen: 0,
    subject: '大红袍 250g 等 2 件商品',
    channel: null,
    paid_at: null,
    expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    closed_at: null,
    created_at: '2025-11-25T09:30:00Z',
    ...extra,
  }
}
