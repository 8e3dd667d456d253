import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, ref } from 'vue'

import { type Page, type PagedListOptions, usePagedList } from '@/composables/usePagedList'
import { i18n, setLocale } from '@/i18n'
import { notifyError } from '@/utils/notify'

vi.mock('@/utils/notify', () => ({ notifyError: vi.fn() }))

interface Row {
  id: string
}

/** One request the list made, answered when the test says. */
interface Asked {
  cursor: string | null
  query: string
  signal: AbortSignal
  answer: (page: Page<Row>) => Promise<void>
  fail: (error: unknown) => Promise<void>
}

const rows = (...ids: string[]): Row[] => ids.map((id) => ({ id }))

/** A list over a fake API whose answers the test hands out one by one, in any order. */
function setUp(options: Omit<PagedListOptions<Page<Row>, string>, 'query'> = {}) {
  const asked: Asked[] = []
  const query = ref('a')
  const fetchPage = (cursor: string | null, q: string, signal: AbortSignal) =>
    new Promise<Page<Row>>((resolve, reject) => {
      asked.push({
        cursor,
        query: q,
        signal,
        answer: async (page) => {
          resolve(page)
          await flushPromises()
        },
        fail: async (error) => {
          reject(error)
          await flushPromises()
        },
      })
    })
  let list!: ReturnType<typeof usePagedList<Page<Row>, string>>
  const Host = defineComponent({
    setup() {
      list = usePagedList(fetchPage, { ...options, query: () => query.value })
      return () => null
    },
  })
  setLocale('zh-CN')
  const wrapper = mount(Host, { global: { plugins: [i18n] } })
  return { list, asked, query, wrapper }
}

const ids = (items: Row[]) => items.map((r) => r.id)

afterEach(() => {
  vi.mocked(notifyError).mockClear()
})

describe('usePagedList', () => {
  it('loads the first page, appends the next ones, and stops at the last', async () => {
    const { list, asked } = setUp()
    void list.load()
    expect(list.loading.value).toBe(true)
    await asked[0]!.answer({ items: rows('1', '2'), next_cursor: 'c2' })
    expect([ids(list.items.value), list.nextCursor.value, list.hasMore.value, list.loading.value]).toEqual([['1', '2'], 'c2', true, false])

    void list.loadMore()
    expect(list.loadingMore.value).toBe(true)
    expect([asked[1]!.cursor, asked[1]!.query]).toEqual(['c2', 'a'])
    await asked[1]!.answer({ items: rows('3'), next_cursor: null })
    expect([ids(list.items.value), list.hasMore.value, list.loadingMore.value]).toEqual([['1', '2', '3'], false, false])

    await list.loadMore()
    expect(asked).toHaveLength(2)
  })

  it('drops a slow "load more" that answers after the query changed', async () => {
    const { list, asked, query } = setUp()
    void list.load()
    await asked[0]!.answer({ items: rows('a1', 'a2'), next_cursor: 'a-next' })
    void list.loadMore()
    const slowMore = asked[1]!

    query.value = 'b'
    void list.load()
    expect(slowMore.signal.aborted).toBe(true)
    expect(list.loadingMore.value).toBe(false)
    await asked[2]!.answer({ items: rows('b1'), next_cursor: 'b-next' })
    await slowMore.answer({ items: rows('a3', 'a4'), next_cursor: 'a-after' })

    expect(ids(list.items.value)).toEqual(['b1'])
    expect(list.nextCursor.value).toBe('b-next')
    expect(list.loadingMore.value).toBe(false)
  })

  it('drops a slow "load more" that answers while the new first page is still on its way', async () => {
    const { list, asked, query } = setUp()
    void list.load()
    await asked[0]!.answer({ items: rows('a1'), next_cursor: 'a-next' })
    void list.loadMore()
    const slowMore = asked[1]!
    query.value = 'b'
    void list.load()

    await slowMore.answer({ items: rows('a2'), next_cursor: null })
    expect(ids(list.items.value)).toEqual(['a1'])
    expect(list.loading.value).toBe(true)
    await asked[2]!.answer({ items: rows('b1'), next_cursor: null })
    expect(ids(list.items.value)).toEqual(['b1'])
  })

  it('keeps the newest first page when an older one answers late', async () => {
    const { list, asked, query } = setUp()
    void list.load()
    query.value = 'b'
    void list.load()
    await asked[1]!.answer({ items: rows('b1'), next_cursor: null })
    await asked[0]!.answer({ items: rows('a1'), next_cursor: 'a-next' })

    expect(ids(list.items.value)).toEqual(['b1'])
    expect(list.nextCursor.value).toBeNull()
    expect(list.loading.value).toBe(false)
  })

  it('shows no error and no toast for a request of an older query that failed', async () => {
    const { list, asked, query } = setUp()
    void list.load()
    await asked[0]!.answer({ items: rows('a1'), next_cursor: 'a-next' })
    void list.loadMore()
    query.value = 'b'
    void list.load()
    await asked[1]!.fail(new Error('aborted'))
    await asked[2]!.answer({ items: rows('b1'), next_cursor: null })

    query.value = 'c'
    void list.load()
    query.value = 'd'
    void list.load()
    await asked[3]!.fail(new Error('aborted'))
    await asked[4]!.answer({ items: rows('d1'), next_cursor: null })

    expect(list.error.value).toBe('')
    expect(notifyError).not.toHaveBeenCalled()
    expect(ids(list.items.value)).toEqual(['d1'])
  })

  it('continues the query of the first page, not inputs changed since', async () => {
    const { list, asked, query } = setUp()
    void list.load()
    await asked[0]!.answer({ items: rows('a1'), next_cursor: 'a-next' })
    query.value = 'typed but not searched'
    void list.loadMore()
    expect([asked[1]!.cursor, asked[1]!.query]).toEqual(['a-next', 'a'])
  })

  it('reports a failed first page in `error` and a failed "load more" as a toast', async () => {
    const { list, asked } = setUp()
    void list.load()
    await asked[0]!.answer({ items: rows('1'), next_cursor: 'c2' })
    void list.loadMore()
    await asked[1]!.fail(new Error('offline'))
    expect(notifyError).toHaveBeenCalledOnce()
    expect([ids(list.items.value), list.nextCursor.value, list.loadingMore.value]).toEqual([['1'], 'c2', false])

    void list.load()
    await asked[2]!.fail(new Error('offline'))
    expect(list.error.value).not.toBe('')
    expect([list.nextCursor.value, list.firstPage.value, list.loading.value]).toEqual([null, null, false])
  })

  it('asks for one more page at a time, and none while the first page loads', async () => {
    const { list, asked } = setUp()
    void list.load()
    await asked[0]!.answer({ items: rows('1'), next_cursor: 'c2' })
    void list.loadMore()
    void list.loadMore()
    expect(asked).toHaveLength(2)
    await asked[1]!.answer({ items: rows('2'), next_cursor: 'c3' })

    void list.load()
    void list.loadMore()
    expect(asked.map((a) => a.cursor)).toEqual([null, 'c2', null])
  })

  it('empties the list at once when asked to, and leaves out rows a later page repeats', async () => {
    const { list, asked } = setUp({ clearOnLoad: true, key: (row) => row.id })
    void list.load()
    await asked[0]!.answer({ items: rows('1', '2'), next_cursor: 'c2' })
    void list.loadMore()
    await asked[1]!.answer({ items: rows('2', '3'), next_cursor: 'c3' })
    expect(ids(list.items.value)).toEqual(['1', '2', '3'])

    void list.load()
    expect([ids(list.items.value), list.nextCursor.value]).toEqual([[], null])
  })

  it('aborts what is on its way when its component goes away', async () => {
    const { list, asked, wrapper } = setUp()
    void list.load()
    wrapper.unmount()
    expect(asked[0]!.signal.aborted).toBe(true)
    await asked[0]!.answer({ items: rows('1'), next_cursor: null })
    expect(list.items.value).toEqual([])
  })
})
