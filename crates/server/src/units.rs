//! Administrative units: the tree as of a date, and one unit with its history and lineage.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::geometry::{Area, HULL_MARGIN, Position, voronoi_cells};
use vantage_model::unit::{Lineage, Point, Unit, UnitLevel, UnitRegistry};

use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units))
        .routes(routes!(units_geojson))
        .routes(routes!(get_unit))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct GeoQuery {
    /// Only units of this level: `province`, `district` or `commune`.
    level: Option<String>,
    /// The date the tree is taken at (YYYY-MM-DD); today by default.
    as_of: Option<String>,
}

/// A GeoJSON feature collection (RFC 7946).
#[derive(Serialize, ToSchema)]
pub(crate) struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    kind: &'static str,
    features: Vec<Feature>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The unit code.
    id: String,
    /// A `MultiPolygon` of the unit's imported boundary, a `Polygon` of its approximate area, or a `Point`
    /// at its reference point when no area is known; null for a unit without either.
    #[schema(value_type = Object)]
    geometry: serde_json::Value,
    properties: FeatureProperties,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct FeatureProperties {
    #[serde(flatten)]
    unit: UnitView,
    /// The area is derived from the units' points (the part of the province nearer to this unit's point
    /// than to any other of its level), not a surveyed boundary: say so on the map.
    approximate: bool,
}

/// The units valid on a date as GeoJSON, coarse levels first, then by code, each with its imported
/// boundary (`vantage import boundaries`). On a level without imported boundaries each unit known by a
/// point has an approximate area instead: the part of the province nearer to its point than to any other
/// unit's of its level (a Voronoi cell), within a hull around every unit's point that day.
#[utoipa::path(
    get,
    path = "/units/geojson",
    tag = "units",
    params(GeoQuery),
    responses(
        (status = 200, body = FeatureCollection, content_type = "application/geo+json"),
        (status = 400, body = Problem, content_type = "application/problem+json")
    )
)]
async fn units_geojson(
    State(state): State<AppState>,
    Query(query): Query<GeoQuery>,
) -> Result<impl axum::response::IntoResponse, Problem> {
    let as_of = parse_date("as_of", query.as_of.as_deref(), state.today())?;
    let level = parse_level(query.level.as_deref())?;
    let features = shapes(&state, as_of, level)
        .await?
        .into_iter()
        .map(|(unit, shape)| {
            // GeoJSON positions are longitude first.
            let geometry = match &shape {
                Shape::Surveyed(area) => {
                    serde_json::json!({"type": "MultiPolygon", "coordinates": area})
                }
                Shape::Approximate(ring) => {
                    serde_json::json!({"type": "Polygon", "coordinates": [ring]})
                }
                Shape::Point(point) => {
                    serde_json::json!({"type": "Point", "coordinates": [point.lon, point.lat]})
                }
                Shape::Unknown => serde_json::Value::Null,
            };
            Feature {
                kind: "Feature",
                id: unit.code.clone(),
                geometry,
                properties: FeatureProperties {
                    unit: UnitView::from(&unit),
                    approximate: matches!(shape, Shape::Approximate(_)),
                },
            }
        })
        .collect();
    let body = FeatureCollection {
        kind: "FeatureCollection",
        features,
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        Json(body),
    ))
}

/// Where a unit lies on the map.
pub(crate) enum Shape {
    /// Its imported boundary.
    Surveyed(Area),
    /// The part of the province nearer to its point than to any other unit's of its level.
    Approximate(Vec<Position>),
    /// Its point alone (its level has imported boundaries, but not its own).
    Point(Point),
    Unknown,
}

/// The units valid on `as_of` (of `level`, or all), coarse levels first, then by code, each with its
/// shape: its imported boundary (`vantage import boundaries`), or, on a level without imported
/// boundaries, an approximate area: the part of the province nearer to its point than to any other
/// unit's of its level (a Voronoi cell), within a hull around every unit's point that day.
pub(crate) async fn shapes(
    state: &AppState,
    as_of: Date,
    level: Option<UnitLevel>,
) -> Result<Vec<(Unit, Shape)>, Problem> {
    let registry = registry(state).await?;
    let on_day = registry.as_of(as_of);
    let bounds: Vec<Point> = on_day.iter().filter_map(|unit| unit.point).collect();
    let mut units: Vec<&Unit> = on_day
        .iter()
        .copied()
        .filter(|unit| level.is_none_or(|level| unit.level == level))
        .collect();
    units.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    let mut surveyed: HashMap<(String, Option<Date>), Area> = state
        .store()
        .boundaries()
        .await?
        .into_iter()
        .map(|boundary| ((boundary.unit, boundary.valid_from), boundary.area))
        .collect();
    let mut areas: HashMap<&str, Vec<Position>> = HashMap::new();
    for level in UnitLevel::ALL {
        let of_level = || units.iter().copied().filter(|unit| unit.level == *level);
        // Imported boundaries and derived cells would overlap: a level has one or the other.
        if of_level().any(|unit| surveyed.contains_key(&record_key(unit))) {
            continue;
        }
        let placed: Vec<&Unit> = of_level().filter(|unit| unit.point.is_some()).collect();
        let sites: Vec<Point> = placed.iter().filter_map(|unit| unit.point).collect();
        let cells = voronoi_cells(&sites, &bounds, HULL_MARGIN);
        areas.extend(placed.iter().map(|unit| unit.code.as_str()).zip(cells));
    }
    Ok(units
        .iter()
        .map(|unit| {
            let shape = match (
                surveyed.remove(&record_key(unit)),
                areas.remove(unit.code.as_str()),
                unit.point,
            ) {
                (Some(area), _, _) => Shape::Surveyed(area),
                (None, Some(ring), _) => Shape::Approximate(ring),
                (None, None, Some(point)) => Shape::Point(point),
                (None, None, None) => Shape::Unknown,
            };
            ((*unit).clone(), shape)
        })
        .collect())
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UnitView {
    /// Official code (GSO): 2 digits for a province, 3 for a district, 5 for a commune.
    code: String,
    name: String,
    /// `province`, `district` or `commune`.
    level: String,
    parent: Option<String>,
    /// The Vietnamese unit type: tỉnh, phường, xã, đặc khu, ...
    kind: String,
    /// First day of validity (YYYY-MM-DD); null when it predates our records.
    valid_from: Option<String>,
    /// First day on which the unit no longer exists; null while it is current.
    valid_to: Option<String>,
    point: Option<PointView>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PointView {
    lat: f64,
    lon: f64,
}

impl From<&Unit> for UnitView {
    fn from(unit: &Unit) -> UnitView {
        UnitView {
            code: unit.code.clone(),
            name: unit.name.clone(),
            level: unit.level.as_str().to_owned(),
            parent: unit.parent.clone(),
            kind: unit.kind.clone(),
            valid_from: unit.valid_from.map(|day| day.to_string()),
            valid_to: unit.valid_to.map(|day| day.to_string()),
            point: unit.point.map(|point| PointView {
                lat: point.lat,
                lon: point.lon,
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UnitPage {
    items: Vec<UnitView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UnitQuery {
    /// Only units of this level: `province`, `district` or `commune`.
    level: Option<String>,
    /// Only the children of this unit code.
    parent: Option<String>,
    /// The date the tree is taken at (YYYY-MM-DD); today by default.
    as_of: Option<String>,
    /// Where the previous page ended.
    cursor: Option<String>,
    /// Page size, 1 to 1000; 500 by default.
    limit: Option<usize>,
}

pub(crate) async fn registry(state: &AppState) -> Result<UnitRegistry, Problem> {
    UnitRegistry::new(state.store().units().await?, state.store().lineage().await?)
        .map_err(|errors| Problem::new(crate::ProblemKind::Internal, errors[0].to_string()))
}

/// A unit record's key: its code and first day.
fn record_key(unit: &Unit) -> (String, Option<Date>) {
    (unit.code.clone(), unit.valid_from)
}

fn parse_level(text: Option<&str>) -> Result<Option<UnitLevel>, Problem> {
    text.map(UnitLevel::parse)
        .transpose()
        .map_err(|reason| Problem::invalid("level", reason))
}

pub(crate) fn parse_date(
    parameter: &str,
    text: Option<&str>,
    default: Date,
) -> Result<Date, Problem> {
    match text {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            Problem::invalid(parameter, format!("`{text}` is not a date (YYYY-MM-DD)"))
        }),
    }
}

/// Page size from the `limit` parameter.
pub(crate) fn page_size(limit: Option<usize>) -> Result<usize, Problem> {
    match limit.unwrap_or(500) {
        size @ 1..=1000 => Ok(size),
        size => Err(Problem::invalid(
            "limit",
            format!("{size} is not between 1 and 1000"),
        )),
    }
}

/// The units valid on a date, coarse levels first, then by code.
#[utoipa::path(
    get,
    path = "/units",
    tag = "units",
    params(UnitQuery),
    responses(
        (status = 200, body = UnitPage),
        (status = 400, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_units(
    State(state): State<AppState>,
    Query(query): Query<UnitQuery>,
) -> Result<Json<UnitPage>, Problem> {
    let as_of = parse_date("as_of", query.as_of.as_deref(), state.today())?;
    let level = parse_level(query.level.as_deref())?;
    let limit = page_size(query.limit)?;
    let registry = registry(&state).await?;
    let cursor_of = |unit: &Unit| format!("{}:{}", unit.level, unit.code);
    let mut matching = registry
        .as_of(as_of)
        .into_iter()
        .filter(|unit| level.is_none_or(|level| unit.level == level))
        .filter(|unit| query.parent.is_none() || unit.parent == query.parent)
        .filter(|unit| {
            query
                .cursor
                .as_deref()
                .is_none_or(|cursor| sort_key(unit) > sort_key_of_cursor(cursor))
        })
        .peekable();
    let items: Vec<&Unit> = matching.by_ref().take(limit).collect();
    let next_cursor = matching
        .peek()
        .and(items.last())
        .map(|unit| cursor_of(unit));
    Ok(Json(UnitPage {
        items: items.into_iter().map(UnitView::from).collect(),
        next_cursor,
    }))
}

fn sort_key(unit: &Unit) -> (usize, &str) {
    (
        UnitLevel::ALL
            .iter()
            .position(|level| *level == unit.level)
            .unwrap_or(0),
        unit.code.as_str(),
    )
}

fn sort_key_of_cursor(cursor: &str) -> (usize, &str) {
    let (level, code) = cursor.split_once(':').unwrap_or(("", cursor));
    (
        UnitLevel::ALL
            .iter()
            .position(|candidate| candidate.as_str() == level)
            .unwrap_or(0),
        code,
    )
}

#[derive(Serialize, ToSchema)]
pub(crate) struct LineageView {
    old_code: String,
    new_code: String,
    /// The day the change took effect.
    date: String,
    /// `merge`, `split` or `rename`.
    kind: String,
    /// Share of the old unit passed to the new one.
    weight: f64,
}

impl From<&Lineage> for LineageView {
    fn from(edge: &Lineage) -> LineageView {
        LineageView {
            old_code: edge.old_code.clone(),
            new_code: edge.new_code.clone(),
            date: edge.date.to_string(),
            kind: edge.kind.as_str().to_owned(),
            weight: edge.weight,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UnitDetail {
    /// The record of the code valid on `as_of`, or its last record if the code was retired before.
    record: UnitView,
    /// Every record the code has held, oldest first.
    history: Vec<UnitView>,
    /// Units that passed into this one.
    predecessors: Vec<LineageView>,
    /// Units this one passed into.
    successors: Vec<LineageView>,
    /// Number of units under it on `as_of`.
    children: usize,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UnitDetailQuery {
    /// The date the code is resolved at (YYYY-MM-DD); today by default.
    as_of: Option<String>,
}

/// One unit, resolved by code and date, with its history and lineage.
#[utoipa::path(
    get,
    path = "/units/{code}",
    tag = "units",
    params(("code" = String, Path, description = "Official unit code"), UnitDetailQuery),
    responses(
        (status = 200, body = UnitDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<UnitDetailQuery>,
) -> Result<Json<UnitDetail>, Problem> {
    let as_of = parse_date("as_of", query.as_of.as_deref(), state.today())?;
    let registry = registry(&state).await?;
    let history = registry.history(&code);
    let record = registry
        .resolve(&code, as_of)
        .or_else(|| {
            history
                .iter()
                .copied()
                .rfind(|unit| unit.valid_from.is_none_or(|from| from <= as_of))
        })
        .ok_or_else(|| Problem::not_found(format!("no unit `{code}` exists on {as_of}")))?;
    let starts = record.valid_from;
    let ends = record.valid_to;
    let lineage = registry.lineage();
    Ok(Json(UnitDetail {
        record: UnitView::from(record),
        history: history.iter().copied().map(UnitView::from).collect(),
        predecessors: lineage
            .iter()
            .filter(|edge| edge.new_code == code && Some(edge.date) == starts)
            .map(LineageView::from)
            .collect(),
        successors: lineage
            .iter()
            .filter(|edge| edge.old_code == code && Some(edge.date) == ends)
            .map(LineageView::from)
            .collect(),
        children: registry.children(&code, as_of).len(),
    }))
}
