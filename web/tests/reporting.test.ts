import { describe, expect, it } from 'vitest'
import type { Indicator, RankedRates, Report } from '../src/api'
import {
  delay,
  filterRows,
  formulaOperands,
  fromReportingCalendar,
  monthlyLinks,
  presetWindow,
  provinceToday,
  queryFromState,
  rankRows,
  shares,
  sortReports,
  stateFromQuery,
  windowMonth,
  type PageState,
} from '../src/reporting'

function ranked(code: string, name: string, on_time: number, late: number, missing: number): RankedRates {
  const expected = on_time + late + missing
  return {
    code,
    name,
    expected,
    received: on_time + late,
    on_time,
    late,
    missing,
    pending: 0,
    rate: expected ? (100 * (on_time + late)) / expected : null,
    on_time_rate: expected ? (100 * on_time) / expected : null,
  }
}

describe('windows of deadlines', () => {
  it('counts this month from its first day to today', () => {
    expect(presetWindow('month', '2026-11-24')).toEqual({ from: '2026-11-01', to: '2026-11-24' })
  })

  it('takes the last 30 days up to today, as the server does by default', () => {
    expect(presetWindow('30d', '2026-11-24')).toEqual({ from: '2026-10-25', to: '2026-11-24' })
    expect(presetWindow('30d', '2026-03-01')).toEqual({ from: '2026-01-30', to: '2026-03-01' })
  })

  it('takes last month whole, across a year and a short February', () => {
    expect(presetWindow('lastMonth', '2026-11-24')).toEqual({ from: '2026-10-01', to: '2026-10-31' })
    expect(presetWindow('lastMonth', '2026-01-05')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(presetWindow('lastMonth', '2024-03-31')).toEqual({ from: '2024-02-01', to: '2024-02-29' })
  })

  it('takes the last calendar quarter whole', () => {
    expect(presetWindow('lastQuarter', '2026-11-24')).toEqual({ from: '2026-07-01', to: '2026-09-30' })
    expect(presetWindow('lastQuarter', '2026-10-01')).toEqual({ from: '2026-07-01', to: '2026-09-30' })
    expect(presetWindow('lastQuarter', '2026-09-30')).toEqual({ from: '2026-04-01', to: '2026-06-30' })
    expect(presetWindow('lastQuarter', '2026-02-10')).toEqual({ from: '2025-10-01', to: '2025-12-31' })
  })

  it('tells today in the province, not in UTC', () => {
    expect(provinceToday(new Date('2026-11-23T18:30:00Z'))).toBe('2026-11-24')
    expect(provinceToday(new Date('2026-11-23T16:30:00Z'))).toBe('2026-11-23')
  })
})

describe('the page in its address', () => {
  const today = '2026-11-24'

  it('defaults to the last 30 days, best first, no drill-down', () => {
    const state = stateFromQuery({}, today)
    expect(state).toEqual({ preset: '30d', from: '2026-10-25', to: '2026-11-24', order: 'best', drill: null, punctuality: ['missing', 'late'] })
    expect(queryFromState(state)).toEqual({})
  })

  it('keeps a preset relative to today and a custom window as its days', () => {
    expect(stateFromQuery({ w: 'lastMonth' }, today)).toMatchObject({ preset: 'lastMonth', from: '2026-10-01', to: '2026-10-31' })
    expect(stateFromQuery({ w: 'lastMonth' }, '2027-01-10')).toMatchObject({ from: '2026-12-01', to: '2026-12-31' })
    expect(stateFromQuery({ from: '2026-06-01', to: '2026-06-15', w: 'month' }, today)).toMatchObject({ preset: 'custom', from: '2026-06-01', to: '2026-06-15' })
  })

  it('falls back to the default for malformed or reversed days and unknown values', () => {
    expect(stateFromQuery({ from: '2026-02-30', to: '2026-03-01' }, today).preset).toBe('30d')
    expect(stateFromQuery({ from: '2026-06-15', to: '2026-06-01' }, today).preset).toBe('30d')
    expect(stateFromQuery({ w: 'decade', order: 'sideways', p: 'never' }, today)).toMatchObject({ preset: '30d', order: 'best', punctuality: ['missing', 'late'] })
  })

  it('round-trips every choice', () => {
    const states: PageState[] = [
      { preset: 'custom', from: '2026-06-01', to: '2026-06-15', order: 'worst', drill: { kind: 'unit', code: '23053' }, punctuality: ['late'] },
      { preset: 'lastQuarter', ...presetWindow('lastQuarter', today), order: 'best', drill: { kind: 'agency', code: 'SNV' }, punctuality: ['missing', 'late', 'pending', 'on_time'] },
      { preset: 'month', ...presetWindow('month', today), order: 'worst', drill: { kind: 'indicator', code: 'BUD.REVENUE' }, punctuality: ['missing', 'late'] },
      { preset: '30d', ...presetWindow('30d', today), order: 'worst', drill: null, punctuality: ['missing', 'late'] },
    ]
    for (const state of states) expect(stateFromQuery(queryFromState(state), today)).toEqual(state)
  })

  it('writes only what differs from the defaults, the punctualities worst first', () => {
    expect(queryFromState({ ...stateFromQuery({}, today), order: 'worst', drill: { kind: 'unit', code: '1' }, punctuality: ['on_time', 'late'] })).toEqual({
      order: 'worst',
      unit: '1',
      p: 'late,on_time',
    })
    expect(queryFromState({ ...stateFromQuery({}, today), drill: { kind: 'unit', code: '1' }, punctuality: ['late', 'missing'] })).toEqual({ unit: '1' })
  })
})

describe('rankings', () => {
  const rows = [
    ranked('a', 'Xã An', 90, 10, 0),
    ranked('b', 'Xã Bình', 50, 0, 50),
    ranked('c', 'Xã Cư', 50, 50, 0),
    ranked('d', 'Xã Đà', 0, 0, 0),
    ranked('e', 'Xã Ea', 100, 0, 0),
    ranked('f', 'Xã Phú', 1, 0, 1),
  ]

  it('puts the best on-time rate first, then the best reporting rate, then the most reports', () => {
    expect(rankRows(rows, 'best').map((r) => r.code)).toEqual(['e', 'a', 'c', 'b', 'f', 'd'])
  })

  it('puts the worst first, then the lowest reporting rate, the most late and missing; nothing expected stays last', () => {
    expect(rankRows(rows, 'worst').map((r) => r.code)).toEqual(['b', 'f', 'c', 'a', 'e', 'd'])
  })

  it('does not change the rows it is given', () => {
    const before = rows.map((r) => r.code)
    rankRows(rows, 'worst')
    expect(rows.map((r) => r.code)).toEqual(before)
  })

  it('finds rows by name without marks, or by code', () => {
    expect(filterRows(rows, 'da').map((r) => r.code)).toEqual(['d'])
    expect(filterRows(rows, 'xa phu').map((r) => r.code)).toEqual(['f'])
    expect(filterRows(rows, 'e').map((r) => r.code)).toContain('e')
  })

  it('draws the parts of the expected reports', () => {
    expect(shares(ranked('x', 'x', 50, 30, 20))).toEqual({ on_time: 50, late: 30, missing: 20 })
    expect(shares(ranked('x', 'x', 0, 0, 0))).toEqual({ on_time: 0, late: 0, missing: 0 })
  })
})

describe('the reports behind a figure', () => {
  function report(indicator: string, punctuality: Report['punctuality'], deadline: string, first: string | null = null): Report {
    return { indicator, indicator_name_vi: indicator, indicator_name_en: indicator, unit: '1', unit_name: 'Xã', period: '202610', deadline, first_reported_at: first, punctuality }
  }

  it('lists missing, late, pending and on-time reports in that order, oldest deadline first', () => {
    const sorted = sortReports([
      report('A', 'on_time', '2026-10-20T23:59:59+07:00'),
      report('B', 'late', '2026-11-20T23:59:59+07:00'),
      report('C', 'pending', '2026-11-30T23:59:59+07:00'),
      report('D', 'missing', '2026-11-01T17:00:00+07:00'),
      report('E', 'late', '2026-10-20T23:59:59+07:00'),
    ])
    expect(sorted.map((r) => r.indicator)).toEqual(['D', 'E', 'B', 'C', 'A'])
  })

  it('tells how late a report came, in hours under a day', () => {
    expect(delay(report('A', 'late', '2026-10-25T17:00:00+07:00', '2026-10-25T12:30:00Z'), new Date())).toEqual({ unit: 'hour', n: 2 })
    expect(delay(report('A', 'late', '2026-10-25T17:00:00+07:00', '2026-10-28T18:48:00Z'), new Date())).toEqual({ unit: 'day', n: 3 })
  })

  it('tells how long a missing report is awaited, and nothing for the others', () => {
    const asOf = new Date('2026-11-24T06:00:00Z')
    expect(delay(report('A', 'missing', '2026-11-14T17:00:00+07:00'), asOf)).toEqual({ unit: 'day', n: 9 })
    expect(delay(report('A', 'on_time', '2026-11-14T17:00:00+07:00', '2026-11-14T01:00:00Z'), asOf)).toBeNull()
    expect(delay(report('A', 'pending', '2026-11-30T17:00:00+07:00'), asOf)).toBeNull()
  })
})

function indicator(code: string, extra: Partial<Indicator> = {}): Indicator {
  return {
    code,
    name_vi: code,
    name_en: code,
    domain: code.split('.')[0],
    measure: 'báo cáo',
    frequency: 'month',
    time_aggregation: 'sum',
    space_aggregation: 'sum',
    polarity: 'higher_better',
    cumulative: false,
    levels: 'province+commune',
    owner_agency: 'VPUBND',
    formula: null,
    public: false,
    source: '',
    confidence: 'D',
    computed: null,
    ...extra,
  }
}

const REPORTING = [
  indicator('RPT.COMMUNE_EXPECTED', { computed: 'reports_expected' }),
  indicator('RPT.COMMUNE_RECEIVED', { computed: 'reports_received' }),
  indicator('RPT.COMMUNE_ON_TIME', { computed: 'reports_on_time' }),
  indicator('RPT.COMMUNE_LATE', { formula: 'RPT.COMMUNE_RECEIVED - RPT.COMMUNE_ON_TIME' }),
  indicator('RPT.COMMUNE_ON_TIME_RATE', { measure: '%', formula: '100 * RPT.COMMUNE_ON_TIME / RPT.COMMUNE_EXPECTED' }),
  indicator('RPT.AGENCY_ON_TIME', { levels: 'province', computed: 'reports_on_time' }),
  indicator('RPT.AGENCY_EXPECTED', { levels: 'province', computed: 'reports_expected' }),
  indicator('RPT.AGENCY_ON_TIME_RATE', { levels: 'province', measure: '%', formula: '100 * RPT.AGENCY_ON_TIME / RPT.AGENCY_EXPECTED' }),
]
const OTHERS = [
  indicator('BUD.REVENUE_TOTAL'),
  indicator('BUD.REVENUE_ESTIMATE'),
  indicator('BUD.REVENUE_RATE', { formula: '100 * BUD.REVENUE_TOTAL / BUD.REVENUE_ESTIMATE' }),
]

describe('the month-by-month reporting indicators', () => {
  it('links the field, the communes\' map and both on-time rates when the catalogue has them', () => {
    const links = monthlyLinks([...OTHERS, ...REPORTING])
    expect(links?.field).toBe(true)
    expect(links?.map?.code).toBe('RPT.COMMUNE_ON_TIME_RATE')
    expect(links?.indicators.map((i) => i.code)).toEqual(['RPT.COMMUNE_ON_TIME_RATE', 'RPT.AGENCY_ON_TIME_RATE'])
  })

  it('offers nothing to a catalogue without them', () => {
    expect(monthlyLinks(OTHERS)).toBeNull()
    expect(monthlyLinks([])).toBeNull()
  })

  it('offers no map when the communes\' rate is not there or not kept by commune', () => {
    const agencies = monthlyLinks(REPORTING.filter((i) => !i.code.startsWith('RPT.COMMUNE')))
    expect(agencies?.map).toBeNull()
    expect(agencies?.indicators.map((i) => i.code)).toEqual(['RPT.AGENCY_ON_TIME_RATE'])
    const provinceOnly = monthlyLinks(REPORTING.map((i) => (i.code === 'RPT.COMMUNE_ON_TIME_RATE' ? { ...i, levels: 'province' } : i)))
    expect(provinceOnly?.map).toBeNull()
  })

  it('shows them at the month of the window\'s end, this month at the latest', () => {
    expect(windowMonth({ from: '2026-10-25', to: '2026-11-24' }, '2026-11-24')).toBe('202611')
    expect(windowMonth({ from: '2026-10-01', to: '2026-10-31' }, '2026-11-24')).toBe('202610')
    expect(windowMonth({ from: '2026-11-01', to: '2026-12-31' }, '2026-11-24')).toBe('202611')
  })

  it('reads the indicator codes of a formula', () => {
    expect(formulaOperands('100 * RPT.COMMUNE_ON_TIME / RPT.COMMUNE_EXPECTED')).toEqual(['RPT.COMMUNE_ON_TIME', 'RPT.COMMUNE_EXPECTED'])
    expect(formulaOperands('(AGR.A2 + AGR.A2) / 2.5')).toEqual(['AGR.A2'])
    expect(formulaOperands('42')).toEqual([])
  })
})

describe('what Vantage counts from the reporting calendar', () => {
  const byCode = new Map([...REPORTING, ...OTHERS].map((i) => [i.code, i]))
  const of = (code: string) => fromReportingCalendar(byCode.get(code)!, byCode)

  it('says counted for the counted indicators and derived for formulas over them', () => {
    expect(of('RPT.COMMUNE_ON_TIME')).toBe('counted')
    expect(of('RPT.COMMUNE_ON_TIME_RATE')).toBe('derived')
    expect(of('RPT.COMMUNE_LATE')).toBe('derived')
  })

  it('follows formulas over such formulas, an operand read twice included', () => {
    const share = indicator('RPT.LATE_SHARE', { formula: '100 * RPT.COMMUNE_LATE / (RPT.COMMUNE_LATE + RPT.COMMUNE_ON_TIME)' })
    expect(fromReportingCalendar(share, byCode)).toBe('derived')
  })

  it('says nothing of entered indicators, formulas over them, mixed or unknown operands, or cycles', () => {
    expect(of('BUD.REVENUE_TOTAL')).toBeNull()
    expect(of('BUD.REVENUE_RATE')).toBeNull()
    expect(fromReportingCalendar(indicator('X.MIXED', { formula: 'RPT.COMMUNE_ON_TIME / BUD.REVENUE_TOTAL' }), byCode)).toBeNull()
    expect(fromReportingCalendar(indicator('X.UNKNOWN', { formula: 'RPT.COMMUNE_ON_TIME / RPT.NOT_READABLE' }), byCode)).toBeNull()
    const loop = new Map([
      ['X.A', indicator('X.A', { formula: 'X.B + RPT.COMMUNE_ON_TIME' })],
      ['X.B', indicator('X.B', { formula: 'X.A' })],
      ['RPT.COMMUNE_ON_TIME', byCode.get('RPT.COMMUNE_ON_TIME')!],
    ])
    expect(fromReportingCalendar(loop.get('X.A')!, loop)).toBeNull()
  })
})
