import { describe, expect, it } from 'vitest'
import type { UnitFeature } from '../src/api'
import { distanceKm, nearestNeighbours, rankOf, referencePoint } from '../src/geo'

const point = (id: string, lon: number, lat: number): UnitFeature =>
  ({ type: 'Feature', id, geometry: { type: 'Point', coordinates: [lon, lat] }, properties: { code: id, point: null } }) as unknown as UnitFeature

describe('geometry helpers', () => {
  it('measures distances', () => {
    expect(distanceKm([108, 11], [108, 12])).toBeCloseTo(111.2, 0)
  })
  it('uses the outer ring of polygons', () => {
    const square = { type: 'Feature', id: 'S', geometry: { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 2], [0, 2]]] }, properties: { point: null } } as unknown as UnitFeature
    expect(referencePoint(square)).toEqual([1, 1])
  })
  it('finds the nearest units', () => {
    const features = [point('A', 108, 11), point('B', 108.1, 11), point('C', 109, 11), point('D', 108.5, 11)]
    expect(nearestNeighbours(features, 'A', 2).map((n) => n.feature.id)).toEqual(['B', 'D'])
    expect(nearestNeighbours(features, 'Z')).toEqual([])
  })
  it('ranks by polarity', () => {
    const items = [{ unit: { code: 'a' }, value: 5 }, { unit: { code: 'b' }, value: 9 }, { unit: { code: 'c' }, value: null }]
    expect(rankOf(items, 'a', 'higher_better')).toEqual({ rank: 2, total: 2 })
    expect(rankOf(items, 'a', 'lower_better')).toEqual({ rank: 1, total: 2 })
    expect(rankOf(items, 'a', 'target_range')).toBeNull()
    expect(rankOf(items, 'c', 'higher_better')).toBeNull()
  })
})
