import { describe, expect, it } from 'vitest'
import type { RouteLocationNormalized } from 'vue-router'

import { keepScrollOnFilter } from '@/router'

const at = (path: string, query: Record<string, string> = {}) => ({ path, query, hash: '' }) as unknown as RouteLocationNormalized

describe('scrolling between pages', () => {
  it('keeps the position when only list filters change, else starts at the top', () => {
    expect(keepScrollOnFilter(at('/c/1', { brand: 'b' }), at('/c/1'), null)).toBe(false)
    expect(keepScrollOnFilter(at('/search', { q: '手机', sort: 'sales' }), at('/search', { q: '手机' }), null)).toBe(false)
    expect(keepScrollOnFilter(at('/search', { q: '电脑' }), at('/search', { q: '手机' }), null)).toEqual({ top: 0 })
    expect(keepScrollOnFilter(at('/p/1'), at('/c/1'), null)).toEqual({ top: 0 })
    expect(keepScrollOnFilter(at('/c/1'), at('/p/1'), { left: 0, top: 420 })).toEqual({ left: 0, top: 420 })
  })
})
