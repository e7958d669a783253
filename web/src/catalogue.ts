/**
 * What the caller may see, fetched once per session and shared: the indicator catalogue, the
 * unit list, and the dashboards (the overview and the fields, with their names, in the server's order).
 */
import { computed, shallowRef } from 'vue'
import { api, type DashboardEntry, type Indicator, type Unit } from './api'
import { lang, type Lang } from './i18n'

export const OVERVIEW = 'overview'

export const indicators = shallowRef<Indicator[]>([])
export const units = shallowRef<Unit[]>([])
export const dashboards = shallowRef<DashboardEntry[]>([])
/** The fields (domains) the caller can see, in the server's order. */
export const fields = computed(() => dashboards.value.filter((d) => d.id !== OVERVIEW).map((d) => d.id))

let indicatorsLoad: Promise<Indicator[]> | null = null
let unitsLoad: Promise<Unit[]> | null = null
let dashboardsLoad: Promise<DashboardEntry[]> | null = null

/** Shares one request between callers; a failed request is asked again next time. */
function once<T>(load: () => Promise<T>, keep: (value: T) => void, forget: () => void): Promise<T> {
  return load().then(
    (value) => {
      keep(value)
      return value
    },
    (error) => {
      forget()
      throw error
    },
  )
}

export function loadIndicators(): Promise<Indicator[]> {
  indicatorsLoad ??= once(api.indicators, (list) => (indicators.value = list), () => (indicatorsLoad = null))
  return indicatorsLoad
}

export function loadUnits(): Promise<Unit[]> {
  unitsLoad ??= once(() => api.units(), (list) => (units.value = list), () => (unitsLoad = null))
  return unitsLoad
}

export function loadDashboards(): Promise<DashboardEntry[]> {
  dashboardsLoad ??= once(
    () => api.dashboards().then((answer) => answer.items),
    (list) => (dashboards.value = list),
    () => (dashboardsLoad = null),
  )
  return dashboardsLoad
}

/** The catalogue and the field list together, as most pages need both. */
export function loadCatalogue(): Promise<[Indicator[], DashboardEntry[]]> {
  return Promise.all([loadIndicators(), loadDashboards()])
}

export function resetCatalogue(): void {
  indicatorsLoad = null
  unitsLoad = null
  dashboardsLoad = null
  indicators.value = []
  dashboards.value = []
}

export function indicatorByCode(code: string): Indicator | undefined {
  return indicators.value.find((indicator) => indicator.code === code)
}

/** A field's name as the server gives it; an unknown code is shown as itself. */
export function domainName(code: string, l: Lang = lang.value): string {
  const entry = dashboards.value.find((d) => d.id === code)
  return entry ? (l === 'vi' ? entry.name_vi : entry.name_en) : code
}

/** Codes in the order of the field list; codes it does not know follow alphabetically. */
export function sortDomains(codes: Iterable<string>): string[] {
  const order = fields.value
  const rank = (code: string) => {
    const i = order.indexOf(code)
    return i < 0 ? order.length : i
  }
  return [...new Set(codes)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}
