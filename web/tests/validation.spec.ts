import { describe, expect, it, vi } from 'vitest'

import {
  charLength,
  email,
  LIMITS,
  maxLength,
  notEmailName,
  password,
  phone,
  required,
  rule,
  runChecks,
} from '@/utils/validation'

describe('form rules mirror the server', () => {
  it('requires a non-blank value', () => {
    expect(required('')).toEqual({ key: 'required' })
    expect(required('   ')).toEqual({ key: 'required' })
    expect(required('x')).toBeNull()
  })

  it('accepts plausible emails and rejects malformed ones', () => {
    for (const ok of ['a@b.cn', 'first.last+tag@mail.example.com', ' spaced@example.org ']) {
      expect(email(ok), ok).toBeNull()
    }
    for (const bad of ['plain', 'a@b', 'a@@b.cn', 'a b@c.cn', '@example.com', 'a@.cn']) {
      expect(email(bad), bad).toEqual({ key: 'email' })
    }
    expect(email('')).toBeNull() // emptiness is `required`'s business
  })

  it('wants 8..128 characters with at least a letter and a digit', () => {
    const lengthIssue = { key: 'passwordLength', params: { min: 8, max: 128 } }
    expect(password('abc123')).toEqual(lengthIssue)
    expect(password('a1'.repeat(65))).toEqual(lengthIssue) // 130 characters
    expect(password('abcdefgh')).toEqual({ key: 'passwordComposition' })
    expect(password('12345678')).toEqual({ key: 'passwordComposition' })
    expect(password('abcdefg1')).toBeNull()
    expect(password('a1'.repeat(64))).toBeNull() // exactly 128
    expect(password('密码安全强度够高9')).toBeNull() // Chinese characters are letters
  })

  it('refuses a password built on the email user name, as the server does', () => {
    let address = 'Owner@example.com'
    const check = notEmailName(() => address)
    expect(check('my-owner-pass-77')).toEqual({ key: 'passwordHasEmailName' })
    expect(check('tea-garden-2026')).toBeNull()
    address = 'li@example.com' // names under four characters are not checked
    expect(check('li-pass-2026')).toBeNull()
  })

  it('counts length in characters the way the server does', () => {
    expect(charLength('集市')).toBe(2)
    expect(charLength('😀😀')).toBe(2)
    const shopName = maxLength(LIMITS.shopNameMax)
    expect(shopName('店'.repeat(100))).toBeNull()
    expect(shopName('店'.repeat(101))).toEqual({ key: 'maxLength', params: { max: 100 } })
    expect(maxLength(LIMITS.nicknameMax)('😀'.repeat(100))).toBeNull()
  })

  it('checks phone numbers loosely', () => {
    expect(phone('13800138000')).toBeNull()
    expect(phone('+86 138-0013-8000')).toBeNull()
    expect(phone('call me')).toEqual({ key: 'phone' })
    expect(phone('12')).toEqual({ key: 'phone' })
  })

  it('runs checks in order and reports the first failure', () => {
    expect(runChecks('', [required, email])).toEqual({ key: 'required' })
    expect(runChecks('nope', [required, email])).toEqual({ key: 'email' })
    expect(runChecks(undefined, [required])).toEqual({ key: 'required' })
  })

  it('builds Element Plus rules with translated messages', () => {
    const t = vi.fn((key: string, params?: Record<string, unknown>) => `${key}:${JSON.stringify(params ?? {})}`)
    const { validator } = rule(t, required, password)
    const callback = vi.fn()
    validator?.({}, 'short1', callback, {}, {})
    expect(callback).toHaveBeenCalledWith(new Error('validation.passwordLength:{"min":8,"max":128}'))

    callback.mockReset()
    validator?.({}, 'longenough1', callback, {}, {})
    expect(callback).toHaveBeenCalledWith()
  })
})
