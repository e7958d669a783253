/** Loading the figures dashboards show: scorecards per field, with status counts, and their explanations' badges. */
import { computed, shallowRef, watch, type ComputedRef } from 'vue'
import { api, type Alert, type Figures, type FiguresList, type Indicator } from './api'
import { BADGE_STATES, tileBadges, type TileBadge } from './alerts'
import { useAlertRefresh } from './stream'

/**
 * Scorecards of several fields (a field with nothing reported answers an empty list); a field
 * that fails is left out rather than failing the page, unless they all fail.
 */
export async function loadScorecards(domains: readonly string[], unit: string | null, period?: string): Promise<Map<string, FiguresList>> {
  const settled = await Promise.allSettled(domains.map((domain) => api.scorecard(domain, unit ?? undefined, period)))
  const cards = new Map<string, FiguresList>()
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') cards.set(domains[i], result.value)
  })
  if (cards.size === 0 && settled.length > 0) {
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) throw failure.reason
  }
  return cards
}

export function figuresByIndicator(cards: Iterable<FiguresList>): Map<string, Figures> {
  const map = new Map<string, Figures>()
  for (const card of cards) for (const figures of card.items) map.set(figures.indicator, figures)
  return map
}

/**
 * Whether an indicator is reported at the level of the unit its figures are about. A commune's
 * scorecard lists the field's provincial indicators too (always empty there): tiles leave them out.
 */
export function reportedAtOwnLevel(figures: Pick<Figures, 'unit'>, indicator: Pick<Indicator, 'levels'> | undefined): boolean {
  const level = figures.unit.level
  return level === 'province' || !indicator || indicator.levels.split('+').includes(level)
}

/** The period of the first card that has one (a card with nothing reported has none). */
export function firstPeriod(cards: Iterable<FiguresList>): string | null {
  for (const card of cards) if (card.period) return card.period
  return null
}

const KEY_RANK: Record<string, number> = { missed: 1, at_risk: 2 }

/**
 * The few figures that sum a field up on one unit: those with a value, the `preferred` ones
 * first (the overview's choice), then the missed and at-risk ones, then the rest in card order.
 * Without any value, the first items, so the field still says what it holds.
 */
export function keyFigures(items: readonly Figures[], preferred: ReadonlySet<string>, count = 3): Figures[] {
  const valued = items.filter((f) => f.value !== null)
  if (valued.length === 0) return items.slice(0, count)
  const rank = (f: Figures) => (preferred.has(f.indicator) ? 0 : (KEY_RANK[f.status ?? ''] ?? 3))
  return [...valued].sort((a, b) => rank(a) - rank(b)).slice(0, count)
}

export interface StatusCounts {
  met: number
  on_track: number
  at_risk: number
  missed: number
  no_data: number
  total: number
}

export function countStatuses(items: readonly Figures[]): StatusCounts {
  const counts: StatusCounts = { met: 0, on_track: 0, at_risk: 0, missed: 0, no_data: 0, total: items.length }
  for (const item of items) if (item.status) counts[item.status]++
  return counts
}

/**
 * The explanation badges of a dashboard's tiles (figures of `unit` that missed their targets), by
 * indicator: one request per dashboard, asked again when an alert on the unit moves.
 */
export function useExplanationBadges(unit: () => string | null | undefined, domain?: () => string): ComputedRef<Map<string, TileBadge>> {
  const alerts = shallowRef<Alert[]>([])
  async function load(): Promise<void> {
    const code = unit()
    if (!code) return
    const answer = await api.alerts({ state: BADGE_STATES.join(','), unit: code, domain: domain?.() }).catch(() => null)
    if (answer) alerts.value = answer.items
  }
  watch(() => [unit(), domain?.()].join('|'), load, { immediate: true })
  useAlertRefresh((event) => event.unit === unit(), load, 300)
  return computed(() => tileBadges(alerts.value, unit() ?? ''))
}
