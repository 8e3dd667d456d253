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

export function isUnsafe(method: HttpMethod): boolean {
  return method !== 'GET'
}

export function buildUrl(path: string, query?: Query): string {
  let url = API_BASE + path
  if (query) {
    const params = new URLSearchParams()
    for (const [key, raw] of Object.entries(query)) {
      const values: readonly QueryValue[] = Array.isArray(raw) ? raw : [raw as QueryValue]
      for (const value of values) {
        if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
      }
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
  /** Extra request headers (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>
}

/** Auth endpoints never trigger the refresh-and-retry dance (it would loop or make no sense). */
function isAuthPath(path: string): boolean {
  return path.startsWith('/auth/')
}

async function send(path: string, options: RequestOptions, accept = 'application/json'): Promise<Response> {
  const method = options.method ?? 'GET'
  const headers = new Headers({ ...options.headers, Accept: accept, 'Accept-Language': config.getLocale() })
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

/** Send, and on a 401 renew the session once and send again. */
async function sendWithRefresh(path: string, options: RequestOptions, accept?: string): Promise<Response> {
  let response = await send(path, options, accept)
  if (response.status === 401 && !isAuthPath(path)) {
    if (await refreshSession()) response = await send(path, options, accept)
    if (response.status === 401) {
      const error = await toApiError(response)
      config.onUnauthorized()
      throw error
    }
  }
  if (!response.ok) throw await toApiError(response)
  return response
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return parse<T>(await sendWithRefresh(path, options))
}

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

export async function download(path: string, query?: Query): Promise<Download> {
  const response = await sendWithRefresh(path, { method: 'GET', query }, '*/*')
  return { blob: await response.blob(), filename: filenameFrom(response.headers.get('Content-Disposition')) }
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

function xhrSend(path: string, file: Blob, filename: string, options: UploadOptions): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', buildUrl(path))
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

/**
 * Upload one file as multipart/form-data with upload progress (fetch cannot report it, so this
 * uses XMLHttpRequest). Same cookies, CSRF header, language and error handling as {@link request}.
 */
export async function upload<T>(path: string, file: File | Blob, options: UploadOptions = {}): Promise<T> {
  const filename = file instanceof File ? file.name : 'upload'
  let xhr = await xhrSend(path, file, filename, options)
  if (xhr.status === 401) {
    if (await refreshSession()) xhr = await xhrSend(path, file, filename, options)
    if (xhr.status === 401) {
      const error = await toApiError(xhrResponse(xhr))
      config.onUnauthorized()
      throw error
    }
  }
  const response = xhrResponse(xhr)
  if (!response.ok) throw await toApiError(response)
  return parse<T>(response)
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>(path, { method: 'GET', query, signal }),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>(path, { method: 'POST', body, headers }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  put: <T>(path: string, body: unknown) => request<T>(path, { method: 'PUT', body }),
  delete: <T = void>(path: string) => request<T>(path, { method: 'DELETE' }),
}
