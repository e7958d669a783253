/**
 * Dashboard layouts: the edit operations, and how the overview groups its tiles. The server
 * reconciles a saved layout with the catalogue (drops what left it, appends what is new), so the
 * tiles it answers are used as they are.
 */
import type { ChartKind, DashboardTile, Figures, Indicator } from './api'

/** A sensible first chart: single yearly figures read best as a number, flows over time as bars. */
export function defaultChart(indicator: Pick<Indicator, 'frequency' | 'time_aggregation'>): ChartKind {
  if (indicator.frequency === 'year') return 'number'
  return indicator.time_aggregation === 'sum' ? 'bar' : 'line'
}

/** What the dashboard shows: visible tiles, pinned ones first, otherwise in layout order. */
export function visibleTiles(tiles: readonly DashboardTile[]): DashboardTile[] {
  const shown = tiles.filter((tile) => !tile.hidden)
  return [...shown.filter((tile) => tile.pinned), ...shown.filter((tile) => !tile.pinned)]
}

/** Moves a tile by `delta` places, clamped to the list; returns a new list. */
export function moveTile(tiles: readonly DashboardTile[], from: number, delta: number): DashboardTile[] {
  const to = Math.max(0, Math.min(tiles.length - 1, from + delta))
  return moveTileTo(tiles, from, to)
}

export function moveTileTo(tiles: readonly DashboardTile[], from: number, to: number): DashboardTile[] {
  const next = [...tiles]
  if (from < 0 || from >= next.length || to < 0 || to >= next.length || from === to) return next
  const [tile] = next.splice(from, 1)
  next.splice(to, 0, tile)
  return next
}

export function updateTile(tiles: readonly DashboardTile[], index: number, change: Partial<DashboardTile>): DashboardTile[] {
  return tiles.map((tile, i) => (i === index ? { ...tile, ...change } : tile))
}

export function sameLayout(a: readonly DashboardTile[], b: readonly DashboardTile[]): boolean {
  return a.length === b.length && a.every((tile, i) => tile.indicator === b[i].indicator && tile.hidden === b[i].hidden && tile.pinned === b[i].pinned && tile.chart === b[i].chart)
}

/**
 * The overview's tiles by field: the overview layout as the server gives it (saved, or its
 * default), visible tiles with figures only, pinned first. A field whose layout tiles have no
 * figures for the caller (a commune's viewer when the layout names provincial indicators, say)
 * gets one stand-in, its first indicator with a status (else its first with figures), so that
 * every field with figures shows at least one tile.
 */
export function overviewSections(
  layout: readonly DashboardTile[],
  fields: readonly string[],
  byCode: ReadonlyMap<string, Indicator>,
  figures: ReadonlyMap<string, Pick<Figures, 'indicator' | 'status'>>,
): { domain: string; tiles: DashboardTile[] }[] {
  const shown = visibleTiles(layout).filter((tile) => figures.has(tile.indicator))
  const sections: { domain: string; tiles: DashboardTile[] }[] = []
  for (const domain of fields) {
    let tiles = shown.filter((tile) => byCode.get(tile.indicator)?.domain === domain)
    if (tiles.length === 0) {
      const own = [...figures.values()].filter((f) => byCode.get(f.indicator)?.domain === domain)
      const standIn = own.find((f) => f.status) ?? own[0]
      if (!standIn) continue
      tiles = [{ indicator: standIn.indicator, hidden: false, pinned: false, chart: defaultChart(byCode.get(standIn.indicator)!) }]
    }
    sections.push({ domain, tiles })
  }
  return sections
}
