import { lang, locale, type Lang } from './i18n'

/** The deployment's civil time zone; instants from the API are UTC. */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh'

const numberFormats = new Map<string, Intl.NumberFormat>()

function numberFormat(l: Lang, maximumFractionDigits: number, signDisplay: 'auto' | 'exceptZero' = 'auto'): Intl.NumberFormat {
  const key = `${l}|${maximumFractionDigits}|${signDisplay}`
  let format = numberFormats.get(key)
  if (!format) {
    format = new Intl.NumberFormat(locale(l), { maximumFractionDigits, signDisplay })
    numberFormats.set(key, format)
  }
  return format
}

/** Fewer decimals as numbers grow: 1.234.567 but 1.234,5 and 12,34. */
function fractionDigits(value: number): number {
  const magnitude = Math.abs(value)
  if (magnitude >= 10000) return 0
  if (magnitude >= 10) return 1
  return 2
}

export function formatNumber(value: number | null | undefined, l: Lang = lang.value): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return numberFormat(l, fractionDigits(value)).format(value)
}

/** A number with its sign, for changes: +12,5 / −3. */
export function formatSigned(value: number | null | undefined, l: Lang = lang.value): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return numberFormat(l, fractionDigits(value), 'exceptZero').format(value)
}

export function formatPercent(value: number | null | undefined, l: Lang = lang.value, signed = false): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const digits = Math.abs(value) >= 100 ? 0 : 1
  return `${numberFormat(l, digits, signed ? 'exceptZero' : 'auto').format(value)}%`
}

/** A value with its unit of measure; "%" sticks to the number, other units follow a space. */
export function formatMeasured(value: number | null | undefined, measure: string | undefined, l: Lang = lang.value): string {
  const number = formatNumber(value, l)
  if (number === '—' || !measure) return number
  return measure === '%' ? `${number}%` : `${number} ${measure}`
}

function toDate(value: string | number | Date): Date {
  return value instanceof Date ? value : new Date(value)
}

/** 17/09/2026 in both languages (en-GB shares the day-first order). */
export function formatDate(value: string | number | Date, l: Lang = lang.value): string {
  return new Intl.DateTimeFormat(locale(l), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TIME_ZONE }).format(toDate(value))
}

export function formatTime(value: string | number | Date, l: Lang = lang.value, seconds = false): string {
  return new Intl.DateTimeFormat(locale(l), {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hour12: false,
    timeZone: TIME_ZONE,
  }).format(toDate(value))
}

export function formatDateTime(value: string | number | Date, l: Lang = lang.value, seconds = false): string {
  return `${formatTime(value, l, seconds)} ${formatDate(value, l)}`
}

/** "3 phút trước" / "3 minutes ago", from seconds of age. */
export function formatAge(seconds: number, l: Lang = lang.value): string {
  const rtf = new Intl.RelativeTimeFormat(locale(l), { numeric: 'auto' })
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return rtf.format(-s, 'second')
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute')
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), 'hour')
  return rtf.format(-Math.floor(s / 86400), 'day')
}

// ---- periods (DHIS2 identifiers: 20260917, 2026W38, 202609, 2026Q3, 2026S2, 2026) ----

export type PeriodType = 'day' | 'week' | 'month' | 'quarter' | 'halfyear' | 'year'

export interface Period {
  type: PeriodType
  year: number
  /** Day of year for days is not needed: days keep month and day; others keep their index in the year. */
  index: number
  month?: number
  day?: number
}

export function parsePeriod(id: string): Period | null {
  let m: RegExpMatchArray | null
  if ((m = id.match(/^(\d{4})$/))) return { type: 'year', year: +m[1], index: 1 }
  if ((m = id.match(/^(\d{4})S([12])$/))) return { type: 'halfyear', year: +m[1], index: +m[2] }
  if ((m = id.match(/^(\d{4})Q([1-4])$/))) return { type: 'quarter', year: +m[1], index: +m[2] }
  if ((m = id.match(/^(\d{4})W(\d{1,2})$/)) && +m[2] >= 1 && +m[2] <= 53) return { type: 'week', year: +m[1], index: +m[2] }
  if ((m = id.match(/^(\d{4})(\d{2})$/)) && +m[2] >= 1 && +m[2] <= 12) return { type: 'month', year: +m[1], index: +m[2], month: +m[2] }
  if ((m = id.match(/^(\d{4})(\d{2})(\d{2})$/)) && +m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && +m[3] <= 31)
    return { type: 'day', year: +m[1], index: 0, month: +m[2], day: +m[3] }
  return null
}

/**
 * The last day of a period (YYYY-MM-DD): the date the server takes the unit tree at for it (a
 * value is stored for the unit valid at the end of its period).
 */
export function periodLastDay(id: string): string | null {
  const p = parsePeriod(id)
  if (!p) return null
  const iso = (d: Date) => d.toISOString().slice(0, 10)
  const endOfMonth = (year: number, month: number) => iso(new Date(Date.UTC(year, month, 0)))
  switch (p.type) {
    case 'day':
      return iso(new Date(Date.UTC(p.year, p.month! - 1, p.day!)))
    case 'week': {
      // ISO week 1 holds 4 January; its Monday starts the week-numbering year
      const jan4 = new Date(Date.UTC(p.year, 0, 4))
      const monday = Date.UTC(p.year, 0, 4 - ((jan4.getUTCDay() + 6) % 7))
      return iso(new Date(monday + ((p.index - 1) * 7 + 6) * 86_400_000))
    }
    case 'month':
      return endOfMonth(p.year, p.index)
    case 'quarter':
      return endOfMonth(p.year, p.index * 3)
    case 'halfyear':
      return endOfMonth(p.year, p.index * 6)
    case 'year':
      return `${p.year}-12-31`
  }
}

/** The day before a date (YYYY-MM-DD): the last day a unit with that `valid_to` existed. */
export function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - 1)
  return d.toISOString().slice(0, 10)
}

/**
 * The first period of a look-back long enough to choose old periods from (years of months, a
 * decade of years, a season of days), counted from `today`.
 */
export function lookBackFrom(type: PeriodType, today: Date = new Date()): string {
  const y = today.getUTCFullYear()
  switch (type) {
    case 'day': {
      const d = new Date(today.getTime() - 92 * 86_400_000)
      return d.toISOString().slice(0, 10).replaceAll('-', '')
    }
    case 'week':
      return `${y - 2}W01`
    case 'month':
      return `${y - 5}01`
    case 'quarter':
      return `${y - 5}Q1`
    case 'halfyear':
      return `${y - 5}S1`
    case 'year':
      return String(y - 10)
  }
}

/** The period of a type that holds a date (YYYY-MM-DD). */
export function periodContaining(date: string, type: PeriodType): string {
  const [y, m, d] = date.split('-').map(Number)
  const pad = (n: number) => String(n).padStart(2, '0')
  switch (type) {
    case 'day':
      return `${y}${pad(m)}${pad(d)}`
    case 'week': {
      // the ISO week-numbering year is the one of the week's Thursday
      const day = new Date(Date.UTC(y, m - 1, d))
      const thursday = new Date(day.getTime() + (3 - ((day.getUTCDay() + 6) % 7)) * 86_400_000)
      const year = thursday.getUTCFullYear()
      const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1
      return `${year}W${pad(week)}`
    }
    case 'month':
      return `${y}${pad(m)}`
    case 'quarter':
      return `${y}Q${Math.ceil(m / 3)}`
    case 'halfyear':
      return `${y}S${m <= 6 ? 1 : 2}`
    case 'year':
      return String(y)
  }
}

const ROMAN = ['I', 'II', 'III', 'IV']
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** "Tháng 9/2026", "Quý III/2026", "6 tháng cuối năm 2026", "Năm 2026"; English: "Sep 2026", "Q3 2026". */
export function periodLabel(id: string | null, l: Lang = lang.value): string {
  if (!id) return ''
  const p = parsePeriod(id)
  if (!p) return id
  const vi = l === 'vi'
  switch (p.type) {
    case 'year':
      return vi ? `Năm ${p.year}` : String(p.year)
    case 'halfyear':
      return vi ? `6 tháng ${p.index === 1 ? 'đầu' : 'cuối'} năm ${p.year}` : `H${p.index} ${p.year}`
    case 'quarter':
      return vi ? `Quý ${ROMAN[p.index - 1]}/${p.year}` : `Q${p.index} ${p.year}`
    case 'month':
      return vi ? `Tháng ${p.index}/${p.year}` : `${EN_MONTHS[p.index - 1]} ${p.year}`
    case 'week':
      return vi ? `Tuần ${p.index}/${p.year}` : `Week ${p.index}, ${p.year}`
    case 'day':
      return `${String(p.day).padStart(2, '0')}/${String(p.month).padStart(2, '0')}/${p.year}`
  }
}

/** Short labels for chart axes: "T9/26", "QIII/26"; English "Sep 26", "Q3 26". */
export function periodShortLabel(id: string, l: Lang = lang.value): string {
  const p = parsePeriod(id)
  if (!p) return id
  const yy = String(p.year).slice(2)
  const vi = l === 'vi'
  switch (p.type) {
    case 'year':
      return String(p.year)
    case 'halfyear':
      return vi ? `${p.index === 1 ? '6T đầu' : '6T cuối'}/${yy}` : `H${p.index} ${yy}`
    case 'quarter':
      return vi ? `Q${ROMAN[p.index - 1]}/${yy}` : `Q${p.index} ${yy}`
    case 'month':
      return vi ? `T${p.index}/${yy}` : `${EN_MONTHS[p.index - 1]} ${yy}`
    case 'week':
      return vi ? `T${p.index}/${yy}` : `W${p.index} ${yy}`
    case 'day':
      return `${String(p.day).padStart(2, '0')}/${String(p.month).padStart(2, '0')}`
  }
}

const TYPE_ORDER: PeriodType[] = ['day', 'week', 'month', 'quarter', 'halfyear', 'year']

/**
 * The period types an indicator can be shown at: its frequency and the coarser calendar types.
 * Weeks do not nest in months, so they only appear for weekly data; half-years are left out of
 * the choice unless they are the frequency, as IOC dashboards compare months, quarters and years.
 */
export function viewablePeriodTypes(frequency: string): PeriodType[] {
  const start = TYPE_ORDER.indexOf(frequency as PeriodType)
  if (start < 0) return ['year']
  return TYPE_ORDER.slice(start).filter((type) => type === frequency || (type !== 'week' && type !== 'halfyear'))
}
