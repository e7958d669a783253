import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { lang } from './i18n'
import { loadSession } from './session'
import { startStream } from './stream'
import { registerServiceWorker } from './offline'
import './styles/fonts.css'
import './styles/base.css'

document.documentElement.lang = lang.value

// The session decides what the first page shows: read it before mounting.
loadSession().finally(() => {
  createApp(App).use(router).mount('#app')
  startStream()
})
registerServiceWorker()
