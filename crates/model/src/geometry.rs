//! Approximate areas for units known only by a point: each unit gets the part of the province nearer to its
//! point than to any other unit's of the same level (a Voronoi cell), inside a hull around all the points.
//! Good enough to colour a map until real boundaries are imported, and always labelled as approximate.
//!
//! Positions are `[longitude, latitude]` as in GeoJSON. Distances are measured on a local plane where a
//! degree of longitude is shortened by the cosine of the mean latitude, which at province scale is close
//! to the ground.

use crate::unit::Point;

/// `[longitude, latitude]`.
pub type Position = [f64; 2];

/// An area as GeoJSON MultiPolygon coordinates: polygons, each an outer ring followed by its holes.
pub type Area = Vec<Vec<Vec<Position>>>;

/// The most positions one unit's area may have: detailed enough for a commune, small enough to draw.
pub const MAX_AREA_POSITIONS: usize = 200_000;

/// Why an area cannot be drawn, if it cannot: each polygon has an outer ring, each ring at least four
/// positions and closed, every position a longitude and latitude on Earth.
pub fn check_area(area: &Area) -> Result<(), String> {
    if area.is_empty() {
        return Err("no polygon".into());
    }
    let positions: usize = area.iter().flatten().map(Vec::len).sum();
    if positions > MAX_AREA_POSITIONS {
        return Err(format!(
            "{positions} positions; at most {MAX_AREA_POSITIONS}"
        ));
    }
    for (p, polygon) in area.iter().enumerate() {
        if polygon.is_empty() {
            return Err(format!("polygon {p} has no ring"));
        }
        for (r, ring) in polygon.iter().enumerate() {
            if ring.len() < 4 {
                return Err(format!(
                    "polygon {p}, ring {r}: {} positions; a ring needs at least 4",
                    ring.len()
                ));
            }
            if ring.first() != ring.last() {
                return Err(format!(
                    "polygon {p}, ring {r} is not closed: its last position must repeat the first"
                ));
            }
            if let Some([lon, lat]) = ring
                .iter()
                .find(|[lon, lat]| !(-180.0..=180.0).contains(lon) || !(-90.0..=90.0).contains(lat))
            {
                return Err(format!(
                    "polygon {p}, ring {r}: [{lon}, {lat}] is not a longitude and latitude"
                ));
            }
        }
    }
    Ok(())
}

/// How far the hull reaches beyond the outermost points, in degrees of latitude (about 5.5 km), so that
/// border units get an area on their outer side too.
pub const HULL_MARGIN: f64 = 0.05;

/// The Voronoi cell of every site, clipped to the convex hull of the sites and `bounds` widened by
/// `margin` (bounds let a coarse level, a province alone say, cover the same ground as its communes). Each
/// cell is a closed, counter-clockwise ring (first position repeated last), as GeoJSON wants; sites at the
/// same position share one cell.
pub fn voronoi_cells(sites: &[Point], bounds: &[Point], margin: f64) -> Vec<Vec<Position>> {
    if sites.is_empty() {
        return Vec::new();
    }
    let plane = Plane::around(sites);
    let planar: Vec<Position> = sites.iter().map(|site| plane.to_plane(site)).collect();
    let extent: Vec<Position> = planar
        .iter()
        .copied()
        .chain(bounds.iter().map(|point| plane.to_plane(point)))
        .collect();
    let area = widened_hull(&extent, margin);
    (0..planar.len())
        .map(|index| {
            let cell = cell_of(index, &planar, &area);
            let mut ring: Vec<Position> = cell.iter().map(|p| plane.to_geo(*p)).collect();
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
            ring
        })
        .collect()
}

/// The local plane: x = longitude × cos(mean latitude), y = latitude.
struct Plane {
    shrink: f64,
}

impl Plane {
    fn around(sites: &[Point]) -> Plane {
        let mean_latitude = sites.iter().map(|site| site.lat).sum::<f64>() / sites.len() as f64;
        Plane {
            shrink: mean_latitude.to_radians().cos().max(0.01),
        }
    }

    fn to_plane(&self, point: &Point) -> Position {
        [point.lon * self.shrink, point.lat]
    }

    fn to_geo(&self, [x, y]: Position) -> Position {
        [x / self.shrink, y]
    }
}

fn sub(a: Position, b: Position) -> Position {
    [a[0] - b[0], a[1] - b[1]]
}

fn dot(a: Position, b: Position) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

fn cross(o: Position, a: Position, b: Position) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

fn distance_squared(a: Position, b: Position) -> f64 {
    let d = sub(a, b);
    dot(d, d)
}

/// The convex hull, counter-clockwise, without repeating its first position (Andrew's monotone chain).
pub fn convex_hull(points: &[Position]) -> Vec<Position> {
    let mut sorted: Vec<Position> = points.to_vec();
    sorted.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    sorted.dedup();
    if sorted.len() < 3 {
        return sorted;
    }
    let mut hull: Vec<Position> = Vec::with_capacity(sorted.len() * 2);
    for pass in [
        &sorted[..],
        &sorted.iter().rev().copied().collect::<Vec<_>>()[..],
    ] {
        let start = hull.len();
        for &point in pass {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], point) <= 0.0
            {
                hull.pop();
            }
            hull.push(point);
        }
        // The last point of each pass is the first of the next.
        hull.pop();
    }
    hull
}

/// The hull of the points, each first grown into an octagon of radius `margin`: a convex area that keeps
/// every point at least about `margin` inside.
fn widened_hull(points: &[Position], margin: f64) -> Vec<Position> {
    let grown: Vec<Position> = points
        .iter()
        .flat_map(|&[x, y]| {
            (0..8).map(move |step| {
                let angle = f64::from(step) * std::f64::consts::FRAC_PI_4;
                [x + margin * angle.cos(), y + margin * angle.sin()]
            })
        })
        .collect();
    convex_hull(&grown)
}

/// The part of `area` (convex, counter-clockwise) nearer to site `index` than to any other site.
fn cell_of(index: usize, sites: &[Position], area: &[Position]) -> Vec<Position> {
    let site = sites[index];
    let mut others: Vec<(f64, Position)> = sites
        .iter()
        .enumerate()
        .filter(|&(other, position)| other != index && *position != site)
        .map(|(_, &position)| (distance_squared(site, position), position))
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut cell = area.to_vec();
    for (distance, other) in others {
        // A site more than twice as far as the cell's farthest corner cannot cut the cell any more.
        let reach = cell
            .iter()
            .map(|&corner| distance_squared(site, corner))
            .fold(0.0, f64::max);
        if distance > 4.0 * reach {
            break;
        }
        cell = keep_nearer(&cell, site, other);
        if cell.is_empty() {
            break;
        }
    }
    cell
}

/// The part of a convex polygon nearer to `site` than to `other` (Sutherland–Hodgman against their
/// perpendicular bisector).
fn keep_nearer(polygon: &[Position], site: Position, other: Position) -> Vec<Position> {
    let normal = sub(other, site);
    let middle = [(site[0] + other[0]) / 2.0, (site[1] + other[1]) / 2.0];
    // Negative or zero: on the site's side.
    let side = |p: Position| dot(sub(p, middle), normal);
    let mut kept = Vec::with_capacity(polygon.len() + 1);
    for (i, &current) in polygon.iter().enumerate() {
        let next = polygon[(i + 1) % polygon.len()];
        let (here, there) = (side(current), side(next));
        if here <= 0.0 {
            kept.push(current);
        }
        if (here < 0.0 && there > 0.0) || (here > 0.0 && there < 0.0) {
            let t = here / (here - there);
            kept.push([
                current[0] + t * (next[0] - current[0]),
                current[1] + t * (next[1] - current[1]),
            ]);
        }
    }
    kept
}

/// Whether a position lies inside a closed ring (even-odd rule; points on the edge may go either way).
pub fn ring_contains(ring: &[Position], [x, y]: Position) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let ([x1, y1], [x2, y2]) = (pair[0], pair[1]);
        if (y1 > y) != (y2 > y) && x < x1 + (y - y1) / (y2 - y1) * (x2 - x1) {
            inside = !inside;
        }
    }
    inside
}

/// The area enclosed by a closed ring in square degrees; positive when counter-clockwise.
pub fn ring_area(ring: &[Position]) -> f64 {
    ring.windows(2)
        .map(|pair| pair[0][0] * pair[1][1] - pair[1][0] * pair[0][1])
        .sum::<f64>()
        / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lon: f64, lat: f64) -> Point {
        Point { lat, lon }
    }

    #[test]
    fn areas_must_be_closed_rings_on_earth() {
        let square = vec![
            [108.0, 11.0],
            [108.1, 11.0],
            [108.1, 11.1],
            [108.0, 11.1],
            [108.0, 11.0],
        ];
        assert_eq!(check_area(&vec![vec![square.clone()]]), Ok(()));
        assert_eq!(check_area(&vec![]), Err("no polygon".into()));
        let open = square[..4].to_vec();
        assert!(
            check_area(&vec![vec![open]])
                .unwrap_err()
                .contains("not closed")
        );
        let swapped: Vec<Position> = square.iter().map(|[lon, lat]| [*lat, *lon]).collect();
        assert!(
            check_area(&vec![vec![swapped]])
                .unwrap_err()
                .contains("[11, 108] is not a longitude")
        );
        assert!(
            check_area(&vec![vec![square[..3].to_vec()]])
                .unwrap_err()
                .contains("at least 4")
        );
    }

    #[test]
    fn a_hull_is_counter_clockwise_and_drops_inner_points() {
        let hull = convex_hull(&[
            [0.0, 0.0],
            [2.0, 0.0],
            [1.0, 1.0],
            [2.0, 2.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ]);
        assert_eq!(hull, [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]);
        assert_eq!(convex_hull(&[[1.0, 1.0], [1.0, 1.0]]), [[1.0, 1.0]]);
    }

    #[test]
    fn two_sites_split_the_area_along_their_bisector() {
        let cells = voronoi_cells(&[point(108.0, 0.0), point(108.2, 0.0)], &[], 0.1);
        assert_eq!(cells.len(), 2);
        for cell in &cells {
            assert_eq!(cell.first(), cell.last(), "closed rings");
            assert!(ring_area(cell) > 0.0, "counter-clockwise");
        }
        let west_edge = cells[0].iter().map(|p| p[0]).fold(f64::MIN, f64::max);
        let east_edge = cells[1].iter().map(|p| p[0]).fold(f64::MAX, f64::min);
        assert!((west_edge - 108.1).abs() < 1e-9 && (east_edge - 108.1).abs() < 1e-9);
        assert!(ring_contains(&cells[0], [108.0, 0.0]) && !ring_contains(&cells[0], [108.2, 0.0]));
    }

    #[test]
    fn one_site_gets_the_whole_widened_hull_and_twins_share_a_cell() {
        let alone = voronoi_cells(&[point(108.0, 11.0)], &[], HULL_MARGIN);
        assert_eq!(alone[0].len(), 9, "an octagon, closed");
        let twins = voronoi_cells(
            &[point(108.0, 11.0), point(108.0, 11.0), point(108.5, 11.0)],
            &[],
            HULL_MARGIN,
        );
        assert_eq!(twins[0], twins[1]);
        assert!(voronoi_cells(&[], &[point(1.0, 1.0)], HULL_MARGIN).is_empty());
        let bounded = voronoi_cells(&[point(108.0, 11.0)], &[point(109.0, 12.0)], HULL_MARGIN);
        assert!(
            ring_contains(&bounded[0], [108.9, 11.9]),
            "reaches the bounds"
        );
    }
}
