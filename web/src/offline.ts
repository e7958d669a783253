/** Registers the service worker that keeps the shell and the last API answers for offline use. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => {
      // Not fatal: the app works online without it (e.g. a CSP that forbids workers).
      console.warn('service worker not registered:', error?.message ?? error)
    })
  })
}

/** Drops the kept API answers (after signing out, so the next user of the device cannot read them). */
export function clearOfflineData(): void {
  navigator.serviceWorker?.controller?.postMessage('clear-data')
}
