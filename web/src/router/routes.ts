import type { RouteRecordRaw } from 'vue-router'

import type { Role } from '@/api/types'

declare module 'vue-router' {
  interface RouteMeta {
    /** Anonymous visitors are sent to /login?redirect=... */
    requiresAuth?: boolean
    /** Logged-in users are sent on (to ?redirect= or home). */
    guestOnly?: boolean
    /** Users without this role see the not-found page, as if the area did not exist. */
    role?: Role
    /** i18n key of the document title. */
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/merchant',
    component: () => import('@/layouts/MerchantLayout.vue'),
    meta: { requiresAuth: true, title: 'merchant.title' },
    children: [
      {
        path: '',
        name: 'merchant-dashboard',
        component: () => import('@/views/merchant/DashboardView.vue'),
      },
      {
        path: 'apply',
        name: 'merchant-apply',
        component: () => import('@/views/merchant/ApplyView.vue'),
        meta: { title: 'merchant.apply.title' },
      },
      {
        path: 'profile',
        name: 'merchant-profile',
        component: () => import('@/views/merchant/ShopProfileView.vue'),
        meta: { title: 'merchant.profile.title' },
      },
      {
        path: 'staff',
        name: 'merchant-staff',
        component: () => import('@/views/merchant/StaffView.vue'),
        meta: { title: 'merchant.staff.title' },
      },
    ],
  },
  {
    path: '/admin',
    component: () => import('@/layouts/AdminLayout.vue'),
    meta: { requiresAuth: true, role: 'platform_admin', title: 'admin.title' },
    children: [
      { path: '', name: 'admin', redirect: { name: 'admin-shops' } },
      {
        path: 'shops',
        name: 'admin-shops',
        component: () => import('@/views/admin/ShopApplicationsView.vue'),
        meta: { title: 'admin.shops.title' },
      },
    ],
  },
  {
    path: '/',
    component: () => import('@/layouts/StorefrontLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('@/views/storefront/HomeView.vue') },
      {
        path: 'shops/:shopId',
        name: 'shop',
        component: () => import('@/views/storefront/ShopView.vue'),
        props: true,
      },
      {
        path: 'login',
        name: 'login',
        component: () => import('@/views/storefront/LoginView.vue'),
        meta: { guestOnly: true, title: 'auth.loginTitle' },
      },
      {
        path: 'register',
        name: 'register',
        component: () => import('@/views/storefront/RegisterView.vue'),
        meta: { guestOnly: true, title: 'auth.registerTitle' },
      },
      {
        path: 'account',
        name: 'account',
        component: () => import('@/views/account/AccountView.vue'),
        meta: { requiresAuth: true, title: 'account.title' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { title: 'errors.notFoundTitle' },
      },
    ],
  },
]
