import { vi } from 'vitest'

export interface RecordedCall {
  url: string
  method: string
  headers: Headers
  body: unknown
  credentials: RequestCredentials | undefined
}

export type Responder = (call: RecordedCall) => Response | Promise<Response>

export function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': contentType },
  })
}

export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: { field: string; code: string; message: string }[],
): Response {
  return json(
    status,
    { type: `https://jishi.dev/problems/${code}`, title: 'Error', status, code, detail, errors, request_id: 'req-1' },
    'application/problem+json',
  )
}

/** The path and query of `url`, without this page's origin (the client sends absolute URLs). */
function sameOriginPath(url: string): string {
  return url.startsWith(location.origin) ? url.slice(location.origin.length) : url
}

function recorded(input: RequestInfo | URL, init: RequestInit, body?: string): RecordedCall {
  if (input instanceof Request) {
    return {
      url: sameOriginPath(input.url),
      method: input.method,
      headers: new Headers(input.headers),
      body: body ? JSON.parse(body) : undefined,
      credentials: input.credentials,
    }
  }
  return {
    url: sameOriginPath(String(input)),
    method: init.method ?? 'GET',
    headers: new Headers(init.headers),
    body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    credentials: init.credentials,
  }
}

/**
 * Replace global fetch with `responder`; returns the list of calls it saw. A call without a body
 * reaches `responder` at once, as a real fetch starts at once (tests rely on that order).
 */
export function mockFetch(responder: Responder): RecordedCall[] {
  const calls: RecordedCall[] = []
  const answer = (call: RecordedCall) => {
    calls.push(call)
    return responder(call)
  }
  vi.stubGlobal(
    'fetch',
    vi.fn((input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
      if (input instanceof Request && input.body !== null) {
        return input.clone().text().then((body) => answer(recorded(input, init, body)))
      }
      return new Promise((resolve) => resolve(answer(recorded(input, init))))
    }),
  )
  return calls
}

export function setCookies(...pairs: string[]): void {
  for (const cookie of document.cookie.split(';')) {
    const name = cookie.split('=')[0]?.trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
  for (const pair of pairs) document.cookie = `${pair}; path=/`
}

export const flush = () => new Promise((resolve) => setTimeout(resolve, 0))
