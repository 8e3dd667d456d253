import { computed, reactive, ref, type Ref } from 'vue'
import type { LocationQuery } from 'vue-router'

import { ordersApi } from '@/api/orders'
import type { CheckoutInput, CheckoutItem, CheckoutPreview, CheckoutResult } from '@/api/types'
import { newRequestKey } from '@/utils/ids'

/** What is being ordered: one SKU bought now, or lines of the cart. */
export type CheckoutSource = { kind: 'buy-now'; items: CheckoutItem[] } | { kind: 'cart'; cartItemIds: string[] }

const MAX_QUANTITY = 999

/**
 * The checkout page's query: `?sku=…&qty=2` (立即购买) or `?from=cart` (the cart's selected lines,
 * known once the cart is loaded). Null when the query names neither.
 */
export function parseCheckoutQuery(query: LocationQuery): 'cart' | CheckoutItem | null {
  if (query.from === 'cart') return 'cart'
  const sku = typeof query.sku === 'string' ? query.sku.trim() : ''
  if (!sku) return null
  const qty = Number(typeof query.qty === 'string' ? query.qty : '1')
  const quantity = Number.isInteger(qty) ? Math.min(MAX_QUANTITY, Math.max(1, qty)) : 1
  return { sku_id: sku, quantity }
}

/**
 * The checkout's state: the address, per-shop notes, the server's priced preview, and the
 * submit. One `Idempotency-Key` is made per checkout (per page visit) and sent with every
 * attempt, so a double click or a retry after a lost answer never places the orders twice;
 * the server only keeps a key once an attempt succeeded.
 */
export function useCheckout(source: Ref<CheckoutSource | null>) {
  const addressId = ref<string | null>(null)
  const notes = reactive<Record<string, string>>({})
  const preview = ref<CheckoutPreview | null>(null)
  const previewing = ref(false)
  const previewError = ref<unknown>(null)
  const submitting = ref(false)
  const idempotencyKey = newRequestKey()
  let generation = 0
  let inFlight: Promise<CheckoutResult> | null = null

  function body(): CheckoutInput | null {
    const what = source.value
    if (!what || !addressId.value) return null
    const shops = (preview.value?.shops ?? []).map((shop) => ({
      shop_id: shop.shop_id,
      delivery_method: 'express' as const,
      note: (notes[shop.shop_id] ?? '').trim(),
    }))
    const base = { address_id: addressId.value, shops }
    return what.kind === 'buy-now' ? { ...base, items: what.items } : { ...base, cart_item_ids: what.cartItemIds }
  }

  /** Price the order for the chosen address (again after a refusal, to show what changed). */
  async function refresh(): Promise<void> {
    const request = body()
    if (!request) return
    const mine = ++generation
    previewing.value = true
    previewError.value = null
    try {
      const priced = await ordersApi.preview(request)
      if (mine === generation) preview.value = priced
    } catch (e) {
      if (mine === generation) previewError.value = e
    } finally {
      if (mine === generation) previewing.value = false
    }
  }

  const canSubmit = computed(
    () => !!preview.value?.can_submit && !!addressId.value && !previewing.value && !submitting.value,
  )

  /** Place the orders; a second call while one is on its way shares it. */
  function submit(): Promise<CheckoutResult> {
    if (inFlight) return inFlight
    const request = body()
    if (!request) return Promise.reject(new Error('checkout is not ready'))
    submitting.value = true
    inFlight = ordersApi.submit(request, idempotencyKey).finally(() => {
      inFlight = null
      submitting.value = false
    })
    return inFlight
  }

  return { addressId, notes, preview, previewing, previewError, submitting, canSubmit, refresh, submit }
}
