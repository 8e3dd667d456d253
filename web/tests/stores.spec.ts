import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { MyShop, Role, User } from '@/api/types'
import { consoleLinksFor, useAuthStore } from '@/stores/auth'
import { pickShop, useMerchantStore } from '@/stores/merchant'
import { json, mockFetch, problem, setCookies } from './helpers'

function user(roles: Role[]): User {
  return { id: 'u1', email: 'li@example.com', nickname: '小李', roles, created_at: '2025-01-01T00:00:00Z' }
}

function shop(id: string, status: MyShop['status'], created_at = '2025-01-01T00:00:00Z'): MyShop {
  return {
    id,
    name: id,
    description: '',
    status,
    status_reason: null,
    shipping_fee_fen: 0,
    free_shipping_over_fen: null,
    created_at,
    approved_at: null,
    role: 'owner',
  }
}

describe('console links by role', () => {
  it.each<[Role[], { merchant: boolean; openShop: boolean; admin: boolean }]>([
    [['buyer'], { merchant: false, openShop: true, admin: false }],
    [['buyer', 'shop_owner'], { merchant: true, openShop: false, admin: false }],
    [['buyer', 'shop_staff'], { merchant: true, openShop: false, admin: false }],
    [['platform_admin'], { merchant: false, openShop: true, admin: true }],
    [['shop_owner', 'platform_admin'], { merchant: true, openShop: false, admin: true }],
    [[], { merchant: false, openShop: true, admin: false }],
  ])('%j → %j', (roles, expected) => {
    expect(consoleLinksFor(roles)).toEqual(expected)
  })
})

describe('auth store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    setCookies('jishi_csrf=t1')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setCookies()
  })

  it('asks the server who is logged in only once', async () => {
    const calls = mockFetch(() => json(200, user(['buyer', 'shop_owner'])))
    const auth = useAuthStore()
    await Promise.all([auth.init(), auth.init()])
    await auth.init()

    expect(calls.filter((c) => c.url === '/api/v1/me')).toHaveLength(1)
    expect(auth.ready).toBe(true)
    expect(auth.links).toEqual({ merchant: true, openShop: false, admin: false })
  })

  it('treats a visitor whose session cannot be renewed as logged out', async () => {
    const calls = mockFetch(() => problem(401, 'not_authenticated', '请先登录。'))
    const auth = useAuthStore()
    await auth.init()
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/me', '/api/v1/auth/refresh'])
    expect(auth.isLoggedIn).toBe(false)
    expect(auth.ready).toBe(true)
  })

  it('does not call the server for a visitor who never logged in (no session cookies)', async () => {
    setCookies()
    const calls = mockFetch(() => json(200, user(['buyer'])))
    const auth = useAuthStore()
    await auth.init()
    expect(calls).toHaveLength(0)
    expect(auth.isLoggedIn).toBe(false)
    expect(auth.ready).toBe(true)
  })

  it('logs in, exposes the roles, and forgets the user on logout even if the call fails', async () => {
    mockFetch((call) =>
      call.url.endsWith('/auth/login')
        ? json(200, { user: user(['platform_admin']), access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 7200 })
        : json(500, {}),
    )
    const auth = useAuthStore()
    await auth.login({ login: 'li@example.com', password: 'secret123' })
    expect(auth.hasRole('platform_admin')).toBe(true)
    expect(auth.links.admin).toBe(true)
    expect(auth.displayName).toBe('小李')

    await expect(auth.logout()).rejects.toThrow()
    expect(auth.user).toBeNull()
  })
})

describe('merchant store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
  })

  it('opens the chosen shop, else the most useful one', () => {
    const shops = [shop('old-rejected', 'rejected'), shop('pending', 'pending'), shop('active', 'active')]
    expect(pickShop(shops, 'pending')?.id).toBe('pending')
    expect(pickShop(shops, 'gone')?.id).toBe('active')
    expect(pickShop([shop('r1', 'rejected', '2025-01-01'), shop('r2', 'rejected', '2025-03-01')], null)?.id).toBe('r2')
    expect(pickShop([], null)).toBeNull()
  })

  it('remembers the selection and merges shops the server returns', () => {
    const merchant = useMerchantStore()
    merchant.shops = [shop('a', 'active'), shop('b', 'pending')]
    merchant.select('b')
    expect(localStorage.getItem('jishi.merchant.shop')).toBe('b')
    expect(merchant.current?.id).toBe('b')

    merchant.upsert({ ...shop('b', 'active'), name: '新名字' })
    expect(merchant.current).toMatchObject({ id: 'b', name: '新名字', status: 'active', role: 'owner' })

    merchant.upsert(shop('c', 'pending'), 'staff')
    expect(merchant.shops.map((s) => s.id)).toEqual(['c', 'a', 'b'])
    expect(merchant.shops[0]?.role).toBe('staff')
  })
})
