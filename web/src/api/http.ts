/**
 * The one place the app talks HTTP: an `openapi-fetch` client typed by the paths of
 * openapi.json (schema.d.ts), so a call's path, parameters, body and answer are checked.
 *
 * - Auth rides on the httpOnly session cookie (`credentials: 'same-origin'`).
 * - Unsafe methods carry `X-CSRF-Token`, copied from the readable `jishi_csrf` cookie.
 * - `Accept-Language` follows the UI locale, so problem `detail`s come back translated.
 * - RFC 9457 problem+json answers become an {@link ApiError} with the field errors.
 * - A 401 on a non-auth call triggers one `POST /auth/refresh` and a single retry;
 *   if that fails the `onUnauthorized` hook runs (the app clears the user there).
 */

import createClient, { type ClientPathsWithMethod, defaultPathSerializer, type MethodResponse } from 'openapi-fetch'

import type { paths } from './schema'

export const API_BASE = '/api/v1'
export const CSRF_COOKIE = 'jishi_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

export type ApiMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'
export type QueryValue = string | number | boolean | null | undefined
/** A repeatable parameter (`brand_id=a&brand_id=b`) is given as an array. */
export type Query = Record<string, QueryValue | readonly QueryValue[]>

export interface FieldError {
  field: string
  code: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  code: string
  detail: string
  errors?: FieldError[]
  request_id?: string
}

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'code', 'detail', 'errors', 'request_id', 'instance'])

/** Codes the client itself uses when the server gave no problem document. */
export const NETWORK_ERROR = 'network_error'
export const HTTP_ERROR = 'http_error'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly fieldErrors: FieldError[]
  readonly requestId: string | undefined
  /** Members the problem carries beyond the standard ones (e.g. `sku_id` of a short item). */
  readonly extensions: Readonly<Record<string, unknown>>

  constructor(problem: Problem, extensions: Record<string, unknown> = {}) {
    super(problem.detail || problem.code)
    this.name = 'ApiError'
    this.status = problem.status
    this.code = problem.code
    this.detail = problem.detail
    this.fieldErrors = problem.errors ?? []
    this.requestId = problem.request_id
    this.extensions = extensions
  }

  /** A text extension member, e.g. `error.extension('sku_id')`. */
  extension(name: string): string | undefined {
    const value = this.extensions[name]
    return typeof value === 'string' ? value : undefined
  }

  /** The first message the server gave for `field` (e.g. `email`, `skus[0].price_fen`). */
  fieldError(field: string): string | undefined {
    return this.fieldErrors.find((e) => e.field === field)?.message
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

export interface HttpConfig {
  /** The UI locale, sent as `Accept-Language`. */
  getLocale: () => string
  /** Called once a 401 could not be cured by refreshing the session. */
  onUnauthorized: () => void
}

const config: HttpConfig = {
  getLocale: () => 'zh-CN',
  onUnauthorized: () => {},
}

export function configureHttp(options: Partial<HttpConfig>): void {
  Object.assign(config, options)
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return null
}

/** GET and HEAD change nothing; every other method needs the CSRF token. */
export function isUnsafe(method: string): boolean {
  const upper = method.toUpperCase()
  return upper !== 'GET' && upper !== 'HEAD'
}

/** A query string without the `?`: arrays repeat their parameter; undefined, null and '' are left out. */
export function queryString(query: Readonly<Record<string, unknown>>): string {
  const params = new URLSearchParams()
  for (const [key, raw] of Object.entries(query)) {
    const values: readonly unknown[] = Array.isArray(raw) ? raw : [raw]
    for (const value of values) {
      if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
    }
  }
  return params.toString()
}

export function buildUrl(path: string, query?: Query): string {
  const qs = query ? queryString(query) : ''
  return qs ? `${API_BASE}${path}?${qs}` : API_BASE + path
}

function isAuthRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith(`${API_BASE}/auth/`)
}

/** The headers every call carries; read at each send, so a retry has the CSRF token the refresh set. */
function prepare(request: Request): Request {
  request.headers.set('Accept-Language', config.getLocale())
  if (isUnsafe(request.method)) {
    const token = readCookie(CSRF_COOKIE)
    if (token) request.headers.set(CSRF_HEADER, token)
  }
  return request
}

async function send(request: Request): Promise<Response> {
  try {
    return await fetch(prepare(request))
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError({ status: 0, code: NETWORK_ERROR, detail: '' })
  }
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === 'string'
  )
}

export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  if (isProblem(body)) {
    const extensions = Object.fromEntries(Object.entries(body).filter(([key]) => !PROBLEM_MEMBERS.has(key)))
    return new ApiError(
      {
        ...body,
        status: typeof body.status === 'number' ? body.status : response.status,
        detail: typeof body.detail === 'string' ? body.detail : '',
        errors: Array.isArray(body.errors) ? body.errors : [],
      },
      extensions,
    )
  }
  return new ApiError({ status: response.status, code: HTTP_ERROR, detail: '' })
}

let refreshing: Promise<boolean> | null = null

/** Renew the session from the refresh cookie. Concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= api
    .POST('/auth/refresh')
    .then(() => true)
    .catch(() => false)
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

/**
 * The client's fetch: send, and on a 401 renew the session once and send again. An answer
 * that is not 2xx is thrown as an {@link ApiError}, so a call that returns has its data.
 */
async function apiFetch(request: Request): Promise<Response> {
  // Auth calls never refresh-and-retry (it would loop or make no sense).
  const retry = isAuthRequest(request) ? null : request.clone()
  let response = await send(request)
  if (response.status === 401 && retry) {
    if (await refreshSession()) response = await send(retry)
    if (response.status === 401) {
      const error = await toApiError(response)
      config.onUnauthorized()
      throw error
    }
  }
  if (!response.ok) throw await toApiError(response)
  return response
}

/** The API's paths relative to {@link API_BASE}, each with the parameters, body and answers openapi.json gives it. */
export type ApiPaths = {
  [P in keyof paths as P extends `${typeof API_BASE}${infer Rest}` ? Rest : never]: paths[P]
}

/**
 * The typed client: `api.GET('/orders', { params: { query } })` checks the path, its parameters
 * and body against openapi.json and answers the type the document gives. Wrap calls in
 * {@link data}. The base URL is absolute because `Request` outside a browser (the tests) needs one.
 */
export const api = createClient<ApiPaths>({
  baseUrl: typeof location === 'undefined' ? API_BASE : location.origin + API_BASE,
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
  querySerializer: queryString,
  fetch: apiFetch,
})

/** The answer of a call (undefined for 204). Failures never get here: {@link apiFetch} throws them. */
export async function data<D>(call: Promise<{ data?: D; response: Response }>): Promise<D> {
  return (await call).data as D
}

/** The paths that take `method`, e.g. `PathOf<'post'>`. */
export type PathOf<M extends ApiMethod> = ClientPathsWithMethod<typeof api, M>
/** What `method` on `path` answers with 2xx, as openapi.json says. */
export type ResponseOf<M extends ApiMethod, P extends PathOf<M>> = MethodResponse<typeof api, M, P>

/** A file the API answers (e.g. an import template), with the name from Content-Disposition. */
export interface Download {
  blob: Blob
  filename: string | null
}

export function filenameFrom(disposition: string | null): string | null {
  if (!disposition) return null
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain?.[1]?.trim() ?? null
}

/** A file the API answers: `download(api.GET(path, { params, parseAs: 'blob', headers: ANY_TYPE }))`. */
export const ANY_TYPE = { Accept: '*/*' }

export async function download(call: Promise<{ data?: Blob; response: Response }>): Promise<Download> {
  const { data: blob, response } = await call
  return { blob: blob ?? new Blob(), filename: filenameFrom(response.headers.get('Content-Disposition')) }
}

/** Hand a downloaded file to the browser as a "save as". */
export function saveDownload({ blob, filename }: Download, fallbackName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename ?? fallbackName
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export interface UploadProgress {
  loaded: number
  total: number
  /** 0–100, whole numbers. */
  percent: number
}

export interface UploadOptions {
  /** Multipart field name of the file (the API uses `file`). */
  field?: string
  onProgress?: (progress: UploadProgress) => void
  signal?: AbortSignal
}

function xhrSend(url: string, file: Blob, filename: string, options: UploadOptions): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Accept-Language', config.getLocale())
    const token = readCookie(CSRF_COOKIE)
    if (token) xhr.setRequestHeader(CSRF_HEADER, token)
    xhr.upload.onprogress = (event) => {
      if (!event.lengthComputable || !options.onProgress) return
      const percent = event.total > 0 ? Math.min(100, Math.floor((event.loaded * 100) / event.total)) : 0
      options.onProgress({ loaded: event.loaded, total: event.total, percent })
    }
    xhr.onload = () => resolve(xhr)
    xhr.onerror = () => reject(new ApiError({ status: 0, code: NETWORK_ERROR, detail: '' }))
    xhr.onabort = () => reject(new DOMException('Upload aborted', 'AbortError'))
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    const form = new FormData()
    form.append(options.field ?? 'file', file, filename)
    xhr.send(form)
  })
}

function xhrResponse(xhr: XMLHttpRequest): Response {
  const status = xhr.status === 0 ? 599 : xhr.status
  const body = status === 204 || status === 205 ? null : xhr.responseText
  return new Response(body, {
    status,
    headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? 'application/json' },
  })
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** The path parameters of `POST path`, e.g. `{ shop_id: string }`. */
export type PostPathParams<P extends PathOf<'post'>> = ApiPaths[P] extends {
  post: { parameters: { path: infer Params } }
}
  ? Params
  : never

/**
 * Upload one file as multipart/form-data with upload progress (fetch cannot report it, so this
 * uses XMLHttpRequest). Same cookies, CSRF header, language, error handling and session refresh
 * as {@link api}; the path, its parameters and the answer are typed like {@link api}'s.
 */
export async function upload<P extends PathOf<'post'>>(
  path: P,
  params: PostPathParams<P>,
  file: File | Blob,
  options: UploadOptions = {},
): Promise<ResponseOf<'post', P>> {
  const url = buildUrl(defaultPathSerializer(path, params as Record<string, unknown>))
  const filename = file instanceof File ? file.name : 'upload'
  let xhr = await xhrSend(url, file, filename, options)
  if (xhr.status === 401) {
    if (await refreshSession()) xhr = await xhrSend(url, file, filename, options)
    if (xhr.status === 401) {
      const error = await toApiError(xhrResponse(xhr))
      config.onUnauthorized()
      throw error
    }
  }
  const response = xhrResponse(xhr)
  if (!response.ok) throw await toApiError(response)
  return parse<ResponseOf<'post', P>>(response)
}
