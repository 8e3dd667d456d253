import { afterEach, describe, expect, it, vi } from 'vitest'

import type { MyShop } from '@/api/types'
import { useMerchantStore } from '@/stores/merchant'
import ShopProfileView from '@/views/merchant/ShopProfileView.vue'
import { json, mockFetch } from './helpers'
import { mountWith, settle } from './mount'

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const shop: MyShop = {
  id: 's1',
  name: '武夷山岩茶坊',
  description: '产地直发',
  status: 'active',
  status_reason: null,
  shipping_fee_fen: 0,
  free_shipping_over_fen: null,
  created_at: '2025-01-01T00:00:00Z',
  approved_at: '2025-01-02T00:00:00Z',
  role: 'owner',
}

async function mountProfile() {
  return mountWith(ShopProfileView, {}, '/merchant/profile', () => {
    const merchant = useMerchantStore()
    merchant.shops = [shop]
    merchant.loaded = true
  })
}

async function type(wrapper: Awaited<ReturnType<typeof mountProfile>>['wrapper'], testid: string, value: string) {
  const input = wrapper.get(`[data-testid="${testid}"]`)
  await input.setValue(value)
  await input.trigger('blur')
}

describe('shop shipping terms', () => {
  it('saves the fee and the free-shipping threshold as exact fen', async () => {
    const calls = mockFetch((call) => json(200, { ...shop, ...(call.body as object) }))
    const { wrapper } = await mountProfile()
    await type(wrapper, 'profile-shipping-fee', '12')
    await type(wrapper, 'profile-free-shipping-over', '99.9')
    await wrapper.get('form').trigger('submit')
    await settle()
    expect(calls[0]?.method).toBe('PATCH')
    expect(calls[0]?.body).toEqual({
      name: '武夷山岩茶坊',
      description: '产地直发',
      shipping_fee_fen: 1200,
      free_shipping_over_fen: 9990,
    })
  })

  it('refuses amounts the server would refuse, before asking it', async () => {
    const calls = mockFetch(() => json(200, shop))
    const { wrapper } = await mountProfile()
    await type(wrapper, 'profile-shipping-fee', '1.234')
    await type(wrapper, 'profile-free-shipping-over', '2000000')
    await wrapper.get('form').trigger('submit')
    await settle()
    expect(calls).toHaveLength(0)
    expect(wrapper.text()).toContain('请输入金额，最多两位小数')
    expect(wrapper.text()).toContain('金额不能超过 ¥1,000,000.00')
  })
})
