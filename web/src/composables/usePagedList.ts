import { computed, onScopeDispose, ref, shallowRef, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'

import { errorMessage } from '@/utils/errors'
import { notifyError } from '@/utils/notify'

/** One page of a list as the API answers it; `next_cursor` goes back as `cursor`. */
export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

type Item<P extends Page<unknown>> = P['items'][number]

/** Asks for the first page (`cursor` null) or the page after `cursor`, of the list `query` names. */
export type PageFetcher<P extends Page<unknown>, Q> = (cursor: string | null, query: Q, signal: AbortSignal) => Promise<P>

export interface PagedListOptions<P extends Page<unknown>, Q> {
  /**
   * Which list to show, read at each `load()`. "Load more" continues that list even when the
   * inputs changed since (words typed but not yet searched). `null`: nothing to show yet.
   */
  query?: () => Q | null
  /** Empty the list while a new first page is on its way (instead of keeping the old rows). */
  clearOnLoad?: boolean
  /** Leave out rows a later page repeats (a ranking may shift between pages). */
  key?: (item: Item<P>) => string
}

/**
 * A list read page by page: `load()` asks for the first page and starts over, `loadMore()` appends
 * the next. Every `load()` begins a new generation: answers that belong to an older one (a slow
 * first page, a slow "load more") are dropped and their requests aborted, so rows of a query the
 * user has left never land in the list they now see.
 */
export function usePagedList<P extends Page<unknown>, Q = undefined>(
  fetchPage: PageFetcher<P, Q>,
  options: PagedListOptions<P, Q> = {},
) {
  const { t } = useI18n()
  const items = ref([]) as Ref<Item<P>[]>
  const nextCursor = ref<string | null>(null)
  const hasMore = computed(() => nextCursor.value !== null)
  /** The whole first page, for what some lists answer beside the rows (facets, totals); null after a failure. */
  const firstPage = shallowRef<P | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref('')

  let generation = 0
  let current: { query: Q; controller: AbortController } | null = null

  /** Leave the current generation: its answers will be dropped. */
  function invalidate(): number {
    current?.controller.abort()
    current = null
    loadingMore.value = false
    return ++generation
  }

  async function load(): Promise<void> {
    const query = options.query ? options.query() : (undefined as Q)
    const mine = invalidate()
    if (query === null) {
      loading.value = false
      return
    }
    const controller = new AbortController()
    current = { query, controller }
    loading.value = true
    error.value = ''
    if (options.clearOnLoad) {
      items.value = []
      nextCursor.value = null
    }
    try {
      const page = await fetchPage(null, query, controller.signal)
      if (mine !== generation) return
      items.value = page.items
      nextCursor.value = page.next_cursor ?? null
      firstPage.value = page
    } catch (e) {
      if (mine !== generation) return
      nextCursor.value = null
      firstPage.value = null
      error.value = errorMessage(e, t)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function append(rows: Item<P>[]): void {
    const key = options.key
    if (!key) {
      items.value.push(...rows)
      return
    }
    const seen = new Set(items.value.map(key))
    items.value.push(...rows.filter((row) => !seen.has(key(row))))
  }

  /** The next page; nothing while the first page or another "more" is on its way. */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value
    const from = current
    if (!cursor || !from || loading.value || loadingMore.value) return
    const mine = generation
    loadingMore.value = true
    try {
      const page = await fetchPage(cursor, from.query, from.controller.signal)
      if (mine !== generation) return
      append(page.items)
      nextCursor.value = page.next_cursor ?? null
    } catch (e) {
      if (mine === generation) notifyError(errorMessage(e, t))
    } finally {
      if (mine === generation) loadingMore.value = false
    }
  }

  onScopeDispose(invalidate)

  return { items, nextCursor, hasMore, firstPage, loading, loadingMore, error, load, loadMore }
}
