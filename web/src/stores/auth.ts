import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { authApi } from '@/api/auth'
import { CSRF_COOKIE, readCookie } from '@/api/http'
import { meApi } from '@/api/me'
import type { LoginInput, ProfileUpdate, RegisterInput, Role, User } from '@/api/types'

export interface ConsoleLinks {
  /** "Merchant console": the user owns or works in a shop. */
  merchant: boolean
  /** "Open a shop": offered to everyone else. */
  openShop: boolean
  /** "Platform console": platform admins only. */
  admin: boolean
}

export function consoleLinksFor(roles: readonly Role[] | null | undefined): ConsoleLinks {
  const list = roles ?? []
  const merchant = list.includes('shop_owner') || list.includes('shop_staff')
  return { merchant, openShop: !merchant, admin: list.includes('platform_admin') }
}

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  /** True once the first `GET /me` has answered (either way). */
  const ready = ref(false)
  let initializing: Promise<void> | null = null

  const isLoggedIn = computed(() => user.value !== null)
  const roles = computed<Role[]>(() => user.value?.roles ?? [])
  const links = computed(() => consoleLinksFor(roles.value))
  const displayName = computed(() => user.value?.nickname || user.value?.email || '')

  function hasRole(role: Role): boolean {
    return roles.value.includes(role)
  }

  async function fetchMe(): Promise<User | null> {
    try {
      user.value = await meApi.get()
    } catch {
      user.value = null
    }
    return user.value
  }

  /**
   * Learn who is logged in, once per page load; later calls wait for the same answer.
   * The server sets and clears the readable CSRF cookie together with the httpOnly session
   * and refresh cookies, so without it there is no session to ask about.
   */
  function init(): Promise<void> {
    initializing ??= (readCookie(CSRF_COOKIE) ? fetchMe() : Promise.resolve(null)).then(() => {
      ready.value = true
    })
    return initializing
  }

  async function login(input: LoginInput): Promise<User> {
    const result = await authApi.login(input)
    user.value = result.user
    ready.value = true
    return result.user
  }

  async function register(input: RegisterInput): Promise<User> {
    const result = await authApi.register(input)
    user.value = result.user
    ready.value = true
    return result.user
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      clear()
    }
  }

  async function updateProfile(input: ProfileUpdate): Promise<User> {
    user.value = await meApi.update(input)
    return user.value
  }

  /** Forget the user locally (after logout or an unrecoverable 401). */
  function clear(): void {
    user.value = null
    ready.value = true
  }

  return {
    user,
    ready,
    isLoggedIn,
    roles,
    links,
    displayName,
    hasRole,
    init,
    fetchMe,
    login,
    register,
    logout,
    updateProfile,
    clear,
  }
})
