import { createPinia } from 'pinia'
import { createApp, watch } from 'vue'

import App from './App.vue'
import { configureHttp } from './api/http'
import { currentLocale, i18n, setLocale } from './i18n'
import { createAppRouter, pageTitle } from './router'
import { useAuthStore } from './stores/auth'
import { useMerchantStore } from './stores/merchant'
import './styles/main.css'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()
app.use(pinia).use(i18n).use(router)

configureHttp({
  getLocale: currentLocale,
  onUnauthorized: () => {
    // The session is gone and could not be renewed: forget the user, and leave pages
    // that need one for the login page (which brings them back afterwards).
    useAuthStore().clear()
    useMerchantStore().reset()
    const route = router.currentRoute.value
    if (route.matched.some((r) => r.meta.requiresAuth)) {
      void router.push({ name: 'login', query: { redirect: route.fullPath } })
    }
  },
})

setLocale(currentLocale())
watch(i18n.global.locale, () => {
  document.title = pageTitle(router.currentRoute.value)
})

app.mount('#app')
