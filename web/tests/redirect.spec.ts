import { describe, expect, it } from 'vitest'

import { safeRedirect } from '@/utils/redirect'

describe('safeRedirect', () => {
  it('keeps paths inside the app, with their query', () => {
    expect(safeRedirect('/merchant/staff')).toBe('/merchant/staff')
    expect(safeRedirect('/admin/shops?status=pending')).toBe('/admin/shops?status=pending')
    expect(safeRedirect(['/account', '/other'])).toBe('/account')
  })

  it('refuses anything that could leave the site or loop back to the login', () => {
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'account', '/login', '/register?x=1', null, undefined, 42]) {
      expect(safeRedirect(bad), String(bad)).toBe('/')
    }
  })
})
