import { computed, ref, watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'

import type { OrderQuery } from '@/api/orders'
import type { OrderStatus, OrderSummaryPage, StatusCounts } from '@/api/types'
import { usePagedList } from '@/composables/usePagedList'
import { type OrderTab, orderTabs, parseOrderTab } from '@/utils/orders'

/** Whose orders a list shows: the buyer's own, or one shop's (`id` changes with the shop). */
export interface OrderSource {
  id: string
  list: (query: OrderQuery) => Promise<OrderSummaryPage>
  counts: () => Promise<StatusCounts>
}

/**
 * An order list with status tabs and their counts. The tab lives in the URL (`?status=`), so
 * a reload or a shared link shows the same tab; more orders load by cursor.
 */
export function useOrderList(source: Ref<OrderSource | null>) {
  const route = useRoute()
  const router = useRouter()

  const tab = computed<OrderTab>({
    get: () => parseOrderTab(route.query.status),
    set: (value) => {
      void router.replace({ query: { ...route.query, status: value === 'all' ? undefined : value } })
    },
  })
  const counts = ref<Record<string, number>>({})
  const tabs = computed(() => orderTabs(counts.value))
  const list = usePagedList(
    (cursor, query: { from: OrderSource; status: OrderStatus | undefined }) =>
      query.from.list({ status: query.status, cursor }),
    { query: () => (source.value ? { from: source.value, status: tab.value === 'all' ? undefined : tab.value } : null) },
  )
  let countsAsked = 0

  async function loadCounts(from: OrderSource): Promise<void> {
    const mine = ++countsAsked
    try {
      const answer = await from.counts()
      if (mine === countsAsked) counts.value = answer.counts
    } catch {
      // The tabs still work without their numbers.
    }
  }

  /** The first page of the tab, and the counts again (an action may have moved orders). */
  async function load(): Promise<void> {
    if (source.value) void loadCounts(source.value)
    await list.load()
  }

  watch(() => [source.value?.id, tab.value], load, { immediate: true })

  const { items: orders, nextCursor, loading, loadingMore, error, loadMore } = list
  return { tab, tabs, counts, orders, nextCursor, loading, loadingMore, error, load, loadMore }
}
