import { describe, expect, it } from 'vitest'
import { formatDate, formatMeasured, formatNumber, formatPercent, formatSigned, lookBackFrom, parsePeriod, periodContaining, periodLabel, periodLastDay, periodShortLabel, viewablePeriodTypes } from '../src/format'

describe('numbers', () => {
  it('uses Vietnamese separators', () => {
    expect(formatNumber(1234.5, 'vi')).toBe('1.234,5')
    expect(formatNumber(1234567, 'vi')).toBe('1.234.567')
    expect(formatNumber(0.125, 'vi')).toBe('0,13')
    expect(formatNumber(1234.5, 'en')).toBe('1,234.5')
  })
  it('shows a dash for missing values', () => {
    expect(formatNumber(null, 'vi')).toBe('—')
    expect(formatNumber(Number.NaN, 'vi')).toBe('—')
  })
  it('signs changes and percentages', () => {
    expect(formatSigned(12.5, 'vi')).toBe('+12,5')
    expect(formatSigned(-3, 'vi')).toBe('-3')
    expect(formatPercent(87.25, 'vi')).toBe('87,3%')
    expect(formatPercent(4.5, 'vi', true)).toBe('+4,5%')
  })
  it('attaches units of measure', () => {
    expect(formatMeasured(1234.5, 'tỷ đồng', 'vi')).toBe('1.234,5 tỷ đồng')
    expect(formatMeasured(7.5, '%', 'vi')).toBe('7,5%')
  })
})

describe('dates', () => {
  it('prints day first in the province time zone', () => {
    expect(formatDate('2026-09-17T03:00:00Z', 'vi')).toBe('17/09/2026')
    // 20:00 UTC is already the next day in Asia/Ho_Chi_Minh
    expect(formatDate('2026-09-16T20:00:00Z', 'vi')).toBe('17/09/2026')
  })
})

describe('periods', () => {
  it('parses DHIS2 identifiers', () => {
    expect(parsePeriod('202609')).toMatchObject({ type: 'month', year: 2026, index: 9 })
    expect(parsePeriod('2026Q3')).toMatchObject({ type: 'quarter', index: 3 })
    expect(parsePeriod('2026W53')).toMatchObject({ type: 'week', index: 53 })
    expect(parsePeriod('20260917')).toMatchObject({ type: 'day', month: 9, day: 17 })
    expect(parsePeriod('202613')).toBeNull()
    expect(parsePeriod('2026Q5')).toBeNull()
  })
  it('labels periods in Vietnamese', () => {
    expect(periodLabel('202609', 'vi')).toBe('Tháng 9/2026')
    expect(periodLabel('2026Q3', 'vi')).toBe('Quý III/2026')
    expect(periodLabel('2026Q4', 'vi')).toBe('Quý IV/2026')
    expect(periodLabel('2026S1', 'vi')).toBe('6 tháng đầu năm 2026')
    expect(periodLabel('2026', 'vi')).toBe('Năm 2026')
    expect(periodLabel('2026W38', 'vi')).toBe('Tuần 38/2026')
    expect(periodLabel('20260917', 'vi')).toBe('17/09/2026')
  })
  it('labels periods in English and keeps unknown ids', () => {
    expect(periodLabel('202609', 'en')).toBe('Sep 2026')
    expect(periodLabel('2026Q3', 'en')).toBe('Q3 2026')
    expect(periodLabel('bogus', 'en')).toBe('bogus')
    expect(periodShortLabel('2026Q3', 'vi')).toBe('QIII/26')
  })
  it('offers the frequency and coarser types', () => {
    expect(viewablePeriodTypes('month')).toEqual(['month', 'quarter', 'year'])
    expect(viewablePeriodTypes('quarter')).toEqual(['quarter', 'year'])
    expect(viewablePeriodTypes('year')).toEqual(['year'])
    expect(viewablePeriodTypes('week')).toEqual(['week', 'month', 'quarter', 'year'])
    expect(viewablePeriodTypes('halfyear')).toEqual(['halfyear', 'year'])
  })
})

describe('last day of a period', () => {
  it('ends each period type on its calendar day', () => {
    expect(periodLastDay('20250630')).toBe('2025-06-30')
    expect(periodLastDay('202502')).toBe('2025-02-28')
    expect(periodLastDay('202402')).toBe('2024-02-29')
    expect(periodLastDay('2025Q2')).toBe('2025-06-30')
    expect(periodLastDay('2025S1')).toBe('2025-06-30')
    expect(periodLastDay('2025')).toBe('2025-12-31')
    expect(periodLastDay('bad')).toBeNull()
  })
  it('ends ISO weeks on Sunday, across year boundaries', () => {
    expect(periodLastDay('2026W01')).toBe('2026-01-04')
    expect(periodLastDay('2026W53')).toBe('2027-01-03')
    expect(periodLastDay('2025W01')).toBe('2025-01-05')
    expect(periodLastDay('2021W01')).toBe('2021-01-10')
  })
})

describe('look-back', () => {
  const today = new Date('2026-11-24T00:00:00Z')
  it('starts years back for coarse periods and a season back for days', () => {
    expect(lookBackFrom('month', today)).toBe('202101')
    expect(lookBackFrom('year', today)).toBe('2016')
    expect(lookBackFrom('quarter', today)).toBe('2021Q1')
    expect(lookBackFrom('day', today)).toBe('20260824')
  })
})

describe('period containing a date', () => {
  it('names the period of each type', () => {
    expect(periodContaining('2025-06-30', 'day')).toBe('20250630')
    expect(periodContaining('2025-06-30', 'month')).toBe('202506')
    expect(periodContaining('2025-06-30', 'quarter')).toBe('2025Q2')
    expect(periodContaining('2025-06-30', 'halfyear')).toBe('2025S1')
    expect(periodContaining('2025-06-30', 'year')).toBe('2025')
  })
  it('uses ISO weeks, whose year may differ from the date\'s', () => {
    expect(periodContaining('2025-06-30', 'week')).toBe('2025W27')
    expect(periodContaining('2027-01-03', 'week')).toBe('2026W53')
    expect(periodContaining('2024-12-30', 'week')).toBe('2025W01')
    expect(periodLastDay(periodContaining('2026-03-18', 'week'))).toBe('2026-03-22')
  })
})
