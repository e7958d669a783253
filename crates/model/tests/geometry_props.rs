//! Voronoi cells against their definition: every sampled position inside a cell is nearest to that
//! cell's site, cells do not overlap, every site lies in its own cell, and together the cells cover the
//! hull of the sites.

use proptest::prelude::*;
use vantage_model::geometry::{
    HULL_MARGIN, Position, convex_hull, ring_area, ring_contains, voronoi_cells,
};
use vantage_model::unit::Point;

fn sites() -> impl Strategy<Value = Vec<Point>> {
    // Commune-like spreads: up to 60 points in a 2° × 1.5° box around Lâm Đồng, on a 0.001° grid so
    // that some coincide.
    prop::collection::vec((0..2000u32, 0..1500u32), 1..60).prop_map(|cells| {
        cells
            .into_iter()
            .map(|(x, y)| Point {
                lon: 107.0 + f64::from(x) / 1000.0,
                lat: 11.0 + f64::from(y) / 1000.0,
            })
            .collect()
    })
}

/// Planar squared distance with the same longitude shrink as the cells.
fn nearness(sites: &[Point]) -> impl Fn(Position, &Point) -> f64 {
    let mean = sites.iter().map(|s| s.lat).sum::<f64>() / sites.len() as f64;
    let shrink = mean.to_radians().cos();
    move |[lon, lat]: Position, site: &Point| {
        let dx = (lon - site.lon) * shrink;
        let dy = lat - site.lat;
        dx * dx + dy * dy
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cells_are_the_nearest_site_regions(sites in sites(), samples in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 200)) {
        let cells = voronoi_cells(&sites, &[], HULL_MARGIN);
        prop_assert_eq!(cells.len(), sites.len());
        let distance = nearness(&sites);
        for (site, cell) in sites.iter().zip(&cells) {
            prop_assert!(ring_contains(cell, [site.lon, site.lat]), "a site lies in its cell");
            prop_assert!(ring_area(cell) > 0.0);
        }
        let mut distinct: Vec<usize> = Vec::new();
        for (index, cell) in cells.iter().enumerate() {
            if !distinct.iter().any(|&seen| cells[seen] == *cell) {
                distinct.push(index);
            }
        }
        let covered: f64 = distinct.iter().map(|&index| ring_area(&cells[index])).sum();
        let points: Vec<Position> = sites.iter().map(|s| [s.lon, s.lat]).collect();
        let mut hull = convex_hull(&points);
        if let Some(first) = hull.first().copied() { hull.push(first); }
        prop_assert!(covered + 1e-9 >= ring_area(&hull), "the cells cover the hull");
        for (u, v) in samples {
            let position = [106.9 + 2.2 * u, 10.9 + 1.7 * v];
            let holders: Vec<usize> = distinct.iter().copied().filter(|&i| ring_contains(&cells[i], position)).collect();
            prop_assert!(holders.len() <= 1, "cells overlap at {:?}", position);
            if let Some(&holder) = holders.first() {
                let nearest = sites.iter().map(|s| distance(position, s)).fold(f64::MAX, f64::min);
                let own = distance(position, &sites[holder]);
                prop_assert!(own <= nearest + 1e-9, "{:?} is nearer to another site", position);
            }
        }
    }
}
