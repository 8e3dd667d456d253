import { computed, ref, watch, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useRoute, useRouter } from 'vue-router'

import type { OrderQuery } from '@/api/orders'
import type { OrderSummary, OrderSummaryPage, StatusCounts } from '@/api/types'
import { errorMessage } from '@/utils/errors'
import { notifyError } from '@/utils/notify'
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
  const { t } = useI18n()
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
  const orders = ref<OrderSummary[]>([])
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref('')
  let generation = 0

  const status = () => (tab.value === 'all' ? undefined : tab.value)

  async function loadCounts(from: OrderSource): Promise<void> {
    try {
      counts.value = (await from.counts()).counts
    } catch {
      // The tabs still work without their numbers.
    }
  }

  /** The first page of the tab, and the counts again (an action may have moved orders). */
  async function load(): Promise<void> {
    const from = source.value
    if (!from) return
    const mine = ++generation
    loading.value = true
    error.value = ''
    void loadCounts(from)
    try {
      const page = await from.list({ status: status() })
      if (mine !== generation) return
      orders.value = page.items
      nextCursor.value = page.next_cursor ?? null
    } catch (e) {
      if (mine === generation) error.value = errorMessage(e, t)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  async function loadMore(): Promise<void> {
    const from = source.value
    if (!from || !nextCursor.value) return
    const mine = generation
    loadingMore.value = true
    try {
      const page = await from.list({ status: status(), cursor: nextCursor.value })
      if (mine !== generation) return
      orders.value.push(...page.items)
      nextCursor.value = page.next_cursor ?? null
    } catch (e) {
      notifyError(errorMessage(e, t))
    } finally {
      loadingMore.value = false
    }
  }

  watch(() => [source.value?.id, tab.value], load, { immediate: true })

  return { tab, tabs, counts, orders, nextCursor, loading, loadingMore, error, load, loadMore }
}
