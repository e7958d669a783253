/** The one client of the Vantage HTTP API (same origin, cookie session). */
import { ref } from 'vue'

export type Status = 'met' | 'on_track' | 'at_risk' | 'missed' | 'no_data'
export type Role = 'admin' | 'leader' | 'operator' | 'data_owner' | 'viewer'
export type ChartKind = 'line' | 'bar' | 'number'

export interface UnitRef {
  code: string
  level: string
  name: string
}

export interface TargetView {
  kind: 'at_least' | 'at_most' | 'range'
  value: number
  max: number | null
  period: string
}

export interface ForecastView {
  method: 'seasonal' | 'linear'
  value: number
  days_elapsed: number
  days_total: number
  last_year_to_date: number | null
  last_year_total: number | null
}

export interface Explanation {
  rule: 'period_complete' | 'already_decided' | 'forecast' | 'current_value' | 'no_value'
  polarity: 'higher_better' | 'lower_better' | 'target_range'
  compared: number | null
  target: TargetView
  forecast: ForecastView | null
}

export interface Figures {
  indicator: string
  unit: UnitRef
  period: string
  value: number | null
  year_to_date: number | null
  last_year: number | null
  change: number | null
  change_percent: number | null
  target_percent: number | null
  status: Status | null
  explanation: Explanation | null
  carried: boolean
}

export interface FiguresList {
  unit: UnitRef
  /** null when nothing is reported yet (then `items` is empty). */
  period: string | null
  items: Figures[]
}

export interface Indicator {
  code: string
  name_vi: string
  name_en: string
  domain: string
  measure: string
  frequency: string
  time_aggregation: string
  space_aggregation: string
  polarity: 'higher_better' | 'lower_better' | 'target_range'
  cumulative: boolean
  levels: string
  owner_agency: string
  formula: string | null
  public: boolean
  source: string
  confidence: string
  /** When each period's value is due: `day 20`, `+5wd`, `+0d 17:00`. */
  deadline?: string
  /** Counted by Vantage from the reporting calendar, never entered (null for every other indicator). */
  computed?: 'reports_expected' | 'reports_received' | 'reports_on_time' | null
}

export interface Unit {
  code: string
  name: string
  kind: string
  level: string
  parent: string | null
  point: { lat: number; lon: number } | null
  valid_from: string | null
  valid_to: string | null
}

export interface Lineage {
  old_code: string
  new_code: string
  kind: string
  date: string
  weight: number
}

export interface UnitDetail {
  record: Unit
  children: number
  history: Unit[]
  predecessors: Lineage[]
  successors: Lineage[]
}

export interface SeriesView {
  indicator: string
  unit: UnitRef
  type: string
  points: { period: string; value: number | null }[]
}

export interface Me {
  username: string
  role: Role
  agency: string
  domains: string[]
  unit: string | null
}

export interface DashboardTile {
  indicator: string
  hidden: boolean
  pinned: boolean
  chart: ChartKind
}

/** A dashboard the caller can see: the overview or a field (domain), with its names. */
export interface DashboardEntry {
  id: string
  name_vi: string
  name_en: string
  indicators: number
}

export interface Dashboard {
  id: string
  tiles: DashboardTile[]
  saved: boolean
  updated_by: string | null
  updated_at: string | null
}

export interface HistoryEntry {
  revision: number
  value: number
  status: string
  comment: string | null
  source: string
  author: string
  recorded_at: string
}

export interface Site {
  basemap_style: string | null
}

export interface UnitFeature {
  type: 'Feature'
  id: string
  geometry: { type: 'Point' | 'Polygon' | 'MultiPolygon'; coordinates: unknown } | null
  properties: Unit & { approximate?: boolean }
}

export interface UnitCollection {
  type: 'FeatureCollection'
  features: UnitFeature[]
}

/** One rejected item of a write (e.g. a tile of a layout), as the problem document lists it. */
export interface ItemError {
  index: number
  field: string
  reason: string
}

/** Where a reporting task stands. `late` hides a draft or returned value once the deadline has passed. */
export type TaskState = 'not_started' | 'draft' | 'submitted' | 'approved' | 'returned' | 'late'
export type ObservationStatus = 'draft' | 'submitted' | 'approved' | 'returned'

/** One value a data owner is expected to report, with its deadline. */
export interface Task {
  indicator: string
  name_vi: string
  name_en: string
  unit: string
  period: string
  /** Local time with its offset, e.g. 2026-09-21T23:59:59+07:00. */
  deadline: string
  state: TaskState
  value: number | null
}

export interface TaskList {
  unit: string
  from: string
  to: string
  items: Task[]
}

/** One value to write (or to check without writing). */
export interface ObservationWrite {
  indicator: string
  unit: string
  period: string
  value: number
  comment: string | null
  status: 'draft' | 'submitted'
}

export interface CellRef {
  indicator: string
  unit: string
  period: string
}

/** An unusual value against the cell's own history (robust z-score); the user may confirm it. */
export interface ValueWarning extends ItemError {
  median: number | null
  low: number | null
  high: number | null
  z: number | null
}

export interface CheckAnswer {
  errors: ItemError[]
  warnings: ValueWarning[]
}

export interface StatusSummary {
  changed: number
  rejected: ItemError[]
}

/** A value waiting for review (or an approved one, for unlocking). */
export interface ReviewItem {
  indicator: string
  name_vi: string
  name_en: string
  unit: string
  unit_name: string
  period: string
  value: number
  status: ObservationStatus
  comment: string | null
  author: string
  recorded_at: string
}

export type StatusAction = 'submit' | 'approve' | 'return' | 'unlock'

/** The answer to an uploaded file of values; `index` of a rejected row is its spreadsheet row. */
export interface UploadSummary {
  created: number
  updated: number
  unchanged: number
  /** Rows left without a value (nor comment), passed over. */
  skipped: number
  rejected: ItemError[]
  /** The rejected rows as CSV (with their row and errors), to fix and upload again; null when none. */
  rejected_csv: string | null
}

export type TemplateFormat = 'xlsx' | 'csv'

// ---- alerts (docs/ALERTS.md) ----

export type Severity = 'critical' | 'major' | 'minor' | 'warning'
export type AlertState = 'open' | 'acknowledged' | 'assigned' | 'explanation_submitted' | 'accepted' | 'closed'
export type AlertAction = 'acknowledge' | 'assign' | 'submit_explanation' | 'accept' | 'return' | 'close'
/** What a timeline entry records: a step someone took, or what Vantage itself noted. */
export type TimelineEvent = AlertAction | 'opened' | 'cleared' | 'holds_again' | 'reminded' | 'escalated'

/** A target as a finding states it (a range has its own minimum). */
export type TargetBound = { kind: 'at_least' | 'at_most'; value: number } | { kind: 'range'; min: number; max: number }

/** The figures that made a rule's condition hold. */
export type AlertFinding =
  | { kind: 'target'; missed: boolean; compared: number; target: TargetBound; forecast?: number }
  /** The run of values beyond the rule's threshold, oldest first. */
  | { kind: 'threshold'; comparison: 'above' | 'below'; threshold: number; values: number[] }
  /** `percent` is negative for a drop. */
  | { kind: 'year_on_year'; value: number; last_year: number; percent: number }
  | { kind: 'outlier'; value: number; median: number; low: number; high: number }
  /** No value by the reporting deadline (the province's civil time, `YYYY-MM-DDTHH:MM:SS`). */
  | { kind: 'late_data'; deadline: string }
  /** Alert `alert` waits for its explanation past `due`. */
  | { kind: 'overdue_explanation'; alert: number; due: string }

export interface Assignee {
  kind: 'agency' | 'unit'
  code: string
  name: string
}

export interface Alert {
  id: number
  rule: string
  rule_name: string
  /** The rule's English name, when it has one. */
  rule_name_en?: string | null
  severity: Severity
  indicator: string
  indicator_name_vi: string
  indicator_name_en: string
  measure: string
  domain: string
  unit: string
  unit_name: string
  /** The newest period the condition was found on. */
  period: string
  finding: AlertFinding
  state: AlertState
  /** Whether the condition still holds on the newest period judged. */
  holds: boolean
  public: boolean
  assignee: Assignee | null
  opened_at: string
  updated_at: string
  due_at: string | null
  reminded_at: string | null
  escalated_at: string | null
  /** The explanation is awaited past its deadline. */
  overdue: boolean
  triggers: number
  /** Bumped by every change; what a read marker records. */
  version: number
  /** Changed since the signed-in user last read it; null for anonymous callers. */
  unread: boolean | null
}

/** An alert as the user saw it, to mark read at that version. */
export interface ReadMark {
  id: number
  version: number
}

export interface AlertList {
  /** The most recently changed first, at most 500. */
  items: Alert[]
  truncated: boolean
  /** How many of the matching alerts (before the cut at 500) the caller has not read. */
  unread: number
}

export interface CorrectiveAction {
  action: string
  /** A civil date, YYYY-MM-DD. */
  due: string
}

export interface AlertExplanation {
  cause: string
  actions: CorrectiveAction[]
}

export interface AlertTimelineEntry {
  at: string
  /** The user; null for Vantage itself. */
  actor: string | null
  event: TimelineEvent
  note: string | null
  state: AlertState
  assignee: Assignee | null
  explanation: AlertExplanation | null
}

/** A file the assigned unit attached to its explanation. */
export interface AlertAttachment {
  id: number
  name: string
  media_type: string
  size: number
  sha256: string
  uploaded_by: string
  uploaded_at: string
}

export interface AlertDetail {
  alert: Alert
  timeline: AlertTimelineEntry[]
  attachments: AlertAttachment[]
  /** The steps the caller may take now. */
  allowed: AlertAction[]
}

/** Filters of GET /alerts; `state` is comma-separated (every state but closed when absent). */
export interface AlertFilters {
  state?: string
  severity?: Severity
  domain?: string
  unit?: string
  assignee?: string
  mine?: boolean
  escalated?: boolean
  unread?: boolean
}

export interface AlertStep {
  action: AlertAction
  note?: string
  /** For `assign`; the indicator's owner agency (province) or the unit itself when absent. */
  assignee?: { kind: Assignee['kind']; code: string }
  explanation?: AlertExplanation
}

// ---- pull connectors (docs/CONNECTORS.md) ----

/** One part of a value: read from each record at a JSON Pointer, or the same constant for every record. */
export type MappingField = { pointer: string } | { value: string }

export interface ConnectorMapping {
  /** A JSON Pointer to the list of records; empty when the document is the list. */
  records: string
  indicator: MappingField
  unit: MappingField
  period: MappingField
  value: MappingField
  comment?: MappingField | null
}

/** How the source is asked; lists show each secret as `********`, and sending that back keeps it. */
export type Credential =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'header'; name: string; value: string }

export interface Connector {
  id: string
  name: string
  url: string
  credential: Credential | null
  every_minutes: number
  enabled: boolean
  mapping: ConnectorMapping
}

export type RunTrigger = 'schedule' | 'retry' | 'manual'
export type RunOutcome = 'succeeded' | 'partial' | 'failed'

export interface ConnectorRun {
  id: number
  trigger: RunTrigger
  attempt: number
  started_at: string
  finished_at: string
  outcome: RunOutcome
  /** Records in the document. */
  records: number
  created: number
  updated: number
  unchanged: number
  /** Records refused. */
  rejected: number
  /** Why nothing was fetched (a failed run). */
  error: string | null
  /** The first problems of refused records: `index` in the document's list, the value's `field`. */
  problems: ItemError[]
  /** When a failed fetch is tried again. */
  retry_at: string | null
}

export interface ConnectorView {
  connector: Connector
  /** Whose grant the connector writes with: whoever saved it last. */
  updated_by: string
  updated_at: string
  last_run: ConnectorRun | null
  /** Null when disabled. */
  next_run_at: string | null
}

// ---- reporting rates (the operations centre) ----

/** How an owed report came: by its deadline, after it, not at all although due, or not due yet. */
export type Punctuality = 'on_time' | 'late' | 'missing' | 'pending'

export interface RatesFigures {
  /** Reports due by now, and those received before their deadline. */
  expected: number
  /** On time and late. */
  received: number
  on_time: number
  late: number
  missing: number
  /** Not due yet and not received (outside `expected`). */
  pending: number
  /** Received of expected, in percent; null (or absent) when nothing was expected. */
  rate?: number | null
  on_time_rate?: number | null
}

/** A department, unit or indicator with its figures. */
export interface RankedRates extends RatesFigures {
  code: string
  /** In Vietnamese. */
  name: string
  /** In English, for departments and indicators. */
  name_en?: string | null
}

export interface ReportingRatesView {
  /** The window of deadlines, YYYY-MM-DD. */
  from: string
  to: string
  /** When the reports were judged. */
  as_of: string
  totals: RatesFigures
  /** Departments by their province-level reports, communes by their own, indicators by all of theirs; best on-time rate first. */
  agencies: RankedRates[]
  communes: RankedRates[]
  indicators: RankedRates[]
}

/** One owed report. */
export interface Report {
  indicator: string
  indicator_name_vi: string
  indicator_name_en: string
  unit: string
  unit_name: string
  /** The agency that owes it (province-level reports). */
  agency?: string | null
  period: string
  /** Local time with its offset. */
  deadline: string
  /** When a value that counts (not a draft) was first entered. */
  first_reported_at: string | null
  punctuality: Punctuality
}

export interface ReportFilters {
  from?: string
  to?: string
  agency?: string
  unit?: string
  indicator?: string
  /** Comma-separated punctualities; all when absent. */
  punctuality?: string
}

/** An RFC 9457 problem document, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: ItemError[] = [],
  ) {
    super(detail || title || `HTTP ${status}`)
    this.name = 'ApiError'
  }
}

/**
 * When answers come from the service worker's cache (offline), the time the oldest of them was
 * stored; null while the network answers. The shell shows it as the data's age.
 */
export const cachedSince = ref<Date | null>(null)
/** The last time any API answer arrived from the network. */
export const lastNetworkAnswer = ref<Date | null>(null)
/**
 * Bumped when the signed-in user marked alerts read. The stream tells only of changes to alerts, not
 * of a user's own read markers, so what counts unread alerts (the bell) listens to this as well.
 */
export const alertsMarkedRead = ref(0)

/** Header the service worker adds to answers it serves from its cache. */
export const CACHED_AT_HEADER = 'X-Vantage-Cached-At'

function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}

/** A JSON body, or a file (Blob) sent as it is. */
async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, extraHeaders: Record<string, string> = {}): Promise<T> {
  const raw = typeof Blob !== 'undefined' && body instanceof Blob
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': raw ? body.type || 'application/octet-stream' : 'application/json' }),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      signal,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'Network error', (error as Error).message)
  }
  const cachedAt = response.headers.get(CACHED_AT_HEADER)
  if (cachedAt) {
    const at = new Date(cachedAt)
    if (!cachedSince.value || at < cachedSince.value) cachedSince.value = at
  } else if (method === 'GET' && response.status < 500) {
    cachedSince.value = null
    lastNetworkAnswer.value = new Date()
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  const data = text ? safeJson(text) : undefined
  if (!response.ok) {
    const problem = (data ?? {}) as Partial<{ type: string; title: string; detail: string; errors: ItemError[] }>
    throw new ApiError(response.status, problem.type ?? 'about:blank', problem.title ?? response.statusText, problem.detail ?? '', Array.isArray(problem.errors) ? problem.errors : [])
  }
  return data as T
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal)

export const api = {
  me: () => get<Me>('/me'),
  signIn: (username: string, password: string) => request<Me>('POST', '/session', { username, password }),
  signOut: () => request<void>('DELETE', '/session'),

  async indicators(domain?: string): Promise<Indicator[]> {
    const all: Indicator[] = []
    let cursor: string | null = null
    do {
      const page: { items: Indicator[]; next_cursor: string | null } = await get(`/indicators${query({ domain, cursor, limit: 1000 })}`)
      all.push(...page.items)
      cursor = page.next_cursor
    } while (cursor)
    return all
  },
  indicator: (code: string) => get<Indicator>(`/indicators/${encodeURIComponent(code)}`),

  async units(params: { level?: string; parent?: string; as_of?: string } = {}): Promise<Unit[]> {
    const all: Unit[] = []
    let cursor: string | null = null
    do {
      const page: { items: Unit[]; next_cursor: string | null } = await get(`/units${query({ ...params, cursor, limit: 1000 })}`)
      all.push(...page.items)
      cursor = page.next_cursor
    } while (cursor)
    return all
  },
  unit: (code: string, asOf?: string) => get<UnitDetail>(`/units/${encodeURIComponent(code)}${query({ as_of: asOf })}`),
  unitsGeojson: (level?: string, asOf?: string) => get<UnitCollection>(`/units/geojson${query({ level, as_of: asOf })}`),

  values: (indicator: string, unit?: string, period?: string) => get<Figures>(`/values${query({ indicator, unit, period })}`),
  series: (p: { indicator: string; unit?: string; type?: string; from?: string; to?: string }, signal?: AbortSignal) =>
    get<SeriesView>(`/series${query(p)}`, signal),
  breakdown: (indicator: string, unit?: string, period?: string) => get<FiguresList>(`/breakdown${query({ indicator, unit, period })}`),
  rankings: (p: { indicator: string; unit?: string; period?: string; order?: 'best' | 'worst'; limit?: number }) =>
    get<FiguresList>(`/rankings${query(p)}`),
  scorecard: (domain: string, unit?: string, period?: string) => get<FiguresList>(`/scorecard${query({ domain, unit, period })}`),

  dashboards: () => get<{ items: DashboardEntry[] }>('/dashboards'),
  dashboard: (id: string) => get<Dashboard>(`/dashboards/${encodeURIComponent(id)}`),
  saveDashboard: (id: string, tiles: DashboardTile[]) => request<Dashboard>('PUT', `/dashboards/${encodeURIComponent(id)}`, { tiles }),

  history: (indicator: string, unit: string, period: string) =>
    get<{ items: HistoryEntry[] }>(`/observations/history${query({ indicator, unit, period })}`),
  site: () => get<Site>('/site'),

  tasks: (from?: string, to?: string) => get<TaskList>(`/tasks${query({ from, to })}`),
  /** Writes values; the key makes a repeated save (a retry after a lost answer) harmless. */
  writeObservations: (items: ObservationWrite[], idempotencyKey: string) =>
    request<unknown>('POST', '/observations', items, undefined, { 'Idempotency-Key': idempotencyKey }),
  /** What a write of these values would refuse (errors) or find unusual (warnings), without writing. */
  checkObservations: (items: ObservationWrite[], signal?: AbortSignal) => request<CheckAnswer>('POST', '/observations/check', items, signal),
  changeStatus: (action: StatusAction, items: CellRef[], reason?: string) =>
    request<StatusSummary>('POST', '/observations/status', { action, reason: reason || null, items }),
  /** Where the caller's tasks of a window can be downloaded as a file to fill in (for a plain link). */
  templateUrl: (format: TemplateFormat, from?: string, to?: string) => `/api/v1/tasks/template.${format}${query({ from, to })}`,
  /**
   * Uploads a filled-in template (XLSX or CSV). With `acceptValid` the good rows are written and the
   * bad ones listed; without it one bad row refuses the whole file (422 with the rows' errors).
   */
  uploadObservations: (file: Blob, acceptValid: boolean) =>
    request<UploadSummary>('POST', `/uploads/observations${query({ accept_valid: acceptValid })}`, file),
  reviews: (p: { from?: string; to?: string; status?: 'approved' } = {}) => get<{ items: ReviewItem[]; truncated?: boolean }>(`/reviews${query(p)}`),

  alerts: (filters: AlertFilters = {}) => get<AlertList>(`/alerts${query({ ...filters })}`),
  alert: (id: number | string) => get<AlertDetail>(`/alerts/${encodeURIComponent(id)}`),
  /** Marks alerts read at the versions shown (at most 500; the server never moves a marker back). */
  async markAlertsRead(seen: ReadMark[]): Promise<void> {
    await request<void>('POST', '/alerts/read', { alerts: seen })
    alertsMarkedRead.value++
  },
  /** Takes a step; answers the alert as it is afterwards, with the steps the caller may take next. */
  alertStep: (id: number | string, step: AlertStep) => request<AlertDetail>('POST', `/alerts/${encodeURIComponent(id)}/steps`, step),
  /** Attaches a file to the explanation (the assigned unit, before it submits). */
  attachToAlert: (id: number | string, file: File) =>
    request<AlertAttachment>('POST', `/alerts/${encodeURIComponent(id)}/attachments${query({ name: file.name })}`, file),
  attachmentUrl: (id: number | string, attachment: number) => `/api/v1/alerts/${encodeURIComponent(id)}/attachments/${attachment}`,

  connectors: () => get<ConnectorView[]>('/connectors'),
  /** Creates or replaces a connector (the id is the path's); from then on it writes with the caller's grant. */
  saveConnector: (connector: Connector) => request<void>('PUT', `/connectors/${encodeURIComponent(connector.id)}`, connector),
  deleteConnector: (id: string) => request<void>('DELETE', `/connectors/${encodeURIComponent(id)}`),
  /** Newest first. */
  connectorRuns: (id: string, limit?: number) => get<ConnectorRun[]>(`/connectors/${encodeURIComponent(id)}/runs${query({ limit })}`),
  /**
   * Runs a connector now, enabled or not; answers when the run is over. A dry run only tries: it counts
   * what would change and writes and logs nothing (its id is 0).
   */
  runConnector: (id: string, dryRun = false) =>
    request<ConnectorRun>('POST', `/connectors/${encodeURIComponent(id)}/runs${query({ dry_run: dryRun || undefined })}`),

  reportingRates: (window: { from?: string; to?: string }, signal?: AbortSignal) => get<ReportingRatesView>(`/reporting-rates${query(window)}`, signal),
  /** The reports behind a figure: by deadline, at most 2000. */
  reports: (filters: ReportFilters, signal?: AbortSignal) =>
    get<{ items: Report[]; truncated: boolean }>(`/reporting-rates/reports${query({ ...filters })}`, signal),
}

/** A fresh key for one save (Idempotency-Key). */
export function newIdempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}
