/**
 * Diacritic-free matching as Vietnamese users type: "ngan sach" finds "Ngân sách", "d" finds "đ".
 * "đ" is a letter of its own in Unicode (not d + a mark), so NFD alone does not fold it.
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
}

/** Every word of the query must occur (folded) somewhere in the fields. */
export function matches(query: string, ...fields: (string | null | undefined)[]): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean)
  if (words.length === 0) return true
  const haystack = fold(fields.filter(Boolean).join(' '))
  return words.every((word) => haystack.includes(word))
}

/** Ranks matches: a hit at the start of a field comes before one inside it; non-matches are dropped. */
export function search<T>(items: readonly T[], query: string, fields: (item: T) => (string | null | undefined)[], limit = 20): T[] {
  const folded = fold(query).trim()
  if (!folded) return []
  const scored: { item: T; score: number }[] = []
  for (const item of items) {
    const values = fields(item)
    if (!matches(query, ...values)) continue
    const starts = values.some((v) => v && fold(v).startsWith(folded))
    const exact = values.some((v) => v && fold(v) === folded)
    scored.push({ item, score: exact ? 0 : starts ? 1 : 2 })
  }
  scored.sort((a, b) => a.score - b.score)
  return scored.slice(0, limit).map((s) => s.item)
}
