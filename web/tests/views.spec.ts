import { afterEach, describe, expect, it, vi } from 'vitest'

import type { AdminShop, MyShop } from '@/api/types'
import MerchantLayout from '@/layouts/MerchantLayout.vue'
import ShopApplicationsView from '@/views/admin/ShopApplicationsView.vue'
import DashboardView from '@/views/merchant/DashboardView.vue'
import LoginView from '@/views/storefront/LoginView.vue'
import RegisterView from '@/views/storefront/RegisterView.vue'
import { useMerchantStore } from '@/stores/merchant'
import { json, mockFetch, problem } from './helpers'
import { mountView, settle } from './mount'

const me = { id: 'u1', email: 'li@example.com', nickname: '小李', roles: ['buyer'], created_at: '2025-01-01T00:00:00Z' }

function adminShop(id: string, name: string): AdminShop {
  return {
    id,
    name,
    description: '',
    status: 'pending',
    status_reason: null,
    shipping_fee_fen: 0,
    free_shipping_over_fen: null,
    created_at: '2025-05-01T08:00:00Z',
    approved_at: null,
    owner: { id: `o-${id}`, email: `${id}@example.com`, nickname: '' },
  }
}

function myShop(status: MyShop['status'], extra: Partial<MyShop> = {}): MyShop {
  return {
    id: 's1',
    name: '老街茶铺',
    description: '明前龙井',
    status,
    status_reason: null,
    shipping_fee_fen: 800,
    free_shipping_over_fen: 9900,
    created_at: '2025-05-01T08:00:00Z',
    approved_at: status === 'active' ? '2025-05-02T08:00:00Z' : null,
    role: 'owner',
    ...extra,
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('login page', () => {
  it('shows the server message when the credentials are wrong', async () => {
    mockFetch(() => problem(401, 'invalid_credentials', '账号或密码错误。'))
    const { wrapper } = await mountView(LoginView, '/login')

    await wrapper.get('[data-testid="login-email"]').setValue('li@example.com')
    await wrapper.get('[data-testid="login-password"]').setValue('wrongpass1')
    await wrapper.get('form').trigger('submit')
    await settle()

    expect(wrapper.get('[data-testid="login-error"]').text()).toContain('账号或密码错误。')
    expect((wrapper.get('[data-testid="login-password"]').element as HTMLInputElement).value).toBe('')
  })

  it('logs in and goes to ?redirect=', async () => {
    const calls = mockFetch(() =>
      json(200, { user: me, access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 7200 }),
    )
    const { wrapper, router } = await mountView(LoginView, '/login?redirect=/merchant/apply')

    await wrapper.get('[data-testid="login-email"]').setValue(' li@example.com ')
    await wrapper.get('[data-testid="login-password"]').setValue('secret123')
    await wrapper.get('[data-testid="login-submit"]').trigger('submit')
    await settle()

    expect(calls[0]?.body).toEqual({ login: 'li@example.com', password: 'secret123' })
    expect(router.currentRoute.value.fullPath).toBe('/merchant/apply')
  })

  it('validates on the client before calling the server', async () => {
    const calls = mockFetch(() => json(200, {}))
    const { wrapper } = await mountView(LoginView, '/login')
    await wrapper.get('form').trigger('submit')
    await settle()

    expect(calls).toHaveLength(0)
    expect(wrapper.text()).toContain('请填写此项')
  })
})

describe('register page', () => {
  it('puts server field errors on the matching form items', async () => {
    mockFetch(() =>
      problem(422, 'validation_error', '请求内容有误，请检查标出的字段。', [
        { field: 'nickname', code: 'string_too_long', message: '昵称被占用了' },
      ]),
    )
    const { wrapper } = await mountView(RegisterView, '/register')
    await wrapper.get('[data-testid="register-email"]').setValue('new@example.com')
    await wrapper.get('[data-testid="register-password"]').setValue('abcdefg1')
    await wrapper.get('[data-testid="register-nickname"]').setValue('阿明')
    await wrapper.get('form').trigger('submit')
    await settle()

    const nicknameItem = wrapper.get('[data-testid="register-nickname"]').element.closest('.el-form-item')
    expect(nicknameItem?.textContent).toContain('昵称被占用了')
    expect(wrapper.find('[data-testid="register-error"]').exists()).toBe(false)
  })

  it('puts email_taken on the email field', async () => {
    mockFetch(() => problem(409, 'email_taken', '该邮箱已注册。'))
    const { wrapper } = await mountView(RegisterView, '/register')
    await wrapper.get('[data-testid="register-email"]').setValue('taken@example.com')
    await wrapper.get('[data-testid="register-password"]').setValue('abcdefg1')
    await wrapper.get('form').trigger('submit')
    await settle()

    const emailItem = wrapper.get('[data-testid="register-email"]').element.closest('.el-form-item')
    expect(emailItem?.textContent).toContain('该邮箱已注册。')
  })
})

describe('platform console: shop applications', () => {
  it('lists pending applications and approves one', async () => {
    const calls = mockFetch((call) => {
      if (call.url.startsWith('/api/v1/admin/shops?')) {
        return json(200, { items: [adminShop('s1', '老街茶铺'), adminShop('s2', '山野果园')], next_cursor: null })
      }
      if (call.url === '/api/v1/admin/shops/s1/approve') return json(200, { ...adminShop('s1', '老街茶铺'), status: 'active' })
      return problem(404, 'not_found', '未找到该资源。')
    })
    const { wrapper } = await mountView(ShopApplicationsView, '/admin/shops')

    expect(calls[0]?.url).toBe('/api/v1/admin/shops?status=pending&limit=50')
    const rows = wrapper.findAll('[data-testid="shop-row"]')
    expect(rows.map((r) => r.attributes('data-shop-name'))).toEqual(['老街茶铺', '山野果园'])
    expect(rows[0]?.text()).toContain('s1@example.com')

    await rows[0]?.get('[data-testid="approve-shop"]').trigger('click')
    await settle()

    expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/admin/shops/s1/approve')).toBe(true)
    expect(wrapper.findAll('[data-testid="shop-row"]').map((r) => r.attributes('data-shop-name'))).toEqual(['山野果园'])
  })

  it('loads the tab named in the URL', async () => {
    const calls = mockFetch(() => json(200, { items: [], next_cursor: null }))
    const { wrapper } = await mountView(ShopApplicationsView, '/admin/shops?status=suspended')
    expect(calls[0]?.url).toBe('/api/v1/admin/shops?status=suspended&limit=50')
    expect(wrapper.text()).toContain('没有该状态的店铺。')
  })
})

describe('merchant console', () => {
  function serveShops(shops: MyShop[]) {
    return mockFetch((call) =>
      call.url.startsWith('/api/v1/me/shops') ? json(200, { items: shops, next_cursor: null }) : json(200, me),
    )
  }

  it('offers the application form to a user without a shop', async () => {
    serveShops([])
    const { wrapper } = await mountView(MerchantLayout, '/merchant')
    expect(wrapper.find('[data-testid="merchant-no-shop"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="merchant-apply-link"]').exists()).toBe(true)
  })

  it('shows the review notice while the application is pending', async () => {
    serveShops([myShop('pending')])
    const { wrapper } = await mountView(MerchantLayout, '/merchant')
    const status = wrapper.get('[data-testid="shop-status"]')
    expect(status.attributes('data-status')).toBe('pending')
    expect(status.text()).toContain('开店申请审核中')
  })

  it('shows the rejection reason and lets the owner apply again', async () => {
    serveShops([myShop('rejected', { status_reason: '资质材料不全' })])
    const { wrapper } = await mountView(MerchantLayout, '/merchant')
    expect(wrapper.get('[data-testid="shop-status-reason"]').text()).toContain('资质材料不全')
    expect(wrapper.find('[data-testid="apply-again"]').exists()).toBe(true)
  })

  it('opens the console once the shop is active, and the dashboard names the shop', async () => {
    serveShops([myShop('active')])
    const layout = (await mountView(MerchantLayout, '/merchant')).wrapper
    expect(layout.find('[data-testid="shop-status"]').exists()).toBe(false)
    expect(layout.find('[data-testid="merchant-no-shop"]').exists()).toBe(false)

    const { wrapper } = await mountView(DashboardView, '/merchant')
    useMerchantStore().shops = [myShop('active')]
    await settle()
    const dashboard = wrapper.get('[data-testid="merchant-dashboard"]')
    expect(dashboard.text()).toContain('老街茶铺')
    expect(dashboard.text()).toContain('店主')
  })
})
