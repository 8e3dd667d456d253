import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { catalogApi, merchantProductsApi } from '@/api/catalog'
import { api, ApiError, buildUrl, configureHttp, CSRF_HEADER, data, filenameFrom, upload, type UploadProgress } from '@/api/http'
import { searchApi } from '@/api/search'
import { json, mockFetch, setCookies } from './helpers'

describe('query strings', () => {
  it('repeat array parameters and skip empty values', () => {
    expect(buildUrl('/products', { q: '手机', brand_id: ['b1', 'b2'], spec: ['颜色:黑'], in_stock: undefined, cursor: null })).toBe(
      '/api/v1/products?q=%E6%89%8B%E6%9C%BA&brand_id=b1&brand_id=b2&spec=%E9%A2%9C%E8%89%B2%3A%E9%BB%91',
    )
    expect(buildUrl('/products', { brand_id: [] })).toBe('/api/v1/products')
  })

  it('read file names from Content-Disposition', () => {
    expect(filenameFrom('attachment; filename="jishi-products.csv"')).toBe('jishi-products.csv')
    expect(filenameFrom("attachment; filename*=UTF-8''%E5%95%86%E5%93%81.xlsx")).toBe('商品.xlsx')
    expect(filenameFrom(null)).toBeNull()
  })
})

/** A stand-in XMLHttpRequest that answers what the test says and reports upload progress. */
class FakeXhr {
  static answers: { status: number; body: unknown }[] = []
  static sent: FakeXhr[] = []
  method = ''
  url = ''
  headers: Record<string, string> = {}
  withCredentials = false
  status = 0
  responseText = ''
  body: FormData | null = null
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value
  }
  getResponseHeader(name: string) {
    return name.toLowerCase() === 'content-type' ? 'application/json' : null
  }
  abort() {
    this.onabort?.()
  }
  send(body: FormData) {
    this.body = body
    FakeXhr.sent.push(this)
    const answer = FakeXhr.answers.shift() ?? { status: 200, body: {} }
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 200 })
      this.upload.onprogress?.({ lengthComputable: true, loaded: 200, total: 200 })
      this.status = answer.status
      this.responseText = JSON.stringify(answer.body)
      this.onload?.()
    }, 0)
  }
}

describe('uploads', () => {
  beforeEach(() => {
    FakeXhr.answers = []
    FakeXhr.sent = []
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
    configureHttp({ getLocale: () => 'en', onUnauthorized: () => {} })
    setCookies('jishi_csrf=tok123')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setCookies()
  })

  it('send multipart with CSRF, language and cookies, and report progress', async () => {
    FakeXhr.answers.push({ status: 201, body: { id: 'm1' } })
    const progress: UploadProgress[] = []
    const file = new File(['x'.repeat(10)], 'a.jpg', { type: 'image/jpeg' })
    const result = await upload('/shops/{shop_id}/products/{product_id}/images', { shop_id: 's1', product_id: 'p1' }, file, {
      onProgress: (p) => progress.push(p),
    })
    expect(result).toEqual({ id: 'm1' })
    const xhr = FakeXhr.sent[0]!
    expect([xhr.method, xhr.url, xhr.withCredentials]).toEqual(['POST', '/api/v1/shops/s1/products/p1/images', true])
    expect(xhr.headers[CSRF_HEADER]).toBe('tok123')
    expect(xhr.headers['Accept-Language']).toBe('en')
    expect((xhr.body?.get('file') as File).name).toBe('a.jpg')
    expect(progress.map((p) => p.percent)).toEqual([25, 100])
  })

  it('turn problem answers into ApiError', async () => {
    FakeXhr.answers.push({ status: 413, body: { status: 413, code: 'image_too_large', detail: 'At most 10 MB.' } })
    const error = await upload('/shops/{shop_id}/product-imports', { shop_id: 's1' }, new Blob(['x'])).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('image_too_large')
    expect((error as ApiError).status).toBe(413)
  })
})

describe('problem extensions', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('keep the members beyond the standard ones, and send extra headers', async () => {
    const calls = mockFetch(
      () =>
        new Response(JSON.stringify({ status: 409, code: 'insufficient_stock', detail: '库存不足。', sku_id: 'k1', title: 'x' }), {
          status: 409,
          headers: { 'Content-Type': 'application/problem+json' },
        }),
    )
    const error = await data(
      api.POST('/orders', { params: { header: { 'Idempotency-Key': 'key-1' } }, body: { address_id: 'a1', cart_item_ids: ['c1'] } }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).extension('sku_id')).toBe('k1')
    expect((error as ApiError).extensions).toEqual({ sku_id: 'k1' })
    expect(calls[0]?.headers.get('Idempotency-Key')).toBe('key-1')
  })
})

describe('the typed client', () => {
  beforeEach(() => configureHttp({ getLocale: () => 'zh-CN', onUnauthorized: () => {} }))
  afterEach(() => vi.unstubAllGlobals())

  it('encode path parameters, repeat array parameters and leave out empty values', async () => {
    const calls = mockFetch(() => json(200, {}))
    await searchApi.products({ q: '', brand_id: ['b1', 'b2'], spec: ['颜色:黑'], in_stock: false, cursor: null })
    await catalogApi.product('a/b ?')

    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/products?brand_id=b1&brand_id=b2&spec=%E9%A2%9C%E8%89%B2%3A%E9%BB%91&limit=20',
      '/api/v1/products/a%2Fb%20%3F',
    ])
    expect(calls[0]?.headers.get('Accept')).toBe('application/json')
  })

  it('download a file with the name the server gives it', async () => {
    const calls = mockFetch(
      () =>
        new Response('sku,price\n', {
          status: 200,
          headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="jishi-products.csv"' },
        }),
    )
    const file = await merchantProductsApi.importTemplate('s1', 'csv')

    expect(calls[0]?.url).toBe('/api/v1/shops/s1/product-imports/template?format=csv')
    expect(calls[0]?.headers.get('Accept')).toBe('*/*')
    expect(file.filename).toBe('jishi-products.csv')
    expect(await file.blob.text()).toBe('sku,price\n')
  })
})
