import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { type Component, defineComponent } from 'vue'
import { createMemoryHistory, createRouter, type RouteRecordRaw, type Router } from 'vue-router'

import { configureHttp } from '@/api/http'
import { currentLocale, i18n, setLocale } from '@/i18n'
import { routes } from '@/router/routes'

const Stub = defineComponent({ render: () => null })

function stubbed(records: RouteRecordRaw[]): RouteRecordRaw[] {
  return records.map((record) => {
    const copy = { ...record } as RouteRecordRaw & { component?: unknown; children?: RouteRecordRaw[] }
    if ('component' in record && record.component) copy.component = Stub
    if (record.children) copy.children = stubbed(record.children)
    return copy as RouteRecordRaw
  })
}

/** Mount one view with the app's plugins, at `path` of the real route table (views stubbed). */
export async function mountView(view: Component, path = '/') {
  setLocale('zh-CN')
  configureHttp({ getLocale: currentLocale, onUnauthorized: () => {} })
  const pinia = createPinia()
  setActivePinia(pinia)
  const router: Router = createRouter({ history: createMemoryHistory(), routes: stubbed(routes) })
  await router.push(path)
  const wrapper = mount(view, { global: { plugins: [pinia, i18n, router] }, attachTo: document.body })
  await settle()
  return { wrapper, router, pinia }
}

/** Mount a component with props and the app's plugins, the router at `path`. */
export async function mountWith<P extends Record<string, unknown>>(
  component: Component,
  props: P,
  path = '/',
  before?: () => void,
) {
  setLocale('zh-CN')
  configureHttp({ getLocale: currentLocale, onUnauthorized: () => {} })
  const pinia = createPinia()
  setActivePinia(pinia)
  before?.()
  const router: Router = createRouter({ history: createMemoryHistory(), routes: stubbed(routes) })
  await router.push(path)
  const wrapper = mount(component, { props, global: { plugins: [pinia, i18n, router] }, attachTo: document.body })
  await settle()
  return { wrapper, router, pinia }
}

/**
 * Let promises, Element Plus's async validation and re-renders finish. Form items show their
 * message through a 100 ms debounce, hence the short wait at the end.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
  await new Promise((r) => setTimeout(r, 120))
  await flushPromises()
}
