import { describe, expect, it } from 'vitest'
import type { Figures, FiguresList } from '../src/api'
import { countStatuses, figuresByIndicator, firstPeriod, keyFigures, reportedAtOwnLevel } from '../src/dashboardData'

describe('status counts', () => {
  it('counts each status and the total', () => {
    const items = ['met', 'missed', 'missed', 'at_risk', null].map((status) => ({ status }) as Figures)
    expect(countStatuses(items)).toEqual({ met: 1, on_track: 0, at_risk: 1, missed: 2, no_data: 0, total: 5 })
  })
})

describe('scorecards', () => {
  const card = (period: string | null, ...codes: string[]) => ({ unit: { code: '68' }, period, items: codes.map((indicator) => ({ indicator })) }) as unknown as FiguresList
  it('takes the period of the first card that has one', () => {
    expect(firstPeriod([card(null), card('202610', 'A')])).toBe('202610')
    expect(firstPeriod([card(null)])).toBeNull()
  })
  it('indexes figures by indicator across cards', () => {
    expect([...figuresByIndicator([card('202610', 'A', 'B'), card(null), card('2026', 'C')]).keys()]).toEqual(['A', 'B', 'C'])
  })
})

describe('key figures', () => {
  const f = (indicator: string, value: number | null, status: string | null = null) => ({ indicator, value, status }) as Figures
  it('prefers the chosen ones, then the missed and at-risk ones, among those with a value', () => {
    const items = [f('A', 1), f('B', null, 'missed'), f('C', 2, 'at_risk'), f('D', 3, 'missed'), f('E', 4)]
    expect(keyFigures(items, new Set(['E', 'B'])).map((x) => x.indicator)).toEqual(['E', 'D', 'C'])
  })
  it('falls back to the first items when nothing has a value', () => {
    expect(keyFigures([f('A', null), f('B', null), f('C', null), f('D', null)], new Set(), 2).map((x) => x.indicator)).toEqual(['A', 'B'])
  })
})

describe('levels', () => {
  const at = (level: string) => ({ unit: { code: 'x', name: 'x', level } })
  it('keeps provincial indicators out of a commune\'s tiles', () => {
    expect(reportedAtOwnLevel(at('commune'), { levels: 'province' })).toBe(false)
    expect(reportedAtOwnLevel(at('commune'), { levels: 'province+commune' })).toBe(true)
    expect(reportedAtOwnLevel(at('province'), { levels: 'province' })).toBe(true)
  })
})
