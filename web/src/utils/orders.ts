/** What an order's status means to the buyer and the merchant: tabs, counts and actions. */
import type { OrderStatus } from '@/api/types'

/** Every status, in the order an order goes through them (cancelled last). */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'pending_payment',
  'paid',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
]

export type OrderTab = 'all' | OrderStatus

/** `delivered` is a short step between shipped and completed: its tab only shows when it has orders. */
export function orderTabs(counts: Readonly<Record<string, number>>): OrderTab[] {
  return ['all', ...ORDER_STATUSES.filter((s) => s !== 'delivered' || (counts[s] ?? 0) > 0)]
}

export function parseOrderTab(value: unknown): OrderTab {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value)
    ? (value as OrderStatus)
    : 'all'
}

export function tabCount(counts: Readonly<Record<string, number>>, tab: OrderTab): number {
  if (tab !== 'all') return counts[tab] ?? 0
  return ORDER_STATUSES.reduce((sum, s) => sum + (counts[s] ?? 0), 0)
}

/** The buyer pays or cancels before payment, and confirms receipt once it is on its way. */
export const buyerActions = (status: OrderStatus) => ({
  pay: status === 'pending_payment',
  cancel: status === 'pending_payment',
  confirmReceipt: status === 'shipped' || status === 'delivered',
})

export const canShip = (status: OrderStatus) => status === 'paid'

/** A shop may ring its buyer, through a virtual number, while the order is to be shipped or on its way. */
export const canContactBuyer = (status: OrderStatus) => status === 'paid' || status === 'shipped'

/** The merchant records proof of delivery (签收) for a shipped order. */
export const canMarkDelivered = (status: OrderStatus) => status === 'shipped'

/** Whether an order is still on the move (its tracking number is worth showing). */
export const hasShipment = (status: OrderStatus) =>
  status === 'shipped' || status === 'delivered' || status === 'completed'
