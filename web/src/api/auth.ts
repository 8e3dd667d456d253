import { http } from './http'
import type { AuthResult, LoginInput, RegisterInput } from './types'

export const authApi = {
  register: (body: RegisterInput) => http.post<AuthResult>('/auth/register', body),
  login: (body: LoginInput) => http.post<AuthResult>('/auth/login', body),
  /** The browser's refresh token travels in its cookie, so no body is sent. */
  refresh: () => http.post<AuthResult>('/auth/refresh'),
  logout: () => http.post<void>('/auth/logout'),
}
