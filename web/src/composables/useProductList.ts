import { computed, watch } from 'vue'

import type { ProductSearchParams } from '@/api/search'
import { searchApi } from '@/api/search'
import { usePagedList } from '@/composables/usePagedList'

/**
 * One product list from `GET /products`: the first page (with facets) whenever the parameters
 * change, then "load more" by cursor. A newer request cancels an older one.
 */
export function useProductList(params: () => ProductSearchParams | null, pageSize = 20) {
  const list = usePagedList(
    (cursor, current: ProductSearchParams, signal) =>
      searchApi.products({ ...current, facets: cursor === null && current.facets, limit: pageSize, cursor }, signal),
    { query: params, clearOnLoad: true, key: (p) => p.id },
  )
  const facets = computed(() => list.firstPage.value?.facets ?? null)
  /** Matching products, counted by the API up to a cap; `totalIsExact` is false beyond it. */
  const total = computed(() => (list.loading.value ? null : (list.firstPage.value?.total ?? null)))
  const totalIsExact = computed(() => list.firstPage.value?.total_is_exact ?? true)

  watch(() => JSON.stringify(params()), list.load, { immediate: true })

  return { ...list, facets, total, totalIsExact }
}
