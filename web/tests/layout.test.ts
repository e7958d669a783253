import { describe, expect, it } from 'vitest'
import type { DashboardTile, Indicator } from '../src/api'
import { moveTile, overviewSections, sameLayout, updateTile, visibleTiles } from '../src/layout'

function indicator(code: string, domain = 'ECO', frequency = 'month', time_aggregation = 'sum'): Indicator {
  return { code, domain, frequency, time_aggregation, name_vi: code, name_en: code } as Indicator
}
const tile = (indicator: string, extra: Partial<DashboardTile> = {}): DashboardTile => ({ indicator, hidden: false, pinned: false, chart: 'line', ...extra })

describe('layout edits', () => {
  const tiles = [tile('A'), tile('B'), tile('C')]
  it('moves tiles and clamps', () => {
    expect(moveTile(tiles, 0, 1).map((t) => t.indicator)).toEqual(['B', 'A', 'C'])
    expect(moveTile(tiles, 2, 5).map((t) => t.indicator)).toEqual(['A', 'B', 'C'])
    expect(moveTile(tiles, 2, -2).map((t) => t.indicator)).toEqual(['C', 'A', 'B'])
  })
  it('shows pinned first and hides hidden', () => {
    const edited = updateTile(updateTile(tiles, 2, { pinned: true }), 0, { hidden: true })
    expect(visibleTiles(edited).map((t) => t.indicator)).toEqual(['C', 'B'])
    expect(sameLayout(edited, tiles)).toBe(false)
    expect(sameLayout(tiles, [...tiles])).toBe(true)
  })
})

describe('overview sections', () => {
  const catalogue = new Map([indicator('E1'), indicator('E2'), indicator('E3', 'ECO', 'year'), indicator('B1', 'BUD'), indicator('B2', 'BUD'), indicator('D1', 'DOC')].map((i) => [i.code, i]))
  const figures = (entries: [string, string | null][]) => new Map(entries.map(([code, status]) => [code, { indicator: code, status: status as never }]))
  it('groups the layout by field in field order, pinned first, hidden and figureless tiles left out', () => {
    const layout = [tile('B1'), tile('E1'), tile('E2', { pinned: true }), tile('B2', { hidden: true }), tile('E3')]
    const sections = overviewSections(layout, ['ECO', 'BUD', 'DOC'], catalogue, figures([['E1', 'met'], ['E2', null], ['B1', null], ['B2', 'met']]))
    expect(sections.map((s) => [s.domain, s.tiles.map((t) => t.indicator)])).toEqual([
      ['ECO', ['E2', 'E1']],
      ['BUD', ['B1']],
    ])
  })
  it('stands in a field\'s first indicator with a status when its layout tiles have no figures', () => {
    const sections = overviewSections([tile('E1')], ['ECO', 'DOC'], catalogue, figures([['E2', null], ['E3', 'missed'], ['D1', null]]))
    expect(sections.map((s) => [s.domain, s.tiles.map((t) => `${t.indicator}:${t.chart}`)])).toEqual([
      ['ECO', ['E3:number']],
      ['DOC', ['D1:bar']],
    ])
  })
})
