import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'

import type { Role } from '@/api/types'
import { safeRedirect } from '@/utils/redirect'

/** What the guard needs to know about the visitor (the auth store satisfies it). */
export interface Visitor {
  init: () => Promise<void>
  isLoggedIn: boolean
  hasRole: (role: Role) => boolean
}

/** Show the not-found page while keeping the URL the visitor typed. */
export function notFoundAt(to: RouteLocationNormalized): RouteLocationRaw {
  return {
    name: 'not-found',
    params: { pathMatch: to.path.slice(1).split('/') },
    query: to.query,
    hash: to.hash,
  }
}

export async function accessGuard(
  to: RouteLocationNormalized,
  visitor: Visitor,
): Promise<RouteLocationRaw | true> {
  await visitor.init()
  if (to.meta.requiresAuth && !visitor.isLoggedIn) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.meta.guestOnly && visitor.isLoggedIn) {
    return safeRedirect(to.query.redirect)
  }
  if (to.meta.role && !visitor.hasRole(to.meta.role)) {
    return notFoundAt(to)
  }
  return true
}
