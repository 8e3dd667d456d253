import { onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import { useI18n } from 'vue-i18n'

import type { ProductSearchParams } from '@/api/search'
import { searchApi } from '@/api/search'
import type { ProductHit, SearchFacets } from '@/api/types'
import { errorMessage } from '@/utils/errors'
import { notifyError } from '@/utils/notify'

/**
 * One product list from `GET /products`: the first page (with facets) whenever the
 * parameters change, then "load more" by cursor. A newer request cancels an older one.
 */
export function useProductList(params: () => ProductSearchParams | null, pageSize = 20) {
  const { t } = useI18n()
  const items = ref<ProductHit[]>([])
  const facets = shallowRef<SearchFacets | null>(null)
  const nextCursor = ref<string | null>(null)
  /** Matching products, counted by the API up to a cap; `totalIsExact` is false beyond it. */
  const total = ref<number | null>(null)
  const totalIsExact = ref(true)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref('')
  let controller: AbortController | null = null

  async function load(): Promise<void> {
    const current = params()
    controller?.abort()
    if (!current) return
    const mine = new AbortController()
    controller = mine
    loading.value = true
    error.value = ''
    items.value = []
    total.value = null
    try {
      const page = await searchApi.products({ ...current, limit: pageSize, cursor: null }, mine.signal)
      if (mine.signal.aborted) return
      items.value = page.items
      facets.value = page.facets ?? null
      nextCursor.value = page.next_cursor ?? null
      total.value = page.total
      totalIsExact.value = page.total_is_exact
    } catch (e) {
      if (mine.signal.aborted) return
      facets.value = null
      nextCursor.value = null
      error.value = errorMessage(e, t)
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  async function loadMore(): Promise<void> {
    const current = params()
    if (!current || !nextCursor.value || loadingMore.value) return
    const mine = controller
    loadingMore.value = true
    try {
      const page = await searchApi.products({ ...current, facets: false, limit: pageSize, cursor: nextCursor.value })
      if (controller !== mine) return
      const seen = new Set(items.value.map((p) => p.id))
      items.value.push(...page.items.filter((p) => !seen.has(p.id)))
      nextCursor.value = page.next_cursor ?? null
    } catch (e) {
      notifyError(errorMessage(e, t))
    } finally {
      loadingMore.value = false
    }
  }

  watch(() => JSON.stringify(params()), load, { immediate: true })
  onBeforeUnmount(() => controller?.abort())

  return { items, facets, nextCursor, total, totalIsExact, loading, loadingMore, error, load, loadMore }
}
