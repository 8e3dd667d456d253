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

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory('/'),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
  router.beforeEach((to) => accessGuard(to, useAuthStore()))
  router.afterEach((to) => {
    document.title = pageTitle(to)
  })
  return router
}
