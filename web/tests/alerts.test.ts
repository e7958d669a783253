import { describe, expect, it } from 'vitest'
import type { Alert, AlertFinding, AlertState } from '../src/api'
import {
  awaitingRule,
  bellCounts,
  explanationBadge,
  filtersFromQuery,
  findingSentence,
  inState,
  listRequest,
  queryFromFilters,
  readExplanation,
  ruleName,
  tileBadges,
  unreadMarks,
  wallTakeover,
} from '../src/alerts'

describe('findings in one sentence', () => {
  const missed: AlertFinding = { kind: 'target', missed: true, compared: 1118, target: { kind: 'at_most', value: 1091 } }
  const atRisk: AlertFinding = { kind: 'target', missed: false, compared: 7250, target: { kind: 'at_least', value: 10000 }, forecast: 9600 }

  function check(finding: AlertFinding, measure: string, vi: string, en: string): void {
    expect(findingSentence(finding, measure, 'vi')).toBe(vi)
    expect(findingSentence(finding, measure, 'en')).toBe(en)
  }

  it('says a target was missed, with the figure compared and the target', () => {
    check(missed, 'phản ánh', 'Không đạt chỉ tiêu: 1.118 phản ánh so với chỉ tiêu tối đa 1.091 phản ánh.', 'Target missed: 1,118 phản ánh against a target of at most 1,091 phản ánh.')
  })
  it('says a target is at risk, with the projection when there is one', () => {
    check(
      atRisk,
      'tỷ đồng',
      'Có nguy cơ không đạt chỉ tiêu: hiện 7.250 tỷ đồng, dự báo 9.600 tỷ đồng, so với chỉ tiêu tối thiểu 10.000 tỷ đồng.',
      'At risk of missing the target: 7,250 tỷ đồng so far, projected 9,600 tỷ đồng, against a target of at least 10,000 tỷ đồng.',
    )
    check(
      { kind: 'target', missed: false, compared: 2.559, target: { kind: 'range', min: 0.2, max: 0.38 } },
      '%',
      'Có nguy cơ không đạt chỉ tiêu: 2,56% so với chỉ tiêu từ 0,2% đến 0,38%.',
      'At risk of missing the target: 2.56% against a target of between 0.2% and 0.38%.',
    )
  })
  it('names the rule’s threshold and side', () => {
    check({ kind: 'threshold', comparison: 'above', threshold: 2, values: [3] }, 'cấp', 'Giá trị 3 cấp, trên ngưỡng 2 cấp.', 'The value 3 cấp is above the threshold of 2 cấp.')
    check(
      { kind: 'threshold', comparison: 'below', threshold: 60, values: [52.73, 56.44] },
      'điểm',
      '2 kỳ liền dưới ngưỡng 60 điểm: 52,7 → 56,4 điểm.',
      '2 periods in a row below the threshold of 60 điểm: 52.7 → 56.4 điểm.',
    )
  })
  it('names the rule in the interface’s language', () => {
    expect(ruleName({ rule_name: 'Lũ cấp 3', rule_name_en: 'Flood level 3' }, 'en')).toBe('Flood level 3')
    expect(ruleName({ rule_name: 'Lũ cấp 3', rule_name_en: 'Flood level 3' }, 'vi')).toBe('Lũ cấp 3')
    expect(ruleName({ rule_name: 'Lũ cấp 3', rule_name_en: null }, 'en')).toBe('Lũ cấp 3')
  })
  it('says a report is late, with its deadline', () => {
    const late = { kind: 'late_data', deadline: '2026-10-20T23:59:00' } as const
    expect(findingSentence(late, '', 'vi')).toBe('Chưa có số liệu khi đã quá hạn báo cáo (23:59 20/10/2026).')
    expect(findingSentence(late, '', 'en')).toMatch(/^No figure although the reporting deadline passed \(23:59 .*2026\)\.$/)
  })
  it('names the alert whose explanation is overdue', () => {
    check({ kind: 'overdue_explanation', alert: 42, due: '2026-11-20T16:59:59Z' }, '', 'Giải trình của cảnh báo #42 đã quá hạn mà chưa được gửi.', 'The explanation of alert #42 is overdue and still awaited.')
  })
  it('gives the change against last year, down or up', () => {
    check(
      { kind: 'year_on_year', value: 750, last_year: 1004, percent: -25.3 },
      'tỷ đồng',
      'Giảm 25,3% so với cùng kỳ năm trước: 750 tỷ đồng so với 1.004 tỷ đồng.',
      'Down 25.3% on the same period last year: 750 tỷ đồng against 1,004 tỷ đồng.',
    )
    check({ kind: 'year_on_year', value: 130, last_year: 90, percent: 44.44 }, 'ca', 'Tăng 44,4% so với cùng kỳ năm trước: 130 ca so với 90 ca.', 'Up 44.4% on the same period last year: 130 ca against 90 ca.')
  })
  it('places an outlier against its usual range', () => {
    check(
      { kind: 'outlier', value: 142, median: 198.5, low: 144.0152, high: 252.9848 },
      'lượt',
      'Giá trị 142 lượt khác thường so với các kỳ trước (trung vị 198,5 lượt, thường trong khoảng 144 – 253 lượt).',
      'The value 142 lượt is unusual against earlier periods (median 198.5 lượt, usually 144 – 253 lượt).',
    )
  })
})

function alert(state: AlertState, extra: Partial<Alert> = {}): Alert {
  return {
    id: 1,
    rule: 'r',
    rule_name: 'R',
    severity: 'major',
    indicator: 'ECO.GRDP',
    indicator_name_vi: 'GRDP',
    indicator_name_en: 'GRDP',
    measure: '%',
    domain: 'ECO',
    unit: '68',
    unit_name: 'Tỉnh',
    period: '2026',
    finding: { kind: 'target', missed: true, compared: 1, target: { kind: 'at_least', value: 2 } },
    state,
    holds: true,
    public: false,
    assignee: null,
    opened_at: '2026-11-12T03:11:11.855Z',
    updated_at: '2026-11-12T03:11:11.855Z',
    due_at: null,
    reminded_at: null,
    escalated_at: null,
    overdue: false,
    triggers: 1,
    version: 1,
    unread: false,
    ...extra,
  }
}

describe('explanation badges on dashboard tiles', () => {
  it('maps the states of a target alert to a badge', () => {
    expect(explanationBadge(alert('assigned'))).toBe('awaiting')
    expect(explanationBadge(alert('assigned', { overdue: true }))).toBe('overdue')
    expect(explanationBadge(alert('explanation_submitted'))).toBe('explained')
    expect(explanationBadge(alert('accepted'))).toBe('accepted')
    for (const state of ['open', 'acknowledged', 'closed'] as const) expect(explanationBadge(alert(state))).toBeNull()
  })
  it('gives no badge to alerts of other rules', () => {
    expect(explanationBadge(alert('assigned', { finding: { kind: 'outlier', value: 1, median: 2, low: 1.5, high: 2.5 } }))).toBeNull()
  })
  it('keeps the most pressing badge per indicator, on the tile’s unit only', () => {
    const badges = tileBadges(
      [
        alert('accepted', { id: 1 }),
        alert('assigned', { id: 2, overdue: true }),
        alert('explanation_submitted', { id: 3 }),
        alert('assigned', { id: 4, indicator: 'ECO.CPI' }),
        alert('assigned', { id: 5, indicator: 'ECO.EXPORTS', unit: '22918', overdue: true }),
      ],
      '68',
    )
    expect(Object.fromEntries(badges)).toEqual({ 'ECO.GRDP': { badge: 'overdue', alert: 2 }, 'ECO.CPI': { badge: 'awaiting', alert: 4 } })
  })
})

describe('the bell: what awaits the signed-in user', () => {
  const escalated = '2026-11-24T03:11:12Z'
  it('counts new alerts, explanations to decide and escalated ones for the centre', () => {
    for (const role of ['admin', 'leader', 'operator'] as const) {
      const rule = awaitingRule(role)!
      expect(rule.filters).toEqual({ state: 'open,assigned,explanation_submitted' })
      const kept = [
        alert('open'),
        alert('acknowledged'),
        alert('assigned'),
        alert('assigned', { escalated_at: escalated }),
        alert('explanation_submitted'),
        alert('accepted', { escalated_at: escalated }),
      ].filter(rule.keep)
      expect(kept.map((a) => [a.state, !!a.escalated_at])).toEqual([
        ['open', false],
        ['assigned', true],
        ['explanation_submitted', false],
      ])
    }
  })
  it('counts for a data owner the alerts it is to explain', () => {
    const rule = awaitingRule('data_owner')!
    expect(rule.filters).toEqual({ mine: true, state: 'assigned' })
    expect([alert('assigned'), alert('explanation_submitted')].filter(rule.keep).map((a) => a.state)).toEqual(['assigned'])
  })
  it('has nothing for viewers and visitors', () => {
    expect(awaitingRule('viewer')).toBeNull()
    expect(awaitingRule(undefined)).toBeNull()
  })
  it('counts the unread ones among those awaiting, not among the others', () => {
    const alerts = [
      alert('open', { unread: true }),
      alert('open'),
      alert('explanation_submitted', { unread: true }),
      alert('assigned', { unread: true }),
      alert('acknowledged', { unread: true }),
    ]
    expect(bellCounts(alerts, awaitingRule('leader')!)).toEqual({ awaiting: 3, unread: 2 })
    expect(bellCounts(alerts, awaitingRule('data_owner')!)).toEqual({ awaiting: 1, unread: 1 })
    expect(bellCounts([], awaitingRule('leader')!)).toEqual({ awaiting: 0, unread: 0 })
  })
})

describe('marking alerts read', () => {
  it('marks the unread alerts shown at the version shown', () => {
    const alerts = [alert('open', { id: 12, version: 4, unread: true }), alert('open', { id: 13, version: 2 }), alert('assigned', { id: 14, version: 9, unread: true })]
    expect(unreadMarks(alerts)).toEqual([
      { id: 12, version: 4 },
      { id: 14, version: 9 },
    ])
  })
  it('marks nothing for an anonymous caller, for whom nothing is unread or read', () => {
    expect(unreadMarks([alert('open', { unread: null })])).toEqual([])
  })
})

describe('wall takeover', () => {
  it('shows the newest critical alert nobody acknowledged, and how many there are', () => {
    const alerts = [
      alert('open', { id: 3, severity: 'critical', opened_at: '2026-11-12T03:00:00Z' }),
      alert('open', { id: 9, severity: 'critical', opened_at: '2026-11-24T08:00:00Z' }),
      alert('acknowledged', { id: 10, severity: 'critical', opened_at: '2026-11-24T09:00:00Z' }),
      alert('open', { id: 11, severity: 'major', opened_at: '2026-11-24T10:00:00Z' }),
      alert('open', { id: 4, severity: 'critical', opened_at: '2026-11-12T03:00:00Z' }),
    ]
    const takeover = wallTakeover(alerts)
    expect(takeover?.alert.id).toBe(9)
    expect(takeover?.count).toBe(3)
    expect(wallTakeover(alerts.filter((a) => a.id !== 9))?.alert.id).toBe(4)
  })
  it('leaves the wall alone when none is open', () => {
    expect(wallTakeover([alert('acknowledged', { severity: 'critical' })])).toBeNull()
  })
})

describe('the alerts page’s filters', () => {
  it('reads the address and writes it back', () => {
    const filters = filtersFromQuery({ state: 'assigned', severity: 'critical', domain: 'BUD', mine: '1', escalated: 'true', awaiting: '0', unread: '1' })
    expect(filters).toEqual({ state: 'assigned', severity: 'critical', domain: 'BUD', mine: true, escalated: true, awaiting: false, unread: true })
    expect(queryFromFilters(filters)).toEqual({ state: 'assigned', severity: 'critical', domain: 'BUD', mine: '1', escalated: '1', unread: '1' })
    expect(filtersFromQuery(queryFromFilters(filtersFromQuery({})))).toMatchObject({ unread: false, awaiting: false })
  })
  it('ignores values that are not states or severities', () => {
    expect(filtersFromQuery({ state: 'gone', severity: ['loud'] })).toMatchObject({ state: null, severity: null })
  })
  it('asks for every state, and picks one among the answer', () => {
    const request = listRequest(filtersFromQuery({ severity: 'critical', state: 'open' }), 'leader')
    expect(request.filters).toEqual({ severity: 'critical', state: 'open,acknowledged,assigned,explanation_submitted,accepted,closed' })
    expect(inState(alert('closed'), null)).toBe(false)
    expect(inState(alert('open'), null)).toBe(true)
    expect(inState(alert('open'), 'assigned')).toBe(false)
  })
  it('asks for what awaits the caller as the bell does, with the other filters', () => {
    const request = listRequest(filtersFromQuery({ awaiting: '1', domain: 'BUD' }), 'data_owner')
    expect(request.filters).toEqual({ mine: true, state: 'assigned', domain: 'BUD' })
    expect(request.keep(alert('explanation_submitted'))).toBe(false)
  })
  it('asks the server for the unread ones only, with or without what awaits the caller', () => {
    expect(listRequest(filtersFromQuery({ unread: '1' }), 'leader').filters).toEqual({ unread: true, state: 'open,acknowledged,assigned,explanation_submitted,accepted,closed' })
    expect(listRequest(filtersFromQuery({ unread: '1', awaiting: '1' }), 'leader').filters).toEqual({ state: 'open,assigned,explanation_submitted', unread: true })
    expect(listRequest(filtersFromQuery({ unread: '0' }), 'leader').filters).not.toHaveProperty('unread')
  })
})

describe('explanations as typed', () => {
  it('needs a cause', () => {
    expect(readExplanation('  ', [])).toEqual({ missing: 'causeRequired' })
  })
  it('needs both what and when of each corrective action, and drops empty rows', () => {
    expect(readExplanation('Mưa lớn', [{ action: 'Sửa đường', due: '' }])).toEqual({ missing: 'actionIncomplete' })
    expect(readExplanation('Mưa lớn', [{ action: ' ', due: '2027-01-08' }])).toEqual({ missing: 'actionIncomplete' })
    expect(readExplanation(' Mưa lớn ', [{ action: ' Sửa đường ', due: '2027-01-08' }, { action: '', due: '' }])).toEqual({
      explanation: { cause: 'Mưa lớn', actions: [{ action: 'Sửa đường', due: '2027-01-08' }] },
    })
  })
})
