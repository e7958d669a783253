/**
 * Alerts without the screen: a finding told in one sentence, what a dashboard tile says about the
 * explanation of its figure, what awaits the signed-in user and what of it is unread, which alert takes
 * over the wall, and the alerts page's filters as the address states them.
 */
import type { Alert, AlertExplanation, AlertFilters, AlertFinding, AlertState, ReadMark, Role, Severity, TargetBound } from './api'
import { targetText } from './explain'
import { formatDate, formatMeasured, formatNumber, formatPercent } from './format'
import { localName, type Lang, type MessageKey } from './i18n'

export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'warning']
export const ALERT_STATES: readonly AlertState[] = ['open', 'acknowledged', 'assigned', 'explanation_submitted', 'accepted', 'closed']
/** What the list shows unless asked otherwise: every state but closed, as the API does. */
export const LIVE_STATES: readonly AlertState[] = ALERT_STATES.filter((state) => state !== 'closed')

/** The operations centre: it acknowledges, assigns, and decides on explanations. */
export const CENTRE_ROLES: readonly Role[] = ['admin', 'leader', 'operator']

export function isCentre(role: Role | undefined): boolean {
  return !!role && CENTRE_ROLES.includes(role)
}

/** The alert's indicator named in the language shown. */
export function indicatorName(alert: Pick<Alert, 'indicator_name_vi' | 'indicator_name_en'>, l: Lang): string {
  return localName({ name_vi: alert.indicator_name_vi, name_en: alert.indicator_name_en }, l)
}

function bound(target: TargetBound): { kind: TargetBound['kind']; value: number; max: number | null } {
  return target.kind === 'range' ? { kind: 'range', value: target.min, max: target.max } : { kind: target.kind, value: target.value, max: null }
}

/** The run of values, oldest first: "52,73 → 56,44 điểm". */
function run(values: readonly number[], measure: string, l: Lang): string {
  return values.map((value, i) => (i === values.length - 1 ? formatMeasured(value, measure, l) : formatNumber(value, l))).join(' → ')
}

/** One sentence saying what was found, in the figures of the finding. */
export function findingSentence(finding: AlertFinding, measure: string, l: Lang): string {
  const vi = l === 'vi'
  const m = (value: number) => formatMeasured(value, measure, l)
  switch (finding.kind) {
    case 'target': {
      const target = targetText(bound(finding.target), measure, l)
      const compared = m(finding.compared)
      if (finding.missed) return vi ? `Không đạt chỉ tiêu: ${compared} so với chỉ tiêu ${target}.` : `Target missed: ${compared} against a target of ${target}.`
      if (finding.forecast !== undefined && finding.forecast !== null) {
        const projected = m(finding.forecast)
        return vi
          ? `Có nguy cơ không đạt chỉ tiêu: hiện ${compared}, dự báo ${projected}, so với chỉ tiêu ${target}.`
          : `At risk of missing the target: ${compared} so far, projected ${projected}, against a target of ${target}.`
      }
      return vi ? `Có nguy cơ không đạt chỉ tiêu: ${compared} so với chỉ tiêu ${target}.` : `At risk of missing the target: ${compared} against a target of ${target}.`
    }
    case 'threshold': {
      const values = run(finding.values, measure, l)
      const n = finding.values.length
      const side = vi ? (finding.comparison === 'above' ? 'trên' : 'dưới') : finding.comparison
      const limit = m(finding.threshold)
      if (n === 1) return vi ? `Giá trị ${values}, ${side} ngưỡng ${limit}.` : `The value ${values} is ${side} the threshold of ${limit}.`
      return vi ? `${n} kỳ liền ${side} ngưỡng ${limit}: ${values}.` : `${n} periods in a row ${side} the threshold of ${limit}: ${values}.`
    }
    case 'year_on_year': {
      const change = formatPercent(Math.abs(finding.percent), l)
      const figures = vi ? `${m(finding.value)} so với ${m(finding.last_year)}` : `${m(finding.value)} against ${m(finding.last_year)}`
      if (finding.percent < 0) return vi ? `Giảm ${change} so với cùng kỳ năm trước: ${figures}.` : `Down ${change} on the same period last year: ${figures}.`
      return vi ? `Tăng ${change} so với cùng kỳ năm trước: ${figures}.` : `Up ${change} on the same period last year: ${figures}.`
    }
    case 'late_data': {
      // The deadline as the reporting rule states it, in the province's own time: shown as written.
      const deadline = `${finding.deadline.slice(11, 16)} ${formatDate(finding.deadline.slice(0, 10), l)}`
      return vi ? `Chưa có số liệu khi đã quá hạn báo cáo (${deadline}).` : `No figure although the reporting deadline passed (${deadline}).`
    }
    case 'overdue_explanation':
      return vi ? `Giải trình của cảnh báo #${finding.alert} đã quá hạn mà chưa được gửi.` : `The explanation of alert #${finding.alert} is overdue and still awaited.`
    case 'outlier': {
      const usual = `${formatNumber(finding.low, l)} – ${m(finding.high)}`
      return vi
        ? `Giá trị ${m(finding.value)} khác thường so với các kỳ trước (trung vị ${m(finding.median)}, thường trong khoảng ${usual}).`
        : `The value ${m(finding.value)} is unusual against earlier periods (median ${m(finding.median)}, usually ${usual}).`
    }
  }
}

// ---- dashboard tiles ----

/** Where the explanation of a figure that missed (or may miss) its target stands. */
export type ExplanationBadge = 'awaiting' | 'overdue' | 'explained' | 'accepted'
/** The states that give a tile a badge, to ask the API for. */
export const BADGE_STATES: readonly AlertState[] = ['assigned', 'explanation_submitted', 'accepted']
const BADGE_URGENCY: Record<ExplanationBadge, number> = { overdue: 0, awaiting: 1, explained: 2, accepted: 3 }

export const BADGE_LABELS: Record<ExplanationBadge, MessageKey> = {
  awaiting: 'badge_awaiting',
  overdue: 'badge_overdue',
  explained: 'badge_explained',
  accepted: 'badge_accepted',
}

/** The badge of an alert of a target rule; null for other rules, or before anyone is asked to explain. */
export function explanationBadge(alert: Pick<Alert, 'finding' | 'state' | 'overdue'>): ExplanationBadge | null {
  if (alert.finding.kind !== 'target') return null
  switch (alert.state) {
    case 'assigned':
      return alert.overdue ? 'overdue' : 'awaiting'
    case 'explanation_submitted':
      return 'explained'
    case 'accepted':
      return 'accepted'
    default:
      return null
  }
}

export interface TileBadge {
  badge: ExplanationBadge
  alert: number
}

/** Per indicator, the most pressing badge among the alerts on `unit`, with the alert it opens. */
export function tileBadges(alerts: readonly Alert[], unit: string): Map<string, TileBadge> {
  const badges = new Map<string, TileBadge>()
  for (const alert of alerts) {
    if (alert.unit !== unit) continue
    const badge = explanationBadge(alert)
    if (!badge) continue
    const kept = badges.get(alert.indicator)
    if (!kept || BADGE_URGENCY[badge] < BADGE_URGENCY[kept.badge]) badges.set(alert.indicator, { badge, alert: alert.id })
  }
  return badges
}

// ---- what awaits the signed-in user ----

/** The alerts to ask for, and the test each must pass, to find those awaiting a step of the caller. */
export interface AwaitingRule {
  filters: AlertFilters
  keep: (alert: Pick<Alert, 'state' | 'escalated_at'>) => boolean
}

/**
 * The centre acts on new alerts, on explanations to decide and on overdue ones that went up; a
 * data owner on the alerts it is to explain. Null for those who take no step (viewers).
 */
export function awaitingRule(role: Role | undefined): AwaitingRule | null {
  if (isCentre(role))
    return {
      filters: { state: 'open,assigned,explanation_submitted' },
      keep: (alert) => alert.state === 'open' || alert.state === 'explanation_submitted' || (alert.state === 'assigned' && !!alert.escalated_at),
    }
  if (role === 'data_owner') return { filters: { mine: true, state: 'assigned' }, keep: (alert) => alert.state === 'assigned' }
  return null
}

/** What the bell tells: how many alerts await the user's step, and how many of those the user has not read. */
export function bellCounts(alerts: readonly Alert[], rule: AwaitingRule): { awaiting: number; unread: number } {
  const awaiting = alerts.filter(rule.keep)
  return { awaiting: awaiting.length, unread: awaiting.filter((alert) => alert.unread === true).length }
}

/** The unread ones among the alerts shown, at the version shown: a change made since stays unread. */
export function unreadMarks(alerts: readonly Pick<Alert, 'id' | 'version' | 'unread'>[]): ReadMark[] {
  return alerts.filter((alert) => alert.unread === true).map(({ id, version }) => ({ id, version }))
}

// ---- the wall ----

/** The alert that takes the wall over: the newest critical one nobody has acknowledged, and how many there are. */
export function wallTakeover(alerts: readonly Alert[]): { alert: Alert; count: number } | null {
  const pending = alerts.filter((alert) => alert.severity === 'critical' && alert.state === 'open')
  if (pending.length === 0) return null
  const newest = pending.reduce((a, b) => (b.opened_at > a.opened_at || (b.opened_at === a.opened_at && b.id > a.id) ? b : a))
  return { alert: newest, count: pending.length }
}

// ---- the alerts page's filters, kept in its address ----

export interface PageFilters {
  /** One state, or null for every state but closed. */
  state: AlertState | null
  severity: Severity | null
  domain: string | null
  mine: boolean
  escalated: boolean
  /** What awaits the caller, as the header's bell counts it. */
  awaiting: boolean
  /** Only what changed since the caller last read it. */
  unread: boolean
}

type Query = Record<string, unknown>

function one(query: Query, name: string): string | null {
  const value = query[name]
  const text = Array.isArray(value) ? value[0] : value
  return typeof text === 'string' && text !== '' ? text : null
}

export function filtersFromQuery(query: Query): PageFilters {
  const state = one(query, 'state')
  const severity = one(query, 'severity')
  const flag = (name: string) => one(query, name) === '1' || one(query, name) === 'true'
  return {
    state: ALERT_STATES.includes(state as AlertState) ? (state as AlertState) : null,
    severity: SEVERITIES.includes(severity as Severity) ? (severity as Severity) : null,
    domain: one(query, 'domain'),
    mine: flag('mine'),
    escalated: flag('escalated'),
    awaiting: flag('awaiting'),
    unread: flag('unread'),
  }
}

export function queryFromFilters(filters: PageFilters): Record<string, string> {
  const query: Record<string, string> = {}
  if (filters.state) query.state = filters.state
  if (filters.severity) query.severity = filters.severity
  if (filters.domain) query.domain = filters.domain
  if (filters.mine) query.mine = '1'
  if (filters.escalated) query.escalated = '1'
  if (filters.awaiting) query.awaiting = '1'
  if (filters.unread) query.unread = '1'
  return query
}

/**
 * What to ask the API for the page: every state (the page counts them and picks one itself), or what
 * awaits the caller. The answer is then narrowed by `keep`.
 */
export function listRequest(filters: PageFilters, role: Role | undefined): AwaitingRule {
  const narrowing: AlertFilters = {}
  if (filters.severity) narrowing.severity = filters.severity
  if (filters.domain) narrowing.domain = filters.domain
  if (filters.mine) narrowing.mine = true
  if (filters.escalated) narrowing.escalated = true
  if (filters.unread) narrowing.unread = true
  const awaiting = filters.awaiting ? awaitingRule(role) : null
  if (awaiting) return { filters: { ...awaiting.filters, ...narrowing }, keep: awaiting.keep }
  return { filters: { ...narrowing, state: ALERT_STATES.join(',') }, keep: () => true }
}

/** Whether an alert shows under the page's state choice: one state, or every state but closed. */
export function inState(alert: Pick<Alert, 'state'>, state: AlertState | null): boolean {
  return state ? alert.state === state : alert.state !== 'closed'
}

// ---- explaining ----

/** A corrective action as typed in the form (its date may still be empty). */
export interface ActionDraft {
  action: string
  due: string
}

/**
 * The explanation to send, or what is missing: a cause, and for each corrective action both what will
 * be done and by when. Rows left wholly empty are dropped.
 */
export function readExplanation(cause: string, actions: readonly ActionDraft[]): { explanation: AlertExplanation } | { missing: 'causeRequired' | 'actionIncomplete' } {
  if (!cause.trim()) return { missing: 'causeRequired' }
  const filled = actions.map((a) => ({ action: a.action.trim(), due: a.due })).filter((a) => a.action || a.due)
  if (filled.some((a) => !a.action || !/^\d{4}-\d{2}-\d{2}$/.test(a.due))) return { missing: 'actionIncomplete' }
  return { explanation: { cause: cause.trim(), actions: filled } }
}

/** The rule's name in the interface's language (its Vietnamese name when it has no English one). */
export function ruleName(alert: Pick<Alert, 'rule_name' | 'rule_name_en'>, l: Lang): string {
  return l === 'en' && alert.rule_name_en ? alert.rule_name_en : alert.rule_name
}
