import { HTTP_ERROR, isApiError, NETWORK_ERROR } from '@/api/http'
import type { Translate } from './validation'

/** A message for any error thrown by an API call, in the current UI language. */
export function errorMessage(error: unknown, t: Translate): string {
  if (isApiError(error)) {
    if (error.code === NETWORK_ERROR) return t('errors.network')
    if (error.code === HTTP_ERROR || !error.detail) return t('errors.generic')
    return error.detail
  }
  return t('errors.generic')
}
