import { describe, expect, it } from 'vitest'
import type { Task, TaskState } from '../src/api'
import { countStates, filterTasks, groupTasks, isOverdue, parseNumber, valueHints } from '../src/entry'

function check(text: string, expected: number | 'invalid' | 'empty', lang: 'vi' | 'en' = 'vi', ambiguous = false) {
  const parsed = parseNumber(text, lang)
  if (expected === 'invalid' || expected === 'empty') expect(parsed, text).toEqual({ kind: expected })
  else expect(parsed, text).toEqual({ kind: 'number', value: expected, ambiguous })
}

describe('parseNumber', () => {
  it('reads Vietnamese and plain numbers', () => {
    check('1.234,5', 1234.5)
    check('1234.5', 1234.5)
    check('1234,5', 1234.5)
    check('1.234.567', 1234567)
    check('1.234.567,89', 1234567.89)
    check('0,5', 0.5)
    check('0.125', 0.125)
    check('42', 42)
    check(' 1 234,5 ', 1234.5)
    check('1\u00a0234', 1234)
  })
  it('reads English grouping', () => {
    check('1,234.5', 1234.5)
    check('1,234,567', 1234567)
    check('1,234,567.25', 1234567.25, 'en')
  })
  it('reads a lone separator before three digits by the language, and says so', () => {
    check('1.234', 1234, 'vi', true)
    check('12,500', 12.5, 'vi', true)
    check('1.234', 1.234, 'en', true)
    check('12,500', 12500, 'en', true)
    // four digits before, or a leading zero, cannot be grouping
    check('1234.567', 1234.567)
    check('0,125', 0.125)
  })
  it('takes signs, including the typographic minus', () => {
    check('-3,5', -3.5)
    check('−12', -12)
    check('+7', 7)
    check('-0', 0)
  })
  it('refuses what is not a number', () => {
    check('', 'empty')
    check('   ', 'empty')
    for (const text of ['abc', '12a', '1.2.3', '1.23.456', '1,2,3', '1.234,5.6', '1,234.5,6', '.5', '5.', ',', '-', '1e5', '12..3', '1.234,56,7', '1,23.4'])
      check(text, 'invalid')
  })
})

describe('valueHints', () => {
  it('warns on negative counts and amounts, not on rates or temperatures', () => {
    expect(valueHints(-1, 'người')).toEqual(['negative'])
    expect(valueHints(-1, 'tỷ đồng')).toEqual(['negative'])
    expect(valueHints(-1, '%')).toEqual([])
    expect(valueHints(-2, '°C')).toEqual([])
    expect(valueHints(-2, 'điểm %')).toEqual([])
    expect(valueHints(0, 'vụ')).toEqual([])
  })
  it('warns on shares above 100', () => {
    expect(valueHints(100, '%')).toEqual([])
    expect(valueHints(100.5, '%')).toEqual(['over100'])
    expect(valueHints(120, '% hộ')).toEqual(['over100'])
    expect(valueHints(120, '‰')).toEqual([])
    expect(valueHints(5000, 'người')).toEqual([])
  })
})

const task = (indicator: string, deadline: string, state: TaskState, name_vi = indicator, period = '202610'): Task => ({
  indicator,
  name_vi,
  name_en: `${name_vi} (en)`,
  unit: '68',
  period,
  deadline,
  state,
  value: null,
})

describe('task grouping', () => {
  const now = new Date('2026-11-24T08:00:00+07:00')
  const tasks = [
    task('A', '2026-12-21T23:59:59+07:00', 'not_started', 'Chi đầu tư'),
    task('B', '2026-11-20T23:59:59+07:00', 'late', 'Thu ngân sách'),
    task('C', '2026-11-20T23:59:59+07:00', 'submitted', 'Áp lực'),
    task('D', '2026-10-15T23:59:59+07:00', 'approved', 'Nợ địa phương'),
    task('E', '2026-11-05T17:00:00+07:00', 'late', 'Văn bản đến'),
    task('F', '2026-11-30T23:59:59+07:00', 'draft', 'Bản nháp'),
    task('G', '2026-12-21T23:59:59+07:00', 'returned', 'Bị trả lại'),
    task('H', '2026-11-01T23:59:59+07:00', 'submitted', 'Đã gửi'),
  ]

  it('puts overdue deadlines first, then coming ones, then past ones already met', () => {
    const groups = groupTasks(tasks, now)
    expect(groups.map((g) => [g.deadline.slice(0, 10), g.overdue, g.done])).toEqual([
      ['2026-11-05', true, false],
      ['2026-11-20', true, false],
      ['2026-11-30', false, false],
      ['2026-12-21', false, false],
      ['2026-11-01', false, true],
      ['2026-10-15', false, true],
    ])
  })

  it('orders open rows before finished ones, then by name', () => {
    const groups = groupTasks(tasks, now)
    expect(groups[1].tasks.map((t) => t.indicator)).toEqual(['B', 'C'])
    expect(groups[3].tasks.map((t) => t.indicator)).toEqual(['G', 'A'])
  })

  it('knows what is overdue', () => {
    expect(isOverdue(tasks[1], now)).toBe(true)
    expect(isOverdue(tasks[2], now)).toBe(false)
    expect(isOverdue(tasks[0], now)).toBe(false)
  })

  it('counts states', () => {
    const counts = countStates(tasks)
    expect(counts).toEqual({ late: 2, returned: 1, not_started: 1, draft: 1, submitted: 2, approved: 1 })
  })

  it('filters by state and by words without marks', () => {
    expect(filterTasks(tasks, 'late', '').map((t) => t.indicator)).toEqual(['B', 'E'])
    expect(filterTasks(tasks, 'all', 'ngan sach').map((t) => t.indicator)).toEqual(['B'])
    expect(filterTasks(tasks, 'all', 'van ban den').map((t) => t.indicator)).toEqual(['E'])
    expect(filterTasks(tasks, 'all', 'thang 10', () => 'Tháng 10/2026').length).toBe(tasks.length)
    expect(filterTasks(tasks, 'submitted', 'no dia phuong')).toEqual([])
  })
})
