/** Colour classes for choropleths: status colours, or value bands by quantile. */
import type { Status } from './api'

export const STATUS_COLORS: Record<Status | 'none', string> = {
  met: '#1b8a4a',
  on_track: '#2f86c9',
  at_risk: '#d99100',
  missed: '#cf2e2e',
  no_data: '#8d99a6',
  none: '#b8c2cc',
}

/** Light to dark: higher values read as darker (a sequential scheme, colour-blind safe). */
export const BAND_COLORS = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c']
export const EMPTY_COLOR = '#d5dbe1'

/**
 * Upper bounds of up to `count` classes holding about the same number of values (quantiles),
 * without repeated bounds when many values are equal.
 */
export function quantileBreaks(values: readonly number[], count = BAND_COLORS.length): number[] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return []
  const breaks: number[] = []
  for (let i = 1; i <= count; i++) {
    const bound = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / count) - 1)]
    if (breaks.length === 0 || bound > breaks[breaks.length - 1]) breaks.push(bound)
  }
  return breaks
}

/** The class of a value: the first band whose upper bound holds it. */
export function bandOf(value: number, breaks: readonly number[]): number {
  const i = breaks.findIndex((bound) => value <= bound)
  return i < 0 ? breaks.length - 1 : i
}

/** Spreads the available colours over fewer classes so the darkest always means the highest. */
export function bandColor(band: number, classes: number): string {
  if (classes <= 1) return BAND_COLORS[BAND_COLORS.length - 1]
  const index = Math.round((band * (BAND_COLORS.length - 1)) / (classes - 1))
  return BAND_COLORS[index]
}
