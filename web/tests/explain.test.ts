import { describe, expect, it } from 'vitest'
import type { Figures } from '../src/api'
import { explainStatus } from '../src/explain'

const base = { period: '202609', target_percent: 72.5, year_to_date: 7250 } as Pick<Figures, 'status' | 'explanation' | 'period' | 'target_percent' | 'year_to_date'>

describe('status explanations', () => {
  it('explains a forecast in Vietnamese', () => {
    const text = explainStatus(
      {
        ...base,
        status: 'at_risk',
        explanation: { rule: 'forecast', polarity: 'higher_better', compared: 7250, target: { kind: 'at_least', value: 10000, max: null, period: '2026' }, forecast: { method: 'linear', value: 9600, days_elapsed: 273, days_total: 365, last_year_to_date: null, last_year_total: null } },
      },
      'tỷ đồng',
      'vi',
    )
    expect(text).toBe('Lũy kế hiện đạt 7.250 tỷ đồng (72,5% chỉ tiêu). Dự báo cuối năm 2026 theo tỷ lệ thời gian đã qua (273/365 ngày): 9.600 tỷ đồng, so với chỉ tiêu tối thiểu 10.000 tỷ đồng — có nguy cơ không đạt.')
  })
  it('explains a finished period in English', () => {
    const text = explainStatus(
      { ...base, year_to_date: null, target_percent: 104, status: 'met', explanation: { rule: 'period_complete', polarity: 'lower_better', compared: 4.8, target: { kind: 'at_most', value: 5, max: null, period: '2025' }, forecast: null } },
      '%',
      'en',
    )
    expect(text).toBe('2025 is over: the value reached 4,8% (104% of the target) against a target of at most 5% — target met.'.replace('4,8', '4.8'))
  })
  it('explains ranges and missing values', () => {
    const text = explainStatus(
      { ...base, target_percent: null, status: 'no_data', explanation: { rule: 'no_value', polarity: 'target_range', compared: null, target: { kind: 'range', value: 10, max: 12, period: '2026Q3' }, forecast: null } },
      '%',
      'vi',
    )
    expect(text).toBe('Chưa có số liệu để so với chỉ tiêu quý III/2026 (từ 10% đến 12%).')
  })
  it('says when there is no target', () => {
    expect(explainStatus({ ...base, status: null, explanation: null }, '%', 'en')).toContain('no target')
  })
})
