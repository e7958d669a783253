import { describe, expect, it } from 'vitest'
import { parseAlertEvent, parseChange } from '../src/stream'

describe('change events', () => {
  it('reads flat and nested shapes', () => {
    const flat = parseChange('7', JSON.stringify({ indicator: 'BUD.REV', unit: '68', period: '202609', old_value: 1, new_value: 2, old_status: null, new_status: 'met' }))
    expect(flat).toMatchObject({ id: '7', indicator: 'BUD.REV', unit: '68', new_value: 2, new_status: 'met' })
    const nested = parseChange('8', JSON.stringify({ indicator: 'X', unit: { code: '22918' }, period: '2026', old: { value: 3, status: 'at_risk' }, new: { value: 4, status: 'met' } }))
    expect(nested).toMatchObject({ unit: '22918', old_value: 3, new_value: 4, old_status: 'at_risk', new_status: 'met' })
  })
  it('ignores garbage', () => {
    expect(parseChange('1', 'not json')).toBeNull()
  })
})

describe('alert events', () => {
  it('reads a step in an alert’s life', () => {
    const event = parseAlertEvent(
      JSON.stringify({ id: 53, event: 'acknowledge', actor: 'operator', state: 'acknowledged', severity: 'critical', holds: true, indicator: 'DIS.FLOOD_ALERT_LEVEL', unit: '23089', period: '20261124', assignee: null, escalated: false }),
    )
    expect(event).toEqual({ alert: 53, event: 'acknowledge', actor: 'operator', state: 'acknowledged', severity: 'critical', holds: true, indicator: 'DIS.FLOOD_ALERT_LEVEL', unit: '23089', period: '20261124', assignee: null, escalated: false })
  })
  it('ignores what is not an alert event', () => {
    expect(parseAlertEvent('{"indicator":"X"}')).toBeNull()
    expect(parseAlertEvent('nope')).toBeNull()
  })
})
