/**
 * The app's single subscription to /api/v1/stream: changed cells (`change`) and steps in alerts'
 * lives (`alert`). Views register listeners; the connection is shared, reopened after sign-in/out
 * (the server filters events by the caller's rights) and reopened by hand when the browser gives
 * up (EventSource stops retrying after an HTTP error, e.g. a 502/503 while the server restarts).
 */
import { ref, shallowRef, onBeforeUnmount } from 'vue'
import type { AlertState, Severity, TimelineEvent } from './api'

export interface ChangeEvent {
  id: string
  indicator: string
  unit: string
  period: string
  old_value: number | null
  new_value: number | null
  old_status: string | null
  new_status: string | null
  /** When the browser received it. */
  receivedAt: Date
  raw: Record<string, unknown>
}

/** A step in an alert's life (a timeline entry), as the stream tells it. */
export interface AlertEvent {
  /** The alert's id. */
  alert: number
  event: TimelineEvent
  actor: string | null
  state: AlertState
  severity: Severity
  holds: boolean
  indicator: string
  unit: string
  period: string
  /** The agency or unit code it is assigned to. */
  assignee: string | null
  escalated: boolean
}

export type StreamState = 'idle' | 'connecting' | 'open' | 'retrying'

export const streamState = ref<StreamState>('idle')
/** When the last event arrived, or the connection (re)opened: what the freshness marker shows. */
export const lastEventAt = ref<Date | null>(null)
/** The latest events, newest first. */
export const recentChanges = shallowRef<ChangeEvent[]>([])
/** Bumped on every reconnection so views refetch what they may have missed. */
export const reconnections = ref(0)

const RECENT_LIMIT = 50
const MAX_BACKOFF_MS = 30_000

const changeListeners = new Set<(event: ChangeEvent) => void>()
const alertListeners = new Set<(event: AlertEvent) => void>()
let source: EventSource | null = null
let retryTimer: ReturnType<typeof setTimeout> | undefined
let backoff = 1000
let opened = false

function pick(data: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (data[name] !== undefined) return data[name]
  return undefined
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** Reads a change event; tolerant of the nesting the server chooses ({old:{value,status}} or flat fields). */
export function parseChange(id: string, text: string, receivedAt = new Date()): ChangeEvent | null {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(text)
  } catch {
    return null
  }
  const old = (data.old ?? {}) as Record<string, unknown>
  const next = (data.new ?? {}) as Record<string, unknown>
  const unit = data.unit
  return {
    id,
    indicator: String(data.indicator ?? ''),
    unit: typeof unit === 'object' && unit ? String((unit as { code?: string }).code ?? '') : String(unit ?? ''),
    period: String(data.period ?? ''),
    old_value: numberOrNull(pick(data, 'old_value') ?? old.value),
    new_value: numberOrNull(pick(data, 'new_value', 'value') ?? next.value),
    old_status: stringOrNull(pick(data, 'old_status') ?? old.status),
    new_status: stringOrNull(pick(data, 'new_status', 'status') ?? next.status),
    receivedAt,
    raw: data,
  }
}

/** Reads an alert event; null when it is not one. */
export function parseAlertEvent(text: string): AlertEvent | null {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof data.id !== 'number' || typeof data.state !== 'string') return null
  return {
    alert: data.id,
    event: String(data.event ?? '') as TimelineEvent,
    actor: stringOrNull(data.actor),
    state: data.state as AlertState,
    severity: String(data.severity ?? '') as Severity,
    holds: data.holds === true,
    indicator: String(data.indicator ?? ''),
    unit: String(data.unit ?? ''),
    period: String(data.period ?? ''),
    assignee: stringOrNull(data.assignee),
    escalated: data.escalated === true,
  }
}

function dispatch<T>(listeners: Set<(event: T) => void>, event: T): void {
  lastEventAt.value = new Date()
  for (const listener of listeners) {
    try {
      listener(event)
    } catch (error) {
      console.warn('stream listener failed', error)
    }
  }
}

function connect(): void {
  clearTimeout(retryTimer)
  source?.close()
  streamState.value = 'connecting'
  const es = new EventSource('/api/v1/stream', { withCredentials: true })
  source = es
  es.onopen = () => {
    streamState.value = 'open'
    backoff = 1000
    lastEventAt.value = new Date()
    if (opened) reconnections.value++
    opened = true
  }
  es.addEventListener('change', (message) => {
    const event = message as MessageEvent<string>
    const change = parseChange(event.lastEventId, event.data)
    if (!change) return
    recentChanges.value = [change, ...recentChanges.value].slice(0, RECENT_LIMIT)
    dispatch(changeListeners, change)
  })
  es.addEventListener('alert', (message) => {
    const event = parseAlertEvent((message as MessageEvent<string>).data)
    if (event) dispatch(alertListeners, event)
  })
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      streamState.value = 'retrying'
      retryTimer = setTimeout(connect, backoff)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    } else {
      streamState.value = 'retrying' // the browser retries by itself, sending Last-Event-ID
    }
  }
}

export function startStream(): void {
  if (!source) connect()
}

/** After the session changes: the server decides per connection which cells we may see. */
export function restartStream(): void {
  recentChanges.value = []
  connect()
}

export function onChange(listener: (event: ChangeEvent) => void): () => void {
  changeListeners.add(listener)
  return () => changeListeners.delete(listener)
}

export function onAlert(listener: (event: AlertEvent) => void): () => void {
  alertListeners.add(listener)
  return () => alertListeners.delete(listener)
}

/**
 * For components: calls `refresh` (debounced) when an event that `subscribe` hands over matches
 * `interested`, and after a reconnection (events may have been missed while the stream was down).
 */
function useRefreshOn<T>(subscribe: (listener: (event: T) => void) => () => void, interested: (event: T) => boolean, refresh: () => void, delayMs: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(refresh, delayMs)
  }
  const stop = subscribe((event) => {
    if (interested(event)) schedule()
  })
  let seen = reconnections.value
  const poll = setInterval(() => {
    if (reconnections.value !== seen) {
      seen = reconnections.value
      schedule()
    }
  }, 1000)
  onBeforeUnmount(() => {
    stop()
    clearTimeout(timer)
    clearInterval(poll)
  })
}

/** Refreshes on changed cells that match `interested`. */
export function useLiveRefresh(interested: (event: ChangeEvent) => boolean, refresh: () => void, delayMs = 150): void {
  useRefreshOn(onChange, interested, refresh, delayMs)
}

/** Refreshes on steps in alerts' lives that match `interested`. */
export function useAlertRefresh(interested: (event: AlertEvent) => boolean, refresh: () => void, delayMs = 150): void {
  useRefreshOn(onAlert, interested, refresh, delayMs)
}
