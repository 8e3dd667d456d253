import { createRouter, createWebHistory, type RouteLocationNormalized, type Router } from 'vue-router'

import { i18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import { accessGuard } from './guards'
import { routes } from './routes'

export function pageTitle(route: RouteLocationNormalized): string {
  const { t } = i18n.global
  const brand = t('app.name')
  return route.meta.title ? `${t(route.meta.title)} · ${brand}` : `${brand} · ${t('app.tagline')}`
}

/**
 * Back/forward restores the position; a new page starts at the top. Changing only a list's
 * filters (the query, same path and same search words) keeps the reader where they were.
 */
export function keepScrollOnFilter(
  to: RouteLocationNormalized,
  from: RouteLocationNormalized,
  saved: { left: number; top: number } | null,
): { left?: number; top: number } | false {
  if (saved) return saved
  if (to.path === from.path && to.hash === from.hash && to.query.q === from.query.q) return false
  return { top: 0 }
}

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory('/'),
    routes,
    scrollBehavior: keepScrollOnFilter,
  })
  router.beforeEach((to) => accessGuard(to, useAuthStore()))
  router.afterEach((to) => {
    document.title = pageTitle(to)
  })
  return router
}
