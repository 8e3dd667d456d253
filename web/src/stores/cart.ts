import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { cartApi } from '@/api/cart'
import type { Cart, CartItem } from '@/api/types'

/** Lines that belong to no shop any more (the product is gone): shown apart, only removable. */
export function orphanItems(cart: Cart): CartItem[] {
  return cart.items.filter((item) => !item.shop_id || !cart.shops.some((s) => s.shop_id === item.shop_id))
}

/** The lines a checkout from the cart orders: selected and purchasable. */
export function checkoutItemIds(cart: Cart | null): string[] {
  return (cart?.items ?? []).filter((item) => item.selected && item.purchasable).map((item) => item.id)
}

/** Whether every purchasable line of `items` is selected (false when none is purchasable). */
export function allSelected(items: readonly CartItem[]): boolean {
  const purchasable = items.filter((item) => item.purchasable)
  return purchasable.length > 0 && purchasable.every((item) => item.selected)
}

/**
 * The cart, shared by the header badge, the product page and the cart page. The server prices
 * it, so after changes the cart is fetched again; changes run one after another so a quick
 * series of clicks reaches the server in order, and an older answer never overwrites a newer one.
 */
export const useCartStore = defineStore('cart', () => {
  const cart = ref<Cart | null>(null)
  let queue: Promise<unknown> = Promise.resolve()
  let version = 0
  let pending = 0

  const count = computed(() => cart.value?.item_count ?? 0)

  function enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work)
    queue = run.catch(() => undefined)
    return run
  }

  /** Fetch the cart; only the newest answer is kept. */
  async function load(): Promise<Cart> {
    const mine = ++version
    const fresh = await cartApi.get()
    if (mine === version) cart.value = fresh
    return fresh
  }

  function localItem(itemId: string): CartItem | undefined {
    return cart.value?.items.find((item) => item.id === itemId)
  }

  /**
   * Run a change, then fetch the priced cart once the last queued change is done (or at once
   * when this one failed, to undo its local edit).
   */
  function change<T>(work: () => Promise<T>): Promise<T> {
    pending += 1
    return enqueue(async () => {
      let failed = false
      try {
        return await work()
      } catch (error) {
        failed = true
        throw error
      } finally {
        pending -= 1
        if (failed || pending === 0) await load().catch(() => undefined)
      }
    })
  }

  function add(skuId: string, quantity: number): Promise<CartItem> {
    return change(() => cartApi.add({ sku_id: skuId, quantity }))
  }

  function setQuantity(itemId: string, quantity: number): Promise<CartItem> {
    const item = localItem(itemId)
    if (item) item.quantity = quantity
    return change(() => cartApi.update(itemId, { quantity }))
  }

  function setSelected(itemId: string, selected: boolean): Promise<CartItem> {
    const item = localItem(itemId)
    if (item) item.selected = selected
    return change(() => cartApi.update(itemId, { selected }))
  }

  /** Select or deselect `itemIds`, or every line when none are given. */
  function select(selected: boolean, itemIds?: string[]): Promise<Cart> {
    for (const item of cart.value?.items ?? []) {
      if (!itemIds || itemIds.includes(item.id)) item.selected = selected
    }
    return enqueue(async () => {
      const mine = ++version
      try {
        const fresh = await cartApi.select({ selected, item_ids: itemIds ?? null })
        if (mine === version) cart.value = fresh
        return fresh
      } catch (error) {
        await load().catch(() => undefined)
        throw error
      }
    })
  }

  function remove(itemId: string): Promise<void> {
    if (cart.value) {
      cart.value.items = cart.value.items.filter((item) => item.id !== itemId)
      for (const shop of cart.value.shops) shop.items = shop.items.filter((item) => item.id !== itemId)
    }
    return change(() => cartApi.remove(itemId))
  }

  return { cart, count, load, add, setQuantity, setSelected, select, remove }
})
