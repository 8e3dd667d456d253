import { http } from './http'
import type {
  CancelInput,
  Carrier,
  CheckoutInput,
  CheckoutPreview,
  CheckoutResult,
  LowStockPage,
  Order,
  OrderStatus,
  OrderStatusResult,
  OrderSummaryPage,
  ShipInput,
  StatusCounts,
} from './types'

const enc = encodeURIComponent
const orderPath = (orderId: string) => `/orders/${enc(orderId)}`
const shopOrdersPath = (shopId: string) => `/shops/${enc(shopId)}/orders`

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
  preview: (body: CheckoutInput) => http.post<CheckoutPreview>('/checkout/preview', body),
  /** Place the orders (one per shop, one payment); the same key replays the first answer. */
  submit: (body: CheckoutInput, idempotencyKey: string) =>
    http.post<CheckoutResult>('/orders', body, { 'Idempotency-Key': idempotencyKey }),
  list: (query: OrderQuery = {}) => http.get<OrderSummaryPage>('/orders', listQuery(query)),
  counts: () => http.get<StatusCounts>('/orders/counts'),
  get: (orderId: string) => http.get<Order>(orderPath(orderId)),
  cancel: (orderId: string, body: CancelInput = {}) =>
    http.post<OrderStatusResult>(`${orderPath(orderId)}/cancel`, body),
  confirmReceipt: (orderId: string) => http.post<OrderStatusResult>(`${orderPath(orderId)}/confirm-receipt`),
}

/** A shop's orders (订单管理), for its members. */
export const shopOrdersApi = {
  list: (shopId: string, query: OrderQuery = {}) =>
    http.get<OrderSummaryPage>(shopOrdersPath(shopId), listQuery(query)),
  counts: (shopId: string) => http.get<StatusCounts>(`${shopOrdersPath(shopId)}/counts`),
  get: (shopId: string, orderId: string) => http.get<Order>(`${shopOrdersPath(shopId)}/${enc(orderId)}`),
  ship: (shopId: string, orderId: string, body: ShipInput) =>
    http.post<OrderStatusResult>(`${shopOrdersPath(shopId)}/${enc(orderId)}/ship`, body),
  markDelivered: (shopId: string, orderId: string) =>
    http.post<OrderStatusResult>(`${shopOrdersPath(shopId)}/${enc(orderId)}/mark-delivered`),
  carriers: () => http.get<Carrier[]>('/carriers'),
  lowStock: (shopId: string, threshold: number, cursor?: string | null) =>
    http.get<LowStockPage>(`/shops/${enc(shopId)}/inventory/low-stock`, { threshold, cursor, limit: 50 }),
}
