/** Turns a status and its explanation from the API into a sentence a leader can read aloud. */
import type { Explanation, Figures, Status, TargetView } from './api'
import { formatMeasured, formatPercent, periodLabel } from './format'
import type { Lang } from './i18n'

const STATUS_WORDS: Record<Lang, Record<Status, string>> = {
  vi: { met: 'đạt chỉ tiêu', on_track: 'đúng tiến độ', at_risk: 'có nguy cơ không đạt', missed: 'không đạt chỉ tiêu', no_data: 'chưa có số liệu' },
  en: { met: 'target met', on_track: 'on track', at_risk: 'at risk of missing the target', missed: 'target missed', no_data: 'no data yet' },
}

export function targetText(target: Pick<TargetView, 'kind' | 'value' | 'max'>, measure: string, l: Lang): string {
  const bound = formatMeasured(target.value, measure, l)
  const vi = l === 'vi'
  switch (target.kind) {
    case 'at_least':
      return vi ? `tối thiểu ${bound}` : `at least ${bound}`
    case 'at_most':
      return vi ? `tối đa ${bound}` : `at most ${bound}`
    case 'range': {
      const max = formatMeasured(target.max, measure, l)
      return vi ? `từ ${bound} đến ${max}` : `between ${bound} and ${max}`
    }
  }
}

/** "Năm 2026" inside a sentence is "năm 2026"; roman numerals of quarters keep their case. */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

function comparedLabel(figures: Pick<Figures, 'year_to_date'>, l: Lang): string {
  const cumulative = figures.year_to_date !== null && figures.year_to_date !== undefined
  if (l === 'vi') return cumulative ? 'Lũy kế' : 'Giá trị'
  return cumulative ? 'The year-to-date figure' : 'The value'
}

/**
 * One or two sentences: what was compared with which target, by which rule, and the verdict.
 * `measure` is the indicator's unit of measure.
 */
export function explainStatus(figures: Pick<Figures, 'status' | 'explanation' | 'period' | 'target_percent' | 'year_to_date'>, measure: string, l: Lang): string {
  const status = figures.status
  const e: Explanation | null = figures.explanation
  const vi = l === 'vi'
  if (!status || !e) return vi ? 'Chỉ tiêu này chưa có mục tiêu cho kỳ này, nên không đánh giá đạt hay không đạt.' : 'There is no target for this period, so no status is given.'
  const verdict = STATUS_WORDS[l][status]
  const target = targetText(e.target, measure, l)
  const targetPeriod = periodLabel(e.target.period, l)
  const compared = formatMeasured(e.compared, measure, l)
  const share = figures.target_percent !== null && figures.target_percent !== undefined ? formatPercent(figures.target_percent, l) : null
  const shareText = share ? (vi ? ` (${share} chỉ tiêu)` : ` (${share} of the target)`) : ''
  const what = comparedLabel(figures, l)

  switch (e.rule) {
    case 'no_value':
      return vi
        ? `Chưa có số liệu để so với chỉ tiêu ${lowerFirst(targetPeriod)} (${target}).`
        : `No value yet to compare with the ${targetPeriod} target (${target}).`
    case 'period_complete':
      return vi
        ? `${targetPeriod} đã kết thúc: ${what.toLowerCase()} đạt ${compared}${shareText}, so với chỉ tiêu ${target} — ${verdict}.`
        : `${targetPeriod} is over: ${what.toLowerCase()} reached ${compared}${shareText} against a target of ${target} — ${verdict}.`
    case 'already_decided':
      return vi
        ? `${what} ${compared}${shareText} đã quyết định kết quả trước khi hết ${lowerFirst(targetPeriod)}: chỉ tiêu ${target} — ${verdict}, dù kỳ chưa kết thúc.`
        : `${what} of ${compared}${shareText} already settles ${targetPeriod} before it ends: target ${target} — ${verdict}.`
    case 'forecast': {
      const f = e.forecast
      if (!f) break
      const projected = formatMeasured(f.value, measure, l)
      const how =
        f.method === 'seasonal'
          ? vi
            ? 'theo diễn biến cùng kỳ năm trước'
            : 'following last year’s seasonal profile'
          : vi
            ? `theo tỷ lệ thời gian đã qua (${f.days_elapsed}/${f.days_total} ngày)`
            : `from the share of time elapsed (${f.days_elapsed} of ${f.days_total} days)`
      return vi
        ? `${what} hiện đạt ${compared}${shareText}. Dự báo cuối ${lowerFirst(targetPeriod)} ${how}: ${projected}, so với chỉ tiêu ${target} — ${verdict}.`
        : `${what} stands at ${compared}${shareText}. Projected for the end of ${targetPeriod} ${how}: ${projected}, against a target of ${target} — ${verdict}.`
    }
    case 'current_value':
      break
  }
  return vi
    ? `${what} hiện tại ${compared}${shareText} so với chỉ tiêu ${lowerFirst(targetPeriod)} ${target} — ${verdict}.`
    : `${what} is ${compared}${shareText} against the ${targetPeriod} target of ${target} — ${verdict}.`
}
