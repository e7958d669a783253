/**
 * Pull connectors without the screen: the editing form's state turned into the connector the API
 * takes and back, the checks the form makes before the server's, the field a refusal names, and
 * what the list says of a connector's schedule.
 */
import type { Connector, ConnectorView, Credential, MappingField } from './api'

/** What lists show instead of a stored secret; sent back, it keeps the secret. */
export const HIDDEN_SECRET = '********'

/** The server's tries of a failed fetch before the connector waits for its schedule. */
export const MAX_ATTEMPTS = 5

export type CredentialKind = 'none' | Credential['kind']
export const CREDENTIAL_KINDS: CredentialKind[] = ['none', 'bearer', 'basic', 'header']

/** The parts of a value the mapping finds, in the order the form shows them. */
export const MAPPED_PARTS = ['indicator', 'unit', 'period', 'value', 'comment'] as const
export type MappedPart = (typeof MAPPED_PARTS)[number]

export type PartSource = 'pointer' | 'value'

export interface ConnectorForm {
  id: string
  name: string
  url: string
  credentialKind: CredentialKind
  /** Each kind keeps its own inputs, so switching kinds back and forth loses nothing typed. */
  token: string
  username: string
  password: string
  headerName: string
  headerValue: string
  /** As the number input gives it: a number, or the text when it is not one. */
  everyMinutes: number | string
  enabled: boolean
  records: string
  parts: Record<MappedPart, { source: PartSource; text: string }>
}

export function emptyForm(): ConnectorForm {
  return {
    id: '',
    name: '',
    url: '',
    credentialKind: 'none',
    token: '',
    username: '',
    password: '',
    headerName: '',
    headerValue: '',
    everyMinutes: 60,
    enabled: true,
    records: '',
    parts: {
      // a source usually publishes one indicator, and a place, a time and a figure in each record
      indicator: { source: 'value', text: '' },
      unit: { source: 'pointer', text: '' },
      period: { source: 'pointer', text: '' },
      value: { source: 'pointer', text: '' },
      comment: { source: 'value', text: '' },
    },
  }
}

function partOf(field: MappingField): { source: PartSource; text: string } {
  return 'pointer' in field ? { source: 'pointer', text: field.pointer } : { source: 'value', text: field.value }
}

/** The form for a listed connector; its secrets stay the placeholder, which keeps them when saved. */
export function formFromConnector(connector: Connector): ConnectorForm {
  const form = emptyForm()
  const { credential, mapping } = connector
  if (credential?.kind === 'bearer') form.token = credential.token
  if (credential?.kind === 'basic') [form.username, form.password] = [credential.username, credential.password]
  if (credential?.kind === 'header') [form.headerName, form.headerValue] = [credential.name, credential.value]
  return {
    ...form,
    id: connector.id,
    name: connector.name,
    url: connector.url,
    credentialKind: credential?.kind ?? 'none',
    everyMinutes: connector.every_minutes,
    enabled: connector.enabled,
    records: mapping.records,
    parts: {
      indicator: partOf(mapping.indicator),
      unit: partOf(mapping.unit),
      period: partOf(mapping.period),
      value: partOf(mapping.value),
      comment: mapping.comment ? partOf(mapping.comment) : form.parts.comment,
    },
  }
}

function credentialOf(form: ConnectorForm): Credential | null {
  switch (form.credentialKind) {
    case 'none':
      return null
    case 'bearer':
      return { kind: 'bearer', token: form.token }
    case 'basic':
      return { kind: 'basic', username: form.username.trim(), password: form.password }
    case 'header':
      return { kind: 'header', name: form.headerName.trim(), value: form.headerValue }
  }
}

function fieldOf(part: { source: PartSource; text: string }): MappingField {
  const text = part.text.trim()
  return part.source === 'pointer' ? { pointer: text } : { value: text }
}

/** The connector as PUT takes it. Secrets go as typed (a space may belong to one); an empty comment is none. */
export function connectorFromForm(form: ConnectorForm): Connector {
  const { parts } = form
  return {
    id: form.id.trim(),
    name: form.name.trim(),
    url: form.url.trim(),
    credential: credentialOf(form),
    every_minutes: Number(form.everyMinutes),
    enabled: form.enabled,
    mapping: {
      records: form.records.trim(),
      indicator: fieldOf(parts.indicator),
      unit: fieldOf(parts.unit),
      period: fieldOf(parts.period),
      value: fieldOf(parts.value),
      ...(parts.comment.text.trim() ? { comment: fieldOf(parts.comment) } : {}),
    },
  }
}

/** The fields the form shows a refusal next to, named as the server names them. */
export const FORM_FIELDS: readonly string[] = ['id', 'name', 'url', 'credential', 'every_minutes', 'mapping.records', ...MAPPED_PARTS.map((part) => `mapping.${part}`)]

/** The element id of a form field's error, for its input's aria-describedby. */
export function fieldErrorId(field: string): string {
  return `error-${field.replace('.', '-')}`
}

/** Why the form cannot be sent yet, by the field the server would name. */
export type FormCheck = 'required' | 'idPattern' | 'idTaken' | 'wholeMinutes'

/**
 * Only what is plainly missing or malformed; the server checks the rest (address, ranges, pointers).
 * `takenIds` are the connectors listed: a new one with such an id would silently replace it.
 */
export function checkForm(form: ConnectorForm, isNew: boolean, takenIds: readonly string[] = []): Record<string, FormCheck> {
  const problems: Record<string, FormCheck> = {}
  const id = form.id.trim()
  if (isNew) {
    if (!id) problems.id = 'required'
    else if (!/^[a-z0-9-]{1,64}$/.test(id)) problems.id = 'idPattern'
    else if (takenIds.includes(id)) problems.id = 'idTaken'
  }
  if (!form.name.trim()) problems.name = 'required'
  if (!form.url.trim()) problems.url = 'required'
  const credential = credentialOf(form)
  if (credential && Object.values(credential).some((part) => part === '')) problems.credential = 'required'
  if (!/^\d+$/.test(String(form.everyMinutes).trim())) problems.every_minutes = 'wholeMinutes'
  for (const part of MAPPED_PARTS) if (part !== 'comment' && !form.parts[part].text.trim()) problems[`mapping.${part}`] = 'required'
  return problems
}

/**
 * The field a refusal of the server names, and its reason: its problem detail reads
 * `mapping.unit: …` or `url: …`. Null when the detail names none.
 */
export function problemField(detail: string): { field: string; reason: string } | null {
  const found = /^([a-z_]+(?:\.[a-z_]+)*): (.+)$/s.exec(detail)
  return found ? { field: found[1], reason: found[2] } : null
}

/** The host (and port) of a source's address, as a list shows it; the address itself when unreadable. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host || url
  } catch {
    return url
  }
}

export type NextRun = { kind: 'retry'; at: string; attempt: number } | { kind: 'scheduled'; at: string } | { kind: 'off' }

/** What comes next for a connector: a failed fetch tried again, its schedule, or nothing while disabled. */
export function nextRun(view: ConnectorView): NextRun {
  if (!view.connector.enabled || !view.next_run_at) return { kind: 'off' }
  if (view.last_run?.retry_at) return { kind: 'retry', at: view.next_run_at, attempt: view.last_run.attempt + 1 }
  return { kind: 'scheduled', at: view.next_run_at }
}

/** Where a refused record is in the source's document, as a JSON Pointer (`/data/2`). */
export function recordPointer(records: string, index: number): string {
  return `${records}/${index}`
}
