/**
 * Data entry without the screen: reading numbers as Vietnamese and English users type them,
 * plausibility hints from the unit of measure, and the task list grouped by deadline.
 */
import type { Task, TaskState } from './api'
import type { Lang } from './i18n'
import { matches } from './search'

export type ParsedNumber =
  | { kind: 'empty' }
  | { kind: 'invalid' }
  /** `ambiguous`: a lone separator before three digits ("1.234"), read by the language's convention. */
  | { kind: 'number'; value: number; ambiguous: boolean }

const GROUPED = /^\d{1,3}(?:X\d{3})+$/

/**
 * Reads a typed number. Both orders are accepted: "1.234,5" (Vietnamese: dot groups, comma
 * decimal) and "1,234.5" / "1234.5". When both separators occur the last one is the decimal mark;
 * a lone separator is a decimal mark unless exactly three digits follow it (then the language
 * decides: in Vietnamese "1.234" is one thousand two hundred and thirty-four). Grouping must come in
 * threes, so "1.23.4" is refused rather than guessed.
 */
export function parseNumber(text: string, l: Lang = 'vi'): ParsedNumber {
  let s = text.replace(/[\s\u00a0\u202f\u2009']/g, '')
  if (!s) return { kind: 'empty' }
  let sign = 1
  if (/^[-−–+]/.test(s)) {
    if (s[0] !== '+') sign = -1
    s = s.slice(1)
  }
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s) || /^[.,]|[.,]$/.test(s)) return { kind: 'invalid' }
  const dots = s.split('.').length - 1
  const commas = s.split(',').length - 1
  let integer: string
  let fraction = ''
  let ambiguous = false
  if (dots && commas) {
    const decimal = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ','
    const group = decimal === '.' ? ',' : '.'
    const at = s.lastIndexOf(decimal)
    if (s.split(decimal).length - 1 > 1) return { kind: 'invalid' }
    integer = s.slice(0, at)
    fraction = s.slice(at + 1)
    if (fraction.includes(group) || !GROUPED.test(integer.replaceAll(group, 'X'))) return { kind: 'invalid' }
    integer = integer.replaceAll(group, '')
  } else if (dots + commas === 0) {
    integer = s
  } else {
    const mark = dots ? '.' : ','
    const count = dots || commas
    if (count > 1) {
      // several of one mark can only be grouping: 1.234.567 or 1,234,567
      if (!GROUPED.test(s.replaceAll(mark, 'X'))) return { kind: 'invalid' }
      integer = s.replaceAll(mark, '')
    } else {
      const [left, right] = s.split(mark)
      const languageGroup = l === 'vi' ? '.' : ','
      if (right.length === 3 && left.length <= 3 && /^[1-9]/.test(left)) {
        ambiguous = true
        if (mark === languageGroup) integer = left + right
        else [integer, fraction] = [left, right]
      } else [integer, fraction] = [left, right]
    }
  }
  const value = sign * Number(fraction ? `${integer}.${fraction}` : integer)
  if (!Number.isFinite(value)) return { kind: 'invalid' }
  return { kind: 'number', value: Object.is(value, -0) ? 0 : value, ambiguous }
}

export type ValueHint = 'negative' | 'over100'

/** Measures whose values may be negative: rates and changes in %, ‰, points, degrees. */
function signedMeasure(measure: string): boolean {
  return measure === '%' || measure.startsWith('% ') || measure === '‰' || measure === 'điểm %' || measure === '°C'
}

/** Shares of a whole, which cannot exceed 100. */
function shareMeasure(measure: string): boolean {
  return measure === '%' || measure.startsWith('% ')
}

/** Hints a value is probably mistyped, from its unit of measure alone (the server checks history). */
export function valueHints(value: number, measure: string | undefined): ValueHint[] {
  const hints: ValueHint[] = []
  const m = (measure ?? '').trim()
  if (value < 0 && !signedMeasure(m)) hints.push('negative')
  if (value > 100 && shareMeasure(m)) hints.push('over100')
  return hints
}

/** A task the owner still has to act on. */
export function isOpen(state: TaskState): boolean {
  return state !== 'submitted' && state !== 'approved'
}

export function isOverdue(task: Pick<Task, 'deadline' | 'state'>, now: Date): boolean {
  return isOpen(task.state) && new Date(task.deadline).getTime() < now.getTime()
}

export interface TaskGroup {
  deadline: string
  /** A row of this deadline is still open although the deadline has passed. */
  overdue: boolean
  /** Every row is submitted or approved. */
  done: boolean
  tasks: Task[]
}

/**
 * Tasks by deadline: overdue groups first (the oldest debt on top), then the coming deadlines
 * (soonest first), then past deadlines already met (latest first). Inside a group, open rows first,
 * then by name.
 */
export function groupTasks(tasks: readonly Task[], now: Date, l: Lang = 'vi'): TaskGroup[] {
  const byDeadline = new Map<string, Task[]>()
  for (const task of tasks) {
    const list = byDeadline.get(task.deadline)
    if (list) list.push(task)
    else byDeadline.set(task.deadline, [task])
  }
  const name = (t: Task) => (l === 'en' ? t.name_en || t.name_vi : t.name_vi || t.name_en)
  const groups: TaskGroup[] = [...byDeadline].map(([deadline, list]) => ({
    deadline,
    overdue: list.some((t) => isOverdue(t, now)),
    done: list.every((t) => !isOpen(t.state)),
    tasks: [...list].sort(
      (a, b) => Number(!isOpen(a.state)) - Number(!isOpen(b.state)) || name(a).localeCompare(name(b), l) || a.period.localeCompare(b.period),
    ),
  }))
  const at = (g: TaskGroup) => new Date(g.deadline).getTime()
  const rank = (g: TaskGroup) => (g.overdue ? 0 : at(g) >= now.getTime() ? 1 : 2)
  return groups.sort((a, b) => rank(a) - rank(b) || (rank(a) === 2 ? at(b) - at(a) : at(a) - at(b)))
}

export const TASK_STATES: TaskState[] = ['late', 'returned', 'not_started', 'draft', 'submitted', 'approved']

export function countStates(tasks: readonly Task[]): Record<TaskState, number> {
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>
  for (const task of tasks) counts[task.state] = (counts[task.state] ?? 0) + 1
  return counts
}

/** Tasks in a state (or all), whose names, code or period label hold every word of the query, marks ignored. */
export function filterTasks(tasks: readonly Task[], state: TaskState | 'all', query: string, label: (task: Task) => string = () => ''): Task[] {
  return tasks.filter((task) => (state === 'all' || task.state === state) && matches(query, task.name_vi, task.name_en, task.indicator, label(task)))
}

/** The key of a cell, for maps of rows. */
export function cellKey(cell: { indicator: string; unit: string; period: string }): string {
  return `${cell.indicator}|${cell.unit}|${cell.period}`
}
