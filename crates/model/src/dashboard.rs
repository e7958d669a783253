//! Dashboards: the overview and one per domain, each an ordered list of indicator tiles that operators
//! arrange. A layout is saved as the operator left it and read back against today's catalogue, so that a
//! catalogue change never breaks a saved dashboard nor keeps a new indicator off its domain's one.

use serde::{Deserialize, Serialize};

use crate::indicator::Indicator;
use crate::period::PeriodType;

/// The id of the province-wide overview; every other dashboard is named by its domain code.
pub const OVERVIEW: &str = "overview";
/// Tiles per domain on the overview until someone arranges it.
const OVERVIEW_TILES_PER_DOMAIN: usize = 2;
/// The most tiles a dashboard holds.
pub const MAX_TILES: usize = 1000;

vocabulary!(
    /// How a tile draws its indicator.
    ChartKind, "a chart kind" {
        /// The series as a line: for frequent periods.
        Line => "line",
        /// The series as bars: for quarters and years.
        Bar => "bar",
        /// The figure alone, large.
        Number => "number",
    }
);

/// One indicator on a dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    pub indicator: String,
    /// Kept in the layout but not shown.
    #[serde(default)]
    pub hidden: bool,
    /// Shown first, and on the overview for its domain.
    #[serde(default)]
    pub pinned: bool,
    pub chart: ChartKind,
}

impl Tile {
    fn for_indicator(indicator: &Indicator) -> Tile {
        let chart = match indicator.frequency {
            PeriodType::Day | PeriodType::Week | PeriodType::Month => ChartKind::Line,
            PeriodType::Quarter | PeriodType::HalfYear | PeriodType::Year => ChartKind::Bar,
        };
        Tile {
            indicator: indicator.code.clone(),
            hidden: false,
            pinned: false,
            chart,
        }
    }
}

/// The indicators a dashboard draws from, in catalogue order: a domain's own, or (overview) all.
fn candidates<'a>(id: &str, catalogue: &'a [Indicator]) -> Vec<&'a Indicator> {
    catalogue
        .iter()
        .filter(|indicator| id == OVERVIEW || indicator.domain == id)
        .collect()
}

/// The tiles of a dashboard nobody has arranged: a domain's every indicator, or on the overview the first
/// few of each domain, key indicators (those with targets, say) before the others.
pub fn default_tiles(
    id: &str,
    catalogue: &[Indicator],
    is_key: impl Fn(&Indicator) -> bool,
) -> Vec<Tile> {
    let mut indicators = candidates(id, catalogue);
    if id == OVERVIEW {
        // Stable: catalogue order within the key ones and within the rest.
        indicators.sort_by_key(|indicator| !is_key(indicator));
        let mut per_domain = std::collections::HashMap::<&str, usize>::new();
        indicators.retain(|indicator| {
            let shown = per_domain.entry(indicator.domain.as_str()).or_default();
            *shown += 1;
            *shown <= OVERVIEW_TILES_PER_DOMAIN
        });
        // Back to catalogue order, so that domains stay together.
        indicators.sort_by_key(|indicator| catalogue.iter().position(|i| i.code == indicator.code));
    }
    indicators.into_iter().map(Tile::for_indicator).collect()
}

/// A saved layout against today's catalogue: tiles of indicators that left it are dropped; on a domain's
/// dashboard, indicators added since are appended (the overview is a selection and stays one).
pub fn reconcile(id: &str, saved: Vec<Tile>, catalogue: &[Indicator]) -> Vec<Tile> {
    let candidates = candidates(id, catalogue);
    let mut tiles: Vec<Tile> = saved
        .into_iter()
        .filter(|tile| candidates.iter().any(|i| i.code == tile.indicator))
        .collect();
    if id != OVERVIEW {
        let missing: Vec<Tile> = candidates
            .iter()
            .filter(|indicator| !tiles.iter().any(|tile| tile.indicator == indicator.code))
            .map(|indicator| Tile::for_indicator(indicator))
            .collect();
        tiles.extend(missing);
    }
    tiles
}

/// Why a layout may not be saved, per tile: (tile index, reason).
pub fn check(id: &str, tiles: &[Tile], catalogue: &[Indicator]) -> Vec<(usize, String)> {
    let candidates = candidates(id, catalogue);
    let mut problems = Vec::new();
    if tiles.len() > MAX_TILES {
        problems.push((
            MAX_TILES,
            format!("a dashboard holds at most {MAX_TILES} tiles"),
        ));
    }
    for (index, tile) in tiles.iter().enumerate() {
        if tiles[..index]
            .iter()
            .any(|earlier| earlier.indicator == tile.indicator)
        {
            problems.push((
                index,
                format!("{} is on the dashboard already", tile.indicator),
            ));
        } else if !candidates.iter().any(|i| i.code == tile.indicator) {
            let reason = if id == OVERVIEW {
                format!("no indicator {}", tile.indicator)
            } else {
                format!("{} is not an indicator of domain {id}", tile.indicator)
            };
            problems.push((index, reason));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(code: &str, domain: &str, frequency: PeriodType) -> Indicator {
        use crate::indicator::{SpaceAggregation, TimeAggregation};
        Indicator {
            domain: domain.into(),
            ..crate::fixtures::indicator(
                code,
                frequency,
                TimeAggregation::Sum,
                SpaceAggregation::Sum,
            )
        }
    }

    fn catalogue() -> Vec<Indicator> {
        vec![
            indicator("ECO.A", "ECO", PeriodType::Quarter),
            indicator("ECO.B", "ECO", PeriodType::Month),
            indicator("ECO.C", "ECO", PeriodType::Year),
            indicator("BUD.A", "BUD", PeriodType::Month),
        ]
    }

    fn codes(tiles: &[Tile]) -> Vec<&str> {
        tiles.iter().map(|tile| tile.indicator.as_str()).collect()
    }

    #[test]
    fn defaults_take_a_domains_indicators_or_the_first_of_each_domain() {
        let eco = default_tiles("ECO", &catalogue(), |_| false);
        assert_eq!(codes(&eco), ["ECO.A", "ECO.B", "ECO.C"]);
        assert_eq!(
            eco.iter().map(|t| t.chart).collect::<Vec<_>>(),
            [ChartKind::Bar, ChartKind::Line, ChartKind::Bar]
        );
        assert_eq!(
            codes(&default_tiles(OVERVIEW, &catalogue(), |_| false)),
            ["ECO.A", "ECO.B", "BUD.A"]
        );
        let targeted = |indicator: &Indicator| indicator.code == "ECO.C";
        assert_eq!(
            codes(&default_tiles(OVERVIEW, &catalogue(), targeted)),
            ["ECO.A", "ECO.C", "BUD.A"],
            "key indicators first, shown in catalogue order"
        );
        assert!(default_tiles("NONE", &catalogue(), |_| false).is_empty());
    }

    #[test]
    fn a_saved_layout_keeps_its_order_loses_retired_indicators_and_gains_new_ones() {
        let mut saved = default_tiles("ECO", &catalogue(), |_| false);
        saved.reverse();
        saved[0].hidden = true;
        saved.push(Tile::for_indicator(&indicator(
            "ECO.GONE",
            "ECO",
            PeriodType::Year,
        )));
        saved.retain(|tile| tile.indicator != "ECO.B");
        let tiles = reconcile("ECO", saved, &catalogue());
        assert_eq!(codes(&tiles), ["ECO.C", "ECO.A", "ECO.B"]);
        assert!(tiles[0].hidden && !tiles[2].hidden);
        let overview = reconcile(
            OVERVIEW,
            default_tiles("BUD", &catalogue(), |_| false),
            &catalogue(),
        );
        assert_eq!(codes(&overview), ["BUD.A"], "the overview is not filled up");
    }

    #[test]
    fn checks_name_each_bad_tile() {
        let mut tiles = default_tiles("ECO", &catalogue(), |_| false);
        tiles.push(Tile::for_indicator(&catalogue()[3]));
        tiles.push(tiles[0].clone());
        let problems = check("ECO", &tiles, &catalogue());
        assert_eq!(
            problems,
            [
                (3, "BUD.A is not an indicator of domain ECO".to_owned()),
                (4, "ECO.A is on the dashboard already".to_owned())
            ]
        );
        assert!(check(OVERVIEW, &tiles[..4], &catalogue()).is_empty());
    }
}
