import { api, data } from './http'
import type { CancelInput, CheckoutInput, OrderStatus, ShipInput } from './types'

const order = (orderId: string) => ({ path: { order_id: orderId } })
const shop = (shopId: string) => ({ path: { shop_id: shopId } })
const shopOrder = (shopId: string, orderId: string) => ({ path: { shop_id: shopId, order_id: orderId } })

export interface OrderQuery {
  status?: OrderStatus
  cursor?: string | null
  limit?: number
}

function listQuery(query: OrderQuery) {
  return { status: query.status, cursor: query.cursor, limit: query.limit ?? 20 }
}

/** Checkout (结算) and the buyer's own orders. */
export const ordersApi = {
  /** Price what would be ordered; nothing is reserved. */
  preview: (body: CheckoutInput) => data(api.POST('/checkout/preview', { body })),
  /** Place the orders (one per shop, one payment); the same key replays the first answer. */
  submit: (body: CheckoutInput, idempotencyKey: string) =>
    data(api.POST('/orders', { params: { header: { 'Idempotency-Key': idempotencyKey } }, body })),
  list: (query: OrderQuery = {}) => data(api.GET('/orders', { params: { query: listQuery(query) } })),
  counts: () => data(api.GET('/orders/counts')),
  get: (orderId: string) => data(api.GET('/orders/{order_id}', { params: order(orderId) })),
  cancel: (orderId: string, body: CancelInput = {}) =>
    data(api.POST('/orders/{order_id}/cancel', { params: order(orderId), body })),
  confirmReceipt: (orderId: string) => data(api.POST('/orders/{order_id}/confirm-receipt', { params: order(orderId) })),
}

/** A shop's orders (订单管理), for its members. */
export const shopOrdersApi = {
  list: (shopId: string, query: OrderQuery = {}) =>
    data(api.GET('/shops/{shop_id}/orders', { params: { ...shop(shopId), query: listQuery(query) } })),
  counts: (shopId: string) => data(api.GET('/shops/{shop_id}/orders/counts', { params: shop(shopId) })),
  get: (shopId: string, orderId: string) =>
    data(api.GET('/shops/{shop_id}/orders/{order_id}', { params: shopOrder(shopId, orderId) })),
  ship: (shopId: string, orderId: string, body: ShipInput) =>
    data(api.POST('/shops/{shop_id}/orders/{order_id}/ship', { params: shopOrder(shopId, orderId), body })),
  markDelivered: (shopId: string, orderId: string) =>
    data(api.POST('/shops/{shop_id}/orders/{order_id}/mark-delivered', { params: shopOrder(shopId, orderId) })),
  /** A virtual number that rings the buyer (联系买家); the real one is never shown to the shop. */
  contactBuyer: (shopId: string, orderId: string) =>
    data(api.POST('/shops/{shop_id}/orders/{order_id}/contact', { params: shopOrder(shopId, orderId) })),
  carriers: () => data(api.GET('/carriers')),
  lowStock: (shopId: string, threshold: number, cursor?: string | null) =>
    data(
      api.GET('/shops/{shop_id}/inventory/low-stock', {
        params: { ...shop(shopId), query: { threshold, cursor, limit: 50 } },
      }),
    ),
}
