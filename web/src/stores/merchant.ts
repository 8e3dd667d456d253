import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { meApi } from '@/api/me'
import type { MyShop, Shop, ShopStatus } from '@/api/types'

export const CURRENT_SHOP_KEY = 'jishi.merchant.shop'

/** Which shop to open when none was chosen: the one most worth working on. */
const STATUS_PRIORITY: Record<ShopStatus, number> = { active: 0, pending: 1, suspended: 2, rejected: 3 }

export function pickShop(shops: readonly MyShop[], preferredId: string | null): MyShop | null {
  const preferred = shops.find((s) => s.id === preferredId)
  if (preferred) return preferred
  const sorted = [...shops].sort(
    (a, b) =>
      STATUS_PRIORITY[a.status] - STATUS_PRIORITY[b.status] ||
      b.created_at.localeCompare(a.created_at),
  )
  return sorted[0] ?? null
}

function readStoredId(): string | null {
  try {
    return globalThis.localStorage?.getItem(CURRENT_SHOP_KEY) ?? null
  } catch {
    return null
  }
}

function storeId(id: string | null): void {
  try {
    if (id) globalThis.localStorage?.setItem(CURRENT_SHOP_KEY, id)
    else globalThis.localStorage?.removeItem(CURRENT_SHOP_KEY)
  } catch {
    // Not persisted; the choice still holds for this visit.
  }
}

/** The shops the user belongs to, and the one the merchant console is showing. */
export const useMerchantStore = defineStore('merchant', () => {
  const shops = ref<MyShop[]>([])
  const loaded = ref(false)
  const currentId = ref<string | null>(readStoredId())

  const current = computed(() => pickShop(shops.value, currentId.value))
  const isOwner = computed(() => current.value?.role === 'owner')

  async function load(): Promise<void> {
    shops.value = (await meApi.shops()).items
    loaded.value = true
  }

  function select(id: string): void {
    currentId.value = id
    storeId(id)
  }

  /** Merge a shop the server just returned (after apply, edit or accepting an invitation). */
  function upsert(shop: Shop, role?: MyShop['role']): void {
    const index = shops.value.findIndex((s) => s.id === shop.id)
    const existing = index >= 0 ? shops.value[index] : undefined
    const merged: MyShop = { ...shop, role: role ?? existing?.role ?? 'owner' }
    if (existing) shops.value.splice(index, 1, merged)
    else shops.value.unshift(merged)
  }

  function reset(): void {
    shops.value = []
    loaded.value = false
    currentId.value = null
    storeId(null)
  }

  return { shops, loaded, currentId, current, isOwner, load, select, upsert, reset }
})
