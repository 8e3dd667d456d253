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
    /** Console menu item to highlight when the page itself is not in the menu. */
    menu?: string
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
      {
        path: 'products',
        name: 'merchant-products',
        component: () => import('@/views/merchant/ProductsView.vue'),
        meta: { title: 'merchant.products.title' },
      },
      {
        path: 'products/new',
        name: 'merchant-product-new',
        component: () => import('@/views/merchant/ProductEditorView.vue'),
        meta: { title: 'merchant.editor.newTitle', menu: 'merchant-products' },
      },
      {
        path: 'products/:productId/edit',
        name: 'merchant-product-edit',
        component: () => import('@/views/merchant/ProductEditorView.vue'),
        props: true,
        meta: { title: 'merchant.editor.editTitle', menu: 'merchant-products' },
      },
      {
        path: 'products/import',
        name: 'merchant-product-import',
        component: () => import('@/views/merchant/ProductImportView.vue'),
        meta: { title: 'merchant.import.title' },
      },
      {
        path: 'orders',
        name: 'merchant-orders',
        component: () => import('@/views/merchant/OrdersView.vue'),
        meta: { title: 'merchant.orders.title' },
      },
      {
        path: 'orders/:orderId',
        name: 'merchant-order',
        component: () => import('@/views/merchant/OrderDetailView.vue'),
        props: true,
        meta: { title: 'orders.detail', menu: 'merchant-orders' },
      },
      {
        path: 'inventory/low-stock',
        name: 'merchant-low-stock',
        component: () => import('@/views/merchant/LowStockView.vue'),
        meta: { title: 'merchant.lowStock.title' },
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
      {
        path: 'categories',
        name: 'admin-categories',
        component: () => import('@/views/admin/CategoriesView.vue'),
        meta: { title: 'admin.categories.title' },
      },
      {
        path: 'brands',
        name: 'admin-brands',
        component: () => import('@/views/admin/BrandsView.vue'),
        meta: { title: 'admin.brands.title' },
      },
      {
        path: 'search-synonyms',
        name: 'admin-synonyms',
        component: () => import('@/views/admin/SynonymsView.vue'),
        meta: { title: 'admin.synonyms.title' },
      },
    ],
  },
  {
    path: '/',
    component: () => import('@/layouts/StorefrontLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('@/views/storefront/HomeView.vue') },
      {
        path: 'c/:categoryId',
        name: 'category',
        component: () => import('@/views/storefront/CategoryView.vue'),
        props: true,
      },
      {
        path: 'search',
        name: 'search',
        component: () => import('@/views/storefront/SearchView.vue'),
      },
      {
        path: 'p/:productId',
        name: 'product',
        component: () => import('@/views/storefront/ProductView.vue'),
        props: true,
      },
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
        path: 'account/orders',
        name: 'orders',
        component: () => import('@/views/account/OrdersView.vue'),
        meta: { requiresAuth: true, title: 'orders.title' },
      },
      {
        path: 'account/orders/:orderId',
        name: 'order',
        component: () => import('@/views/account/OrderDetailView.vue'),
        props: true,
        meta: { requiresAuth: true, title: 'orders.detail' },
      },
      {
        path: 'cart',
        name: 'cart',
        component: () => import('@/views/storefront/CartView.vue'),
        meta: { title: 'cart.title' },
      },
      {
        path: 'checkout',
        name: 'checkout',
        component: () => import('@/views/storefront/CheckoutView.vue'),
        meta: { requiresAuth: true, title: 'checkout.title' },
      },
      {
        path: 'pay/:paymentId',
        name: 'pay',
        component: () => import('@/views/storefront/PayView.vue'),
        props: true,
        meta: { requiresAuth: true, title: 'pay.title' },
      },
      {
        path: 'payments/:paymentId/result',
        name: 'payment-result',
        component: () => import('@/views/storefront/PaymentResultView.vue'),
        props: true,
        meta: { requiresAuth: true, title: 'paymentResult.title' },
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
