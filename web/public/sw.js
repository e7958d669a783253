/*
 * Vantage service worker (hand-written, no library).
 * - App shell and hashed assets: cache first (assets never change under a hashed name). The page's
 *   own scripts and styles are kept at install, so the app starts offline even when the worker took
 *   control after they had loaded.
 * - Navigations: network first, falling back to the cached index.html (history-mode routes).
 * - API GETs: network first; every good answer is kept; offline, the kept answer is served with
 *   an X-Vantage-Cached-At header so the app can show how old it is.
 * - Who is signed in (/me) is kept like other answers, so an offline reload keeps the user's view;
 *   signing out drops all kept answers.
 * - The live stream, the session, downloaded templates and writes are never cached.
 */
const VERSION = 'v2'
const SHELL = `vantage-shell-${VERSION}`
const DATA = `vantage-data-${VERSION}`
const SHELL_FILES = ['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png']

/** The shell files and the scripts, styles and preloads index.html names. */
async function keepShell() {
  const cache = await caches.open(SHELL)
  await cache.addAll(SHELL_FILES)
  const page = await cache.match('/')
  const html = page ? await page.text() : ''
  const assets = [...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))]
  await cache.addAll(assets)
  // the fonts the styles name, so text looks the same offline
  const fonts = []
  for (const css of assets.filter((a) => a.endsWith('.css'))) {
    const kept = await cache.match(css)
    const text = kept ? await kept.text() : ''
    for (const m of text.matchAll(/url\((\/assets\/[^)]+\.woff2)\)/g)) fonts.push(m[1])
  }
  await cache.addAll([...new Set(fonts)])
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    keepShell()
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== SHELL && key !== DATA).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  )
})

async function withCachedAt(response, cachedAt) {
  const headers = new Headers(response.headers)
  headers.set('X-Vantage-Cached-At', cachedAt)
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers })
}

async function apiNetworkFirst(request) {
  const cache = await caches.open(DATA)
  try {
    const response = await fetch(request)
    if (response.ok) {
      const headers = new Headers(response.headers)
      headers.set('X-Vantage-Stored-At', new Date().toISOString())
      cache.put(request, new Response(await response.clone().blob(), { status: response.status, statusText: response.statusText, headers })).catch(() => undefined)
    }
    return response
  } catch (error) {
    const kept = await cache.match(request)
    if (!kept) throw error
    return withCachedAt(kept, kept.headers.get('X-Vantage-Stored-At') || new Date(0).toISOString())
  }
}

async function shellCacheFirst(request) {
  const cache = await caches.open(SHELL)
  const kept = await cache.match(request)
  if (kept) return kept
  const response = await fetch(request)
  if (response.ok) cache.put(request, response.clone()).catch(() => undefined)
  return response
}

async function navigation(request) {
  const cache = await caches.open(SHELL)
  try {
    const response = await fetch(request)
    if (response.ok) cache.put('/', response.clone()).catch(() => undefined)
    return response
  } catch (error) {
    const kept = await cache.match('/')
    if (kept) return kept
    throw error
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/api/')) {
    if (url.pathname === '/api/v1/stream' || url.pathname.startsWith('/api/v1/session')) return
    // files to download (task templates) are not data to keep for offline use
    if (url.pathname.startsWith('/api/v1/tasks/template.')) return
    event.respondWith(apiNetworkFirst(request))
  } else if (request.mode === 'navigate') {
    event.respondWith(navigation(request))
  } else if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/')) {
    event.respondWith(shellCacheFirst(request))
  }
})

// Signing out must not leave one user's figures readable offline by the next.
self.addEventListener('message', (event) => {
  if (event.data === 'clear-data') event.waitUntil(caches.delete(DATA))
})
