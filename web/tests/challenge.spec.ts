import { createHash } from 'node:crypto'

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { useAuthStore } from '@/stores/auth'
import { leadingZeroBits, solveChallenge } from '@/utils/challenge'
import { json, mockFetch, problem, type RecordedCall } from './helpers'

const signedIn = {
  user: { id: 'u1', email: 'li@example.com', nickname: '小李', roles: ['buyer'], created_at: '2025-01-01T00:00:00Z' },
  access_token: 'a',
  refresh_token: 'r',
  token_type: 'bearer',
  expires_in: 7200,
}

function zeroBits(nonce: string, solution: string): number {
  return leadingZeroBits(new Uint8Array(createHash('sha256').update(nonce + solution).digest()))
}

let issued = 0
function challenge(): Response {
  issued += 1
  return json(201, {
    challenge_id: `n${issued}.12.1999999999.sig`,
    algorithm: 'sha256-leading-zero-bits',
    nonce: `n${issued}`,
    difficulty: 12,
    expires_at: '2030-01-01T00:00:00Z',
  })
}

describe('the login challenge', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    issued = 0
  })
  afterEach(() => vi.unstubAllGlobals())

  it('counts leading zero bits across bytes', () => {
    expect(leadingZeroBits(new Uint8Array([0xff]))).toBe(0)
    expect(leadingZeroBits(new Uint8Array([0x01, 0xff]))).toBe(7)
    expect(leadingZeroBits(new Uint8Array([0x00, 0x20]))).toBe(10)
    expect(leadingZeroBits(new Uint8Array([0x00, 0x00]))).toBe(16)
  })

  it('finds a counter whose SHA-256 with the nonce starts with enough zero bits', async () => {
    const solution = await solveChallenge({ nonce: 'f00dcafe', difficulty: 12 })
    expect(solution).toMatch(/^\d+$/)
    expect(zeroBits('f00dcafe', solution)).toBeGreaterThanOrEqual(12)
  })

  it('is solved by the auth store when the server asks, and the login sent again', async () => {
    const calls = mockFetch((call: RecordedCall) => {
      if (call.url.endsWith('/auth/challenges')) return challenge()
      const body = call.body as { challenge_id?: string; solution?: string }
      if (!body.challenge_id) return problem(401, 'challenge_required', '请先完成人机验证再登录。')
      if (body.challenge_id.startsWith('n1.')) return problem(401, 'challenge_failed', '已失效')
      const solved = zeroBits(body.challenge_id.split('.')[0]!, body.solution!) >= 12
      return solved ? json(200, signedIn) : problem(401, 'challenge_failed', '未通过')
    })
    const auth = useAuthStore()
    const user = await auth.login({ login: 'li@example.com', password: 'secret123' })
    expect(user.id).toBe('u1')
    expect(auth.isLoggedIn).toBe(true)
    expect(auth.verifying).toBe(false)
    expect(calls.map((c) => c.url.split('/api/v1')[1])).toEqual([
      '/auth/login',
      '/auth/challenges',
      '/auth/login',
      '/auth/challenges',
      '/auth/login',
    ])
    expect(calls[4]!.body).toMatchObject({ login: 'li@example.com', password: 'secret123', challenge_id: expect.stringMatching(/^n2\./) })
  })

  it('passes other refusals through without solving anything', async () => {
    const calls = mockFetch(() => problem(401, 'invalid_credentials', '账号或密码错误。'))
    const auth = useAuthStore()
    await expect(auth.login({ login: 'li@example.com', password: 'nope' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    expect(calls).toHaveLength(1)
  })
})
