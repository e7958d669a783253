/**
 * Reporting rates without the screen: the windows of deadlines the page offers, the rankings in the
 * order asked, the reports behind a figure worst first, and the page's choices as its address states them.
 */
import type { Indicator, Punctuality, RatesFigures, RankedRates, Report } from './api'
import { TIME_ZONE } from './format'
import type { Lang } from './i18n'
import { matches } from './search'

/** This month's deadlines so far, the last 30 days (the server's default), last month, last quarter. */
export const PRESETS = ['month', '30d', 'lastMonth', 'lastQuarter'] as const
export type Preset = (typeof PRESETS)[number] | 'custom'
const DEFAULT_PRESET: Preset = '30d'

export type Order = 'best' | 'worst'
/** What a drill-down is about: a department, a commune (any unit) or an indicator; also the API's filter names. */
export const DRILL_KINDS = ['agency', 'unit', 'indicator'] as const
export type DrillKind = (typeof DRILL_KINDS)[number]

/** Worst first: the order a list of reports is read in. */
export const PUNCTUALITIES: readonly Punctuality[] = ['missing', 'late', 'pending', 'on_time']
/** What a drill-down lists unless asked otherwise: the reports that let the figure down. */
export const PROBLEMS: readonly Punctuality[] = ['missing', 'late']

export interface Window {
  from: string
  to: string
}

export interface PageState extends Window {
  preset: Preset
  order: Order
  drill: { kind: DrillKind; code: string } | null
  punctuality: Punctuality[]
}

/** Today in the province (YYYY-MM-DD): deadlines are the province's civil days. */
export function provinceToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

const iso = (d: Date) => d.toISOString().slice(0, 10)

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return iso(d)
}

/** The first and last day of `count` months starting at month `month` (1-based; may be 0 or less: earlier years). */
function months(year: number, month: number, count: number): Window {
  return { from: iso(new Date(Date.UTC(year, month - 1, 1))), to: iso(new Date(Date.UTC(year, month - 1 + count, 0))) }
}

/** The window of deadlines a preset stands for, seen from `today` (YYYY-MM-DD). */
export function presetWindow(preset: Exclude<Preset, 'custom'>, today: string): Window {
  const [year, month] = today.split('-').map(Number)
  switch (preset) {
    case 'month':
      return { from: `${today.slice(0, 7)}-01`, to: today }
    case '30d':
      return { from: addDays(today, -30), to: today }
    case 'lastMonth':
      return months(year, month - 1, 1)
    case 'lastQuarter': {
      const quarterStart = month - ((month - 1) % 3)
      return months(year, quarterStart - 3, 3)
    }
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

function isDate(text: string | null): text is string {
  return !!text && DATE.test(text) && iso(new Date(`${text}T00:00:00Z`)) === text
}

type Query = Record<string, unknown>

function one(query: Query, name: string): string | null {
  const value = query[name]
  const text = Array.isArray(value) ? value[0] : value
  return typeof text === 'string' && text !== '' ? text : null
}

function sameSet(a: readonly Punctuality[], b: readonly Punctuality[]): boolean {
  return a.length === b.length && a.every((p) => b.includes(p))
}

/**
 * The page's choices from its address: a preset (`w`, relative to today, so a bookmark of last month
 * stays last month) or a window of its own (`from`, `to`); `order=worst`; the drill-down (`agency`,
 * `unit` or `indicator`) and the punctualities it lists (`p`). What is missing or malformed is the default.
 */
export function stateFromQuery(query: Query, today: string): PageState {
  const from = one(query, 'from')
  const to = one(query, 'to')
  const named = one(query, 'w')
  const preset: Preset = isDate(from) && isDate(to) && from <= to ? 'custom' : PRESETS.includes(named as (typeof PRESETS)[number]) ? (named as Preset) : DEFAULT_PRESET
  const window = preset === 'custom' ? { from: from!, to: to! } : presetWindow(preset, today)
  const kind = DRILL_KINDS.find((k) => one(query, k))
  const chosen = (one(query, 'p') ?? '').split(',')
  const punctuality = PUNCTUALITIES.filter((p) => chosen.includes(p))
  return {
    preset,
    ...window,
    order: one(query, 'order') === 'worst' ? 'worst' : 'best',
    drill: kind ? { kind, code: one(query, kind)! } : null,
    punctuality: punctuality.length ? punctuality : [...PROBLEMS],
  }
}

/** The address of the page's choices; defaults are left out. */
export function queryFromState(state: PageState): Record<string, string> {
  const query: Record<string, string> = {}
  if (state.preset === 'custom') Object.assign(query, { from: state.from, to: state.to })
  else if (state.preset !== DEFAULT_PRESET) query.w = state.preset
  if (state.order === 'worst') query.order = 'worst'
  if (state.drill) query[state.drill.kind] = state.drill.code
  if (state.drill && !sameSet(state.punctuality, PROBLEMS)) query.p = PUNCTUALITIES.filter((p) => state.punctuality.includes(p)).join(',')
  return query
}

/** Late and missing reports together: what a ranking's drill-down lists by default. */
export function problems(rates: Pick<RatesFigures, 'late' | 'missing'>): number {
  return rates.late + rates.missing
}

/**
 * Rows best on-time rate first (then best reporting rate, most reports), or worst first (then the
 * lowest reporting rate, the most late and missing reports); rows with nothing expected come last
 * either way, by name.
 */
export function rankRows<T extends RankedRates>(rows: readonly T[], order: Order, l: Lang = 'vi'): T[] {
  const name = (a: T, b: T) => a.name.localeCompare(b.name, l) || a.code.localeCompare(b.code)
  const best = (a: T, b: T) => b.on_time_rate! - a.on_time_rate! || (b.rate ?? 0) - (a.rate ?? 0) || b.expected - a.expected || name(a, b)
  const worst = (a: T, b: T) => a.on_time_rate! - b.on_time_rate! || (a.rate ?? 0) - (b.rate ?? 0) || problems(b) - problems(a) || name(a, b)
  const rated = rows.filter((row) => row.on_time_rate !== null && row.on_time_rate !== undefined)
  const unrated = rows.filter((row) => row.on_time_rate === null || row.on_time_rate === undefined)
  return [...rated.sort(order === 'best' ? best : worst), ...unrated.sort(name)]
}

/** Rows whose name or code holds every word of the query, marks ignored. */
export function filterRows<T extends RankedRates>(rows: readonly T[], query: string): T[] {
  return rows.filter((row) => matches(query, row.name, row.code))
}

/** The parts of the expected reports that came on time, late, or not at all, in percent (for a bar). */
export function shares(rates: RatesFigures): Record<'on_time' | 'late' | 'missing', number> {
  const of = (n: number) => (rates.expected ? (100 * n) / rates.expected : 0)
  return { on_time: of(rates.on_time), late: of(rates.late), missing: of(rates.missing) }
}

/** Reports worst first (missing, late, pending, on time), then the oldest deadline, then indicator and unit. */
export function sortReports(reports: readonly Report[]): Report[] {
  const urgency = (r: Report) => PUNCTUALITIES.indexOf(r.punctuality)
  return [...reports].sort(
    (a, b) =>
      urgency(a) - urgency(b) ||
      new Date(a.deadline).getTime() - new Date(b.deadline).getTime() ||
      a.indicator.localeCompare(b.indicator) ||
      a.unit.localeCompare(b.unit),
  )
}

/**
 * How far past its deadline a late report came, or a missing one is still awaited at `asOf`: whole
 * days, or whole hours under a day. Null for reports on time or not due yet.
 */
export function delay(report: Pick<Report, 'punctuality' | 'deadline' | 'first_reported_at'>, asOf: Date): { unit: 'day' | 'hour'; n: number } | null {
  const until = report.punctuality === 'late' && report.first_reported_at ? new Date(report.first_reported_at) : report.punctuality === 'missing' ? asOf : null
  if (!until) return null
  const hours = Math.max(0, (until.getTime() - new Date(report.deadline).getTime()) / 3_600_000)
  return hours < 24 ? { unit: 'hour', n: Math.max(1, Math.floor(hours)) } : { unit: 'day', n: Math.floor(hours / 24) }
}

// ---- the month-by-month indicators the server keeps of these rates ----

/** The field of the reporting indicators, counted month by month by the month a deadline falls in. */
export const REPORTING_FIELD = 'RPT'
/** The communes' on-time rate, the one mapped by commune. */
export const COMMUNE_ON_TIME_RATE = 'RPT.COMMUNE_ON_TIME_RATE'
export const AGENCY_ON_TIME_RATE = 'RPT.AGENCY_ON_TIME_RATE'

export interface MonthlyLinks {
  /** The field dashboard has indicators the caller can read. */
  field: boolean
  /** The indicator mapped by commune, when the caller can read it. */
  map: Indicator | null
  /** The on-time rates' own pages, communes first. */
  indicators: Indicator[]
}

/**
 * What of the month-by-month reporting indicators the caller's catalogue holds: null when it has
 * neither on-time rate (a deployment without them, or a caller not allowed to read them).
 */
export function monthlyLinks(catalogue: readonly Indicator[]): MonthlyLinks | null {
  const byCode = new Map(catalogue.map((i) => [i.code, i]))
  const indicators = [COMMUNE_ON_TIME_RATE, AGENCY_ON_TIME_RATE].map((code) => byCode.get(code)).filter((i): i is Indicator => !!i)
  if (!indicators.length) return null
  const communes = byCode.get(COMMUNE_ON_TIME_RATE)
  return {
    field: catalogue.some((i) => i.domain === REPORTING_FIELD),
    map: communes && communes.levels.split('+').includes('commune') ? communes : null,
    indicators,
  }
}

/**
 * The month (YYYYMM) the month-by-month indicators are shown at from a window of deadlines: the month
 * its last day falls in, this month at the latest. A later month holds only the reports sent early.
 */
export function windowMonth(window: Window, today: string): string {
  const day = window.to < today ? window.to : today
  return `${day.slice(0, 4)}${day.slice(5, 7)}`
}

/** The indicator codes a formula reads (`100 * RPT.COMMUNE_ON_TIME / RPT.COMMUNE_EXPECTED`). */
export function formulaOperands(formula: string): string[] {
  return [...new Set(formula.match(/\b[A-Z][A-Z0-9]*\.[A-Z][A-Z0-9_]*\b/g) ?? [])]
}

/**
 * How Vantage itself makes an indicator out of the reporting calendar, nobody entering it:
 * `counted` (reports expected, received, on time), `derived` (a formula over counted ones only,
 * directly or through other such formulas), or null. An operand missing from `byCode` is not known
 * to be counted.
 */
export function fromReportingCalendar(
  indicator: Pick<Indicator, 'code' | 'computed' | 'formula'>,
  byCode: ReadonlyMap<string, Pick<Indicator, 'code' | 'computed' | 'formula'>>,
): 'counted' | 'derived' | null {
  if (indicator.computed) return 'counted'
  // an operand's answer, kept; one still being worked out (a cycle) is not counted
  const known = new Map<string, boolean>([[indicator.code, false]])
  const counted = (code: string): boolean => {
    if (!known.has(code)) {
      known.set(code, false)
      const operand = byCode.get(code)
      known.set(code, !!operand && (!!operand.computed || overCounted(operand.formula)))
    }
    return known.get(code)!
  }
  const overCounted = (formula: string | null): boolean => {
    const operands = formula ? formulaOperands(formula) : []
    return operands.length > 0 && operands.every(counted)
  }
  return overCounted(indicator.formula) ? 'derived' : null
}
