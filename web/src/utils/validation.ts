/**
 * Client-side form checks that mirror the server's rules. The server stays the authority
 * (its field errors are shown too); these only spare a round trip.
 */
import type { FormItemRule } from 'element-plus'

export const LIMITS = {
  passwordMin: 8,
  passwordMax: 128,
  nicknameMax: 100,
  emailMax: 254,
  shopNameMax: 100,
  shopDescriptionMax: 2000,
  reasonMax: 500,
  recipientMax: 50,
  regionMax: 50,
  addressDetailMax: 200,
  phoneMax: 20,
  orderNoteMax: 200,
  trackingMin: 4,
  trackingMax: 40,
} as const

/** A failed check: an i18n key under `validation.` and its parameters. */
export interface Issue {
  key:
    | 'required'
    | 'email'
    | 'passwordLength'
    | 'passwordComposition'
    | 'passwordHasEmailName'
    | 'maxLength'
    | 'phone'
    | 'trackingNo'
  params?: Record<string, number>
}

export type Check = (value: string) => Issue | null

/** Length in code points, as the server (Python `len`) counts it. */
export function charLength(value: string): number {
  return [...value].length
}

export const required: Check = (value) => (value.trim() === '' ? { key: 'required' } : null)

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/

export const email: Check = (value) => {
  const v = value.trim()
  if (v === '') return null
  return EMAIL.test(v) && v.length <= LIMITS.emailMax ? null : { key: 'email' }
}

export const password: Check = (value) => {
  if (value === '') return null
  const n = charLength(value)
  if (n < LIMITS.passwordMin || n > LIMITS.passwordMax) {
    return { key: 'passwordLength', params: { min: LIMITS.passwordMin, max: LIMITS.passwordMax } }
  }
  if (!/\p{L}/u.test(value) || !/\d/.test(value)) return { key: 'passwordComposition' }
  return null
}

/**
 * The server refuses a password built on the email's user name (when that name has at least
 * four characters); `getEmail` reads the email field at validation time.
 */
export function notEmailName(getEmail: () => string): Check {
  return (value) => {
    const name = (getEmail().trim().split('@')[0] ?? '').toLowerCase()
    return name.length >= 4 && value.toLowerCase().includes(name) ? { key: 'passwordHasEmailName' } : null
  }
}

export function maxLength(max: number): Check {
  return (value) => (charLength(value.trim()) > max ? { key: 'maxLength', params: { max } } : null)
}

/** A loose shape check (digits, spaces, dashes, optional leading +); the server decides the rest. */
const PHONE = /^\+?\d[\d\s-]{5,19}$/

export const phone: Check = (value) => {
  const v = value.trim()
  if (v === '') return null
  return PHONE.test(v) ? null : { key: 'phone' }
}

const TRACKING_NO = new RegExp(`^[A-Za-z0-9-]{${LIMITS.trackingMin},${LIMITS.trackingMax}}$`)

/** A carrier's tracking number (运单号): letters, digits and dashes. */
export const trackingNo: Check = (value) => {
  const v = value.trim()
  if (v === '') return null
  return TRACKING_NO.test(v) ? null : { key: 'trackingNo', params: { min: LIMITS.trackingMin, max: LIMITS.trackingMax } }
}

/** Run checks in order; the first failure wins. */
export function runChecks(value: unknown, checks: Check[]): Issue | null {
  const text = typeof value === 'string' ? value : value == null ? '' : String(value)
  for (const check of checks) {
    const issue = check(text)
    if (issue) return issue
  }
  return null
}

export type Translate = (key: string, params?: Record<string, unknown>) => string

/** An Element Plus rule running `checks`, messages translated at validation time. */
export function rule(t: Translate, ...checks: Check[]): FormItemRule {
  return {
    trigger: 'blur',
    validator: (_rule, value, callback) => {
      const issue = runChecks(value, checks)
      if (issue) callback(new Error(t(`validation.${issue.key}`, issue.params)))
      else callback()
    },
  }
}
