import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter, type RouteRecordRaw } from 'vue-router'
import { defineComponent } from 'vue'

import type { Role } from '@/api/types'
import { accessGuard, type Visitor } from '@/router/guards'
import { routes } from '@/router/routes'

const Stub = defineComponent({ render: () => null })

/** The app's real route table, with every view swapped for a stub. */
function stubbed(records: RouteRecordRaw[]): RouteRecordRaw[] {
  return records.map((record) => {
    const copy = { ...record } as RouteRecordRaw & { component?: unknown; children?: RouteRecordRaw[] }
    if ('component' in record && record.component) copy.component = Stub
    if (record.children) copy.children = stubbed(record.children)
    return copy as RouteRecordRaw
  })
}

function visitor(roles: Role[] | null): Visitor & { inits: number } {
  const v = {
    inits: 0,
    init: async () => {
      v.inits += 1
    },
    isLoggedIn: roles !== null,
    hasRole: (role: Role) => roles?.includes(role) ?? false,
  }
  return v
}

async function visit(path: string, who: Visitor) {
  const router = createRouter({ history: createMemoryHistory(), routes: stubbed(routes) })
  router.beforeEach((to) => accessGuard(to, who))
  await router.push(path)
  return router.currentRoute.value
}

describe('route guards', () => {
  it('sends anonymous visitors of the consoles and the account to the login page', async () => {
    for (const path of ['/merchant', '/merchant/staff?tab=1', '/account', '/admin/shops']) {
      const route = await visit(path, visitor(null))
      expect(route.name, path).toBe('login')
      expect(route.query.redirect, path).toBe(path)
    }
  })

  it('lets anyone see the storefront', async () => {
    const who = visitor(null)
    expect((await visit('/', who)).name).toBe('home')
    expect((await visit('/shops/s1', who)).params.shopId).toBe('s1')
    expect(who.inits).toBe(2)
  })

  it('shows the not-found view to non-admins on /admin, keeping the URL', async () => {
    for (const roles of [['buyer'], ['buyer', 'shop_owner'], ['customer_service']] as Role[][]) {
      const route = await visit('/admin/shops?status=pending', visitor(roles))
      expect(route.name).toBe('not-found')
      expect(route.fullPath).toBe('/admin/shops?status=pending')
    }
  })

  it('opens the platform console for platform admins', async () => {
    const route = await visit('/admin', visitor(['platform_admin']))
    expect(route.name).toBe('admin-shops')
  })

  it('opens the merchant console for any logged-in user (it offers the application form)', async () => {
    expect((await visit('/merchant', visitor(['buyer']))).name).toBe('merchant-dashboard')
    expect((await visit('/merchant/apply', visitor(['buyer']))).name).toBe('merchant-apply')
  })

  it('sends logged-in users away from the login page to a safe redirect', async () => {
    expect((await visit('/login?redirect=/account', visitor(['buyer']))).fullPath).toBe('/account')
    expect((await visit('/login?redirect=https://evil.example', visitor(['buyer']))).fullPath).toBe('/')
    expect((await visit('/register', visitor(['buyer']))).fullPath).toBe('/')
  })

  it('answers unknown paths with the not-found view', async () => {
    expect((await visit('/no/such/page', visitor(null))).name).toBe('not-found')
  })
})
