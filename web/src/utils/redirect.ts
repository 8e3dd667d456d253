/**
 * Where to go after logging in: only paths inside this app are accepted, so a crafted
 * `?redirect=https://elsewhere` or `//elsewhere` cannot send the user off-site.
 */
export function safeRedirect(value: unknown, fallback = '/'): string {
  const raw = Array.isArray(value) ? value[0] : value
  if (typeof raw !== 'string') return fallback
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback
  if (raw.startsWith('/login') || raw.startsWith('/register')) return fallback
  return raw
}
