import { api, data } from './http'
import type { LoginInput, RegisterInput } from './types'

export const authApi = {
  register: (body: RegisterInput) => data(api.POST('/auth/register', { body })),
  login: (body: LoginInput) => data(api.POST('/auth/login', { body })),
  /** A proof-of-work challenge, for a login answered `challenge_required`. */
  challenge: () => data(api.POST('/auth/challenges')),
  /** The browser's refresh token travels in its cookie, so no body is sent. */
  refresh: () => data(api.POST('/auth/refresh')),
  logout: () => data(api.POST('/auth/logout')),
}
