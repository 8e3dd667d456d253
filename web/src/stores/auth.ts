import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { authApi } from '@/api/auth'
import { CSRF_COOKIE, isApiError, readCookie } from '@/api/http'
import { meApi } from '@/api/me'
import type { AuthResult, LoginInput, ProfileUpdate, RegisterInput, Role, User } from '@/api/types'
import { solveChallenge } from '@/utils/challenge'

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

const CHALLENGE_CODES = new Set(['challenge_required', 'challenge_failed'])

async function withSolvedChallenge(input: LoginInput): Promise<LoginInput> {
  const challenge = await authApi.challenge()
  return { ...input, challenge_id: challenge.challenge_id, solution: await solveChallenge(challenge) }
}

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  /** True once the first `GET /me` has answered (either way). */
  const ready = ref(false)
  /** A login is solving the challenge the server asked for. */
  const verifying = ref(false)
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

  /**
   * Sign in. When the account is under attack the server asks this network for a challenge
   * first (`challenge_required`): it is solved here, unseen, and the login sent again; once
   * more with a fresh one if that expired meanwhile (`challenge_failed`).
   */
  async function login(input: LoginInput): Promise<User> {
    let result: AuthResult | null = null
    for (let tries = 0; result === null; tries += 1) {
      try {
        verifying.value = tries > 0
        result = await authApi.login(tries === 0 ? input : await withSolvedChallenge(input))
      } catch (error) {
        const challenged = isApiError(error) && CHALLENGE_CODES.has(error.code)
        if (!challenged || tries >= 2) throw error
      } finally {
        verifying.value = false
      }
    }
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
    verifying,
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
