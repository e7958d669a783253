/** Small geometry helpers for units: reference points and nearest neighbours. */
import type { UnitFeature } from './api'

/** A feature's reference point: its point, or the mean of its outer ring's vertices. */
export function referencePoint(feature: UnitFeature): [number, number] | null {
  if (feature.properties.point) return [feature.properties.point.lon, feature.properties.point.lat]
  const g = feature.geometry
  if (!g) return null
  if (g.type === 'Point') return g.coordinates as [number, number]
  const ring = (g.type === 'Polygon' ? (g.coordinates as number[][][])[0] : (g.coordinates as number[][][][])[0]?.[0]) ?? []
  if (ring.length === 0) return null
  const sum = ring.reduce((acc, [x, y]) => [acc[0] + x, acc[1] + y], [0, 0])
  return [sum[0] / ring.length, sum[1] / ring.length]
}

/** Great-circle distance in kilometres. */
export function distanceKm([lon1, lat1]: [number, number], [lon2, lat2]: [number, number]): number {
  const rad = Math.PI / 180
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2
  return 2 * 6371 * Math.asin(Math.sqrt(a))
}

/** The `count` features nearest to `code` (by reference point), nearest first. */
export function nearestNeighbours(features: readonly UnitFeature[], code: string, count = 6): { feature: UnitFeature; km: number }[] {
  const self = features.find((f) => f.id === code)
  const origin = self && referencePoint(self)
  if (!origin) return []
  return features
    .filter((f) => f.id !== code)
    .map((feature) => ({ feature, point: referencePoint(feature) }))
    .filter((x): x is { feature: UnitFeature; point: [number, number] } => !!x.point)
    .map(({ feature, point }) => ({ feature, km: distanceKm(origin, point) }))
    .sort((a, b) => a.km - b.km)
    .slice(0, count)
}

/** Rank of a unit among its siblings by the indicator's polarity (1 = best); null when not ranked. */
export function rankOf(items: readonly { unit: { code: string }; value: number | null }[], code: string, polarity: string): { rank: number; total: number } | null {
  if (polarity !== 'higher_better' && polarity !== 'lower_better') return null
  const valued = items.filter((i) => i.value !== null)
  valued.sort((a, b) => (polarity === 'higher_better' ? b.value! - a.value! : a.value! - b.value!))
  const index = valued.findIndex((i) => i.unit.code === code)
  return index < 0 ? null : { rank: index + 1, total: valued.length }
}
