/** Who is signed in, and what the interface offers them. The server enforces; this only hides. */
import { computed, ref } from 'vue'
import { api, ApiError, type Me } from './api'
import { isCentre } from './alerts'
import { restartStream } from './stream'
import { resetCatalogue } from './catalogue'
import { clearOfflineData } from './offline'

export const me = ref<Me | null>(null)
export const sessionChecked = ref(false)

/** The operations centre keeps the dashboards' layouts. */
export const canEditLayouts = computed(() => isCentre(me.value?.role))

/** Who reports values (the tasks list answers them). */
export const canEnterData = computed(() => !!me.value && ['admin', 'data_owner'].includes(me.value.role))
/** Who keeps pull connectors: those who write values (a data owner its own, an admin every one). */
export const canKeepConnectors = canEnterData
/** The operations centre follows how departments and communes report. */
export const canSeeReportingRates = canEditLayouts
/** Who approves and returns values. */
export const canReview = computed(() => !!me.value && ['admin', 'leader'].includes(me.value.role))

/** The unit a scoped user is limited to (e.g. a commune's viewer), otherwise null. */
export const scopeUnit = computed(() => me.value?.unit ?? null)

export async function loadSession(): Promise<void> {
  try {
    me.value = await api.me()
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403)) console.warn('could not read the session', error)
    me.value = null
  } finally {
    sessionChecked.value = true
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  me.value = await api.signIn(username, password)
  // the answer of POST /session may be shorter than /me: read the grant as /me states it
  await loadSession()
  resetCatalogue()
  restartStream()
}

export async function signOut(): Promise<void> {
  try {
    await api.signOut()
  } finally {
    me.value = null
    clearOfflineData()
    resetCatalogue()
    restartStream()
  }
}
