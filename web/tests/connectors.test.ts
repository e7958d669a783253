import { describe, expect, it } from 'vitest'
import type { Connector, ConnectorRun, ConnectorView } from '../src/api'
import { HIDDEN_SECRET, checkForm, connectorFromForm, emptyForm, fieldErrorId, formFromConnector, nextRun, problemField, recordPointer, urlHost } from '../src/connectors'

const aqi: Connector = {
  id: 'quan-trac-khong-khi',
  name: 'Trạm quan trắc không khí tự động',
  url: 'https://quantrac.lamdong.gov.vn/api/aqi',
  credential: { kind: 'bearer', token: HIDDEN_SECRET },
  every_minutes: 60,
  enabled: true,
  mapping: {
    records: '/data/items',
    indicator: { value: 'ENV.AQI' },
    unit: { pointer: '/station/commune' },
    period: { pointer: '/measured_at' },
    value: { pointer: '/aqi' },
    comment: { value: 'trạm tự động' },
  },
}

function filled(): ReturnType<typeof emptyForm> {
  const form = emptyForm()
  form.id = 'mua'
  form.name = 'Lượng mưa'
  form.url = 'https://khituong.example.vn/mua'
  form.parts.indicator.text = 'ENV.RAIN'
  form.parts.unit.text = '/xa'
  form.parts.period.text = '/ngay'
  form.parts.value.text = '/mm'
  return form
}

describe('the form and the connector', () => {
  it('turns a listed connector into the form and back unchanged, placeholder secret included', () => {
    const form = formFromConnector(aqi)
    expect(form.credentialKind).toBe('bearer')
    expect(form.token).toBe(HIDDEN_SECRET)
    expect(form.parts.indicator).toEqual({ source: 'value', text: 'ENV.AQI' })
    expect(form.parts.unit).toEqual({ source: 'pointer', text: '/station/commune' })
    expect(connectorFromForm(form)).toEqual(aqi)
  })

  it('keeps each kind of credential through the form', () => {
    for (const credential of [
      { kind: 'basic', username: 'cong-du-lieu', password: 'mat khau ' },
      { kind: 'header', name: 'X-API-Key', value: 'k-1' },
      null,
    ] as const) {
      const connector: Connector = { ...aqi, credential }
      expect(connectorFromForm(formFromConnector(connector)).credential).toEqual(credential)
    }
  })

  it('leaves a connector without a comment without one, as the server lists it (null)', () => {
    const listed: Connector = { ...aqi, mapping: { ...aqi.mapping, comment: null } }
    const back = connectorFromForm(formFromConnector(listed))
    expect('comment' in back.mapping).toBe(false)
  })

  it('builds the connector from a new form: trimmed texts, minutes as a number, secrets as typed', () => {
    const form = filled()
    form.name = '  Lượng mưa '
    form.everyMinutes = '30'
    form.records = ' /data '
    form.credentialKind = 'basic'
    form.username = ' tram '
    form.password = ' bí mật '
    form.token = 'not sent: another kind'
    form.parts.comment = { source: 'value', text: '  ' }
    expect(connectorFromForm(form)).toEqual({
      id: 'mua',
      name: 'Lượng mưa',
      url: 'https://khituong.example.vn/mua',
      credential: { kind: 'basic', username: 'tram', password: ' bí mật ' },
      every_minutes: 30,
      enabled: true,
      mapping: { records: '/data', indicator: { value: 'ENV.RAIN' }, unit: { pointer: '/xa' }, period: { pointer: '/ngay' }, value: { pointer: '/mm' } },
    })
  })
})

describe('checks before the server', () => {
  it('passes a complete form', () => {
    expect(checkForm(filled(), true)).toEqual({})
  })

  it('names what is missing by the field the server would name', () => {
    const form = emptyForm()
    form.everyMinutes = ''
    expect(checkForm(form, true)).toEqual({
      id: 'required',
      name: 'required',
      url: 'required',
      every_minutes: 'wholeMinutes',
      'mapping.indicator': 'required',
      'mapping.unit': 'required',
      'mapping.period': 'required',
      'mapping.value': 'required',
    })
  })

  it('checks the id of a new connector only, and refuses one already listed', () => {
    const form = filled()
    form.id = 'Trạm 1'
    expect(checkForm(form, true).id).toBe('idPattern')
    expect(checkForm(form, false).id).toBeUndefined()
    form.id = 'mua'
    expect(checkForm(form, true, ['mua']).id).toBe('idTaken')
    expect(checkForm(form, false, ['mua'])).toEqual({})
  })

  it('wants every part of the chosen credential, and whole minutes', () => {
    const form = filled()
    form.credentialKind = 'header'
    form.headerName = 'X-API-Key'
    expect(checkForm(form, true)).toEqual({ credential: 'required' })
    form.headerValue = HIDDEN_SECRET
    form.everyMinutes = 7.5
    expect(checkForm(form, true)).toEqual({ every_minutes: 'wholeMinutes' })
    // the range is the server's to say
    form.everyMinutes = 1
    expect(checkForm(form, true)).toEqual({})
  })
})

describe('reading a refusal', () => {
  it('finds the field a problem detail starts with', () => {
    expect(problemField('mapping.unit: `xa` is not a JSON Pointer (it starts with /)')).toEqual({ field: 'mapping.unit', reason: '`xa` is not a JSON Pointer (it starts with /)' })
    expect(problemField('every_minutes: from 5 to 10080 minutes')).toEqual({ field: 'every_minutes', reason: 'from 5 to 10080 minutes' })
    expect(problemField('url: an http:// or https:// address')?.field).toBe('url')
  })

  it('finds none in a detail that names no field', () => {
    expect(problemField('the connector ca is kept by finance')).toBeNull()
    expect(problemField('')).toBeNull()
    expect(problemField('Mapping.unit: x')).toBeNull()
  })

  it('gives each field an element id of its own', () => {
    expect(fieldErrorId('mapping.unit')).toBe('error-mapping-unit')
    expect(fieldErrorId('every_minutes')).toBe('error-every_minutes')
  })
})

describe('what the list says', () => {
  const run: ConnectorRun = {
    id: 7,
    trigger: 'schedule',
    attempt: 2,
    started_at: '2026-11-24T03:00:00Z',
    finished_at: '2026-11-24T03:00:30Z',
    outcome: 'failed',
    records: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    error: 'the source answered 503',
    problems: [],
    retry_at: '2026-11-24T03:02:30Z',
  }
  const view = (enabled: boolean, last: ConnectorRun | null, next: string | null): ConnectorView => ({
    connector: { ...aqi, enabled },
    updated_by: 'admin',
    updated_at: '2026-11-20T01:00:00Z',
    last_run: last,
    next_run_at: next,
  })

  it('tells a pending retry, with its attempt, from the schedule', () => {
    expect(nextRun(view(true, run, run.retry_at))).toEqual({ kind: 'retry', at: run.retry_at, attempt: 3 })
    const succeeded = { ...run, outcome: 'succeeded' as const, error: null, retry_at: null }
    expect(nextRun(view(true, succeeded, '2026-11-24T04:00:00Z'))).toEqual({ kind: 'scheduled', at: '2026-11-24T04:00:00Z' })
    expect(nextRun(view(true, null, '2026-11-24T03:00:00Z')).kind).toBe('scheduled')
    // the last attempt failed: no retry left, the schedule comes next
    const exhausted = { ...run, attempt: 5, retry_at: null }
    expect(nextRun(view(true, exhausted, '2026-11-24T04:00:00Z'))).toEqual({ kind: 'scheduled', at: '2026-11-24T04:00:00Z' })
  })

  it('plans nothing for a disabled connector, even with a retry pending', () => {
    expect(nextRun(view(false, run, null))).toEqual({ kind: 'off' })
  })

  it('shows the source by its host', () => {
    expect(urlHost('https://quantrac.lamdong.gov.vn/api/aqi?ngay=hom-nay')).toBe('quantrac.lamdong.gov.vn')
    expect(urlHost('http://127.0.0.1:8081/so-lieu')).toBe('127.0.0.1:8081')
    expect(urlHost('not an address')).toBe('not an address')
  })

  it('points at a refused record in the document', () => {
    expect(recordPointer('/data', 2)).toBe('/data/2')
    expect(recordPointer('', 0)).toBe('/0')
  })
})
