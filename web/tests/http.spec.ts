import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import {
  api,
  ApiError,
  buildUrl,
  configureHttp,
  CSRF_HEADER,
  data,
  HTTP_ERROR,
  NETWORK_ERROR,
} from '@/api/http'
import { json, mockFetch, problem, setCookies } from './helpers'

describe('http wrapper', () => {
  const onUnauthorized = vi.fn()

  beforeEach(() => {
    onUnauthorized.mockReset()
    configureHttp({ getLocale: () => 'zh-CN', onUnauthorized })
    setCookies('jishi_csrf=tok%2Fen-123')
  })

  afterEach(() => {
    vi.unstubAllGlobals()
    setCookies()
  })

  it('sends the CSRF token on unsafe methods only', async () => {
    const calls = mockFetch(() => json(200, {}))
    await data(api.GET('/me'))
    await data(api.POST('/shops', { body: { name: 'a' } }))
    await data(api.PATCH('/me', { body: { nickname: 'b' } }))
    await data(api.DELETE('/me/addresses/{address_id}', { params: { path: { address_id: '1' } } }))

    expect(calls.map((c) => [c.method, c.headers.get(CSRF_HEADER)])).toEqual([
      ['GET', null],
      ['POST', 'tok/en-123'],
      ['PATCH', 'tok/en-123'],
      ['DELETE', 'tok/en-123'],
    ])
  })

  it('uses the session cookie and the UI locale', async () => {
    const calls = mockFetch(() => json(200, {}))
    await data(api.GET('/me'))
    configureHttp({ getLocale: () => 'en' })
    await data(api.GET('/me'))

    expect(calls[0]?.credentials).toBe('same-origin')
    expect(calls[0]?.url).toBe('/api/v1/me')
    expect(calls.map((c) => c.headers.get('Accept-Language'))).toEqual(['zh-CN', 'en'])
  })

  it('sends JSON bodies and parses JSON answers; 204 gives undefined', async () => {
    const calls = mockFetch((call) =>
      call.method === 'DELETE' ? json(204, null) : json(201, { id: 's1', status: 'pending' }),
    )
    const shop = await data(api.POST('/shops', { body: { name: '小店' } }))
    const nothing = await data(api.DELETE('/shops/{shop_id}/members/{user_id}', { params: { path: { shop_id: 's1', user_id: 'u1' } } }))

    expect(calls[0]?.headers.get('Content-Type')).toBe('application/json')
    expect(calls[0]?.body).toEqual({ name: '小店' })
    expect(shop).toEqual({ id: 's1', status: 'pending' })
    expect(nothing).toBeUndefined()
  })

  it('turns problem+json into an ApiError with field errors', async () => {
    mockFetch(() =>
      problem(422, 'validation_error', '请求内容有误', [
        { field: 'email', code: 'value_error', message: '邮箱格式不正确' },
        { field: 'password', code: 'string_too_short', message: '长度不能少于 8 个字符。' },
      ]),
    )
    const error = await data(api.POST('/auth/register', { body: { email: '', password: '' } })).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    const apiError = error as ApiError
    expect(apiError.status).toBe(422)
    expect(apiError.code).toBe('validation_error')
    expect(apiError.detail).toBe('请求内容有误')
    expect(apiError.requestId).toBe('req-1')
    expect(apiError.fieldError('email')).toBe('邮箱格式不正确')
    expect(apiError.fieldError('password')).toBe('长度不能少于 8 个字符。')
    expect(apiError.fieldError('nickname')).toBeUndefined()
  })

  it('reports answers without a problem document and network failures with client codes', async () => {
    mockFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }))
    const badGateway = (await data(api.GET('/shops')).catch((e: unknown) => e)) as ApiError
    expect([badGateway.status, badGateway.code]).toEqual([502, HTTP_ERROR])

    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    const offline = (await data(api.GET('/shops')).catch((e: unknown) => e)) as ApiError
    expect([offline.status, offline.code]).toEqual([0, NETWORK_ERROR])
  })

  it('refreshes the session once on 401 and retries the call', async () => {
    let sessionValid = false
    const calls = mockFetch((call) => {
      if (call.url === '/api/v1/auth/refresh') {
        sessionValid = true
        return json(200, { user: { id: 'u1' } })
      }
      return sessionValid ? json(200, { id: 'u1' }) : problem(401, 'invalid_token', 'expired')
    })

    const me = await data(api.GET('/me'))

    expect(me).toEqual({ id: 'u1' })
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/v1/me',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/me',
    ])
    expect(calls[1]?.headers.get(CSRF_HEADER)).toBe('tok/en-123')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('gives up when the refresh fails: clears the user via onUnauthorized and throws', async () => {
    const calls = mockFetch(() => problem(401, 'not_authenticated', '请先登录。'))
    const error = (await data(api.GET('/me/addresses')).catch((e: unknown) => e)) as ApiError

    expect(error.status).toBe(401)
    expect(onUnauthorized).toHaveBeenCalledOnce()
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/me/addresses', '/api/v1/auth/refresh'])
  })

  it('does not try to refresh after a failed login', async () => {
    const calls = mockFetch(() => problem(401, 'invalid_credentials', '账号或密码错误。'))
    const error = (await data(api.POST('/auth/login', { body: { login: 'a', password: 'b' } })).catch((e: unknown) => e)) as ApiError

    expect(error.code).toBe('invalid_credentials')
    expect(calls).toHaveLength(1)
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('shares one refresh between concurrent 401s', async () => {
    let refreshed = false
    const calls = mockFetch(async (call) => {
      if (call.url.endsWith('/auth/refresh')) {
        await new Promise((r) => setTimeout(r, 5))
        refreshed = true
        return json(200, {})
      }
      return refreshed ? json(200, { ok: call.url }) : problem(401, 'invalid_token', 'expired')
    })

    await Promise.all([data(api.GET('/me')), data(api.GET('/me/shops')), data(api.GET('/me/invitations'))])

    expect(calls.filter((c) => c.url.endsWith('/auth/refresh'))).toHaveLength(1)
  })

  it('builds query strings without empty values', () => {
    expect(buildUrl('/admin/shops', { status: 'pending', cursor: null, limit: 50, q: undefined })).toBe(
      '/api/v1/admin/shops?status=pending&limit=50',
    )
    expect(buildUrl('/shops', { cursor: 'a b&c' })).toBe('/api/v1/shops?cursor=a+b%26c')
  })
})
