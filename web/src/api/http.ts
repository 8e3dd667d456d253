/**
 * The one place the app talks HTTP: a thin `fetch` wrapper for the Jishi API.
 *
 * - Auth rides on the httpOnly session cookie (`credentials: 'same-origin'`).
 * - Unsafe methods carry `X-CSRF-Token`, copied from the readable `jishi_csrf` cookie.
 * - `Accept-Language` follows the UI locale, so problem `detail`s come back translated.
 * - RFC 9457 problem+json answers become an {@link ApiError} with the field errors.
 * - A 401 on a non-auth call triggers one `POST /auth/refresh` and a single retry;
 *   if that fails the `onUnauthorized` hook runs (the app clears the user there).
 */

export const API_BASE = '/api/v1'
export const CSRF_COOKIE = 'jishi_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

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

/** Codes the client itself uses when the server gave no problem document. */
export const NETWORK_ERROR = 'network_error'
export const HTTP_ERROR = 'http_error'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly fieldErrors: FieldError[]
  readonly requestId: string | undefined

  constructor(problem: Problem) {
    super(problem.detail || problem.code)
    this.name = 'ApiError'
    this.status = problem.status
    this.code = problem.code
    this.detail = problem.detail
    this.fieldErrors = problem.errors ?? []
    this.requestId = problem.request_id
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

export function isUnsafe(method: HttpMethod): boolean {
  return method !== 'GET'
}

export function buildUrl(path: string, query?: Query): string {
  let url = API_BASE + path
  if (query) {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
    }
    const qs = params.toString()
    if (qs) url += `?${qs}`
  }
  return url
}

export interface RequestOptions {
  method?: HttpMethod
  query?: Query
  body?: unknown
  signal?: AbortSignal
}

/** Auth endpoints never trigger the refresh-and-retry dance (it would loop or make no sense). */
function isAuthPath(path: string): boolean {
  return path.startsWith('/auth/')
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET'
  const headers = new Headers({ Accept: 'application/json', 'Accept-Language': config.getLocale() })
  if (options.body !== undefined) headers.set('Content-Type', 'application/json')
  if (isUnsafe(method)) {
    const token = readCookie(CSRF_COOKIE)
    if (token) headers.set(CSRF_HEADER, token)
  }
  try {
    return await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
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
    return new ApiError({
      ...body,
      status: typeof body.status === 'number' ? body.status : response.status,
      detail: typeof body.detail === 'string' ? body.detail : '',
      errors: Array.isArray(body.errors) ? body.errors : [],
    })
  }
  return new ApiError({ status: response.status, code: HTTP_ERROR, detail: '' })
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

let refreshing: Promise<boolean> | null = null

/** Renew the session from the refresh cookie. Concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= send('/auth/refresh', { method: 'POST' })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options)
  if (response.status === 401 && !isAuthPath(path)) {
    if (await refreshSession()) response = await send(path, options)
    if (response.status === 401) {
      const error = await toApiError(response)
      config.onUnauthorized()
      throw error
    }
  }
  if (!response.ok) throw await toApiError(response)
  return parse<T>(response)
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>(path, { method: 'GET', query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  put: <T>(path: string, body: unknown) => request<T>(path, { method: 'PUT', body }),
  delete: <T = void>(path: string) => request<T>(path, { method: 'DELETE' }),
}
