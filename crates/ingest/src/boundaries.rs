//! Unit boundaries from a GeoJSON FeatureCollection: each feature names its unit by `properties.code` (or
//! its `id`) and carries a Polygon or MultiPolygon. A unit code names the record valid on the import's
//! date, so boundaries of the units before a reorganisation are imported with a date before it.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;
use vantage_model::geometry::{Area, Position, check_area};
use vantage_model::unit::UnitRegistry;
use vantage_store::{Store, UnitBoundary};

use crate::FileError;

/// Why a file of boundaries was not imported.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("{} bad feature(s) in the file; nothing was imported", .0.len())]
    Refused(Vec<FeatureError>),
    #[error(transparent)]
    Store(#[from] vantage_store::StoreError),
}

/// One feature that could not give a boundary: its position in the file (from 1), the field at fault, why.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureError {
    pub feature: usize,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "feature {}, {}: {}",
            self.feature, self.field, self.reason
        )
    }
}

/// What an import of boundaries did.
#[derive(Debug)]
pub struct BoundaryOutcome {
    pub written: usize,
    /// Features left out because the caller accepted the valid ones; empty otherwise.
    pub rejected: Vec<FeatureError>,
}

/// Reads and checks every feature; the good ones become boundaries, the others errors.
pub fn read_boundaries(
    bytes: &[u8],
    registry: &UnitRegistry,
    as_of: Date,
    source: &str,
    now: Timestamp,
) -> Result<(Vec<UnitBoundary>, Vec<FeatureError>), FileError> {
    let malformed = |reason: String| FileError::Malformed { row: 0, reason };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty {
            expected: "a GeoJSON FeatureCollection".into(),
        });
    }
    let document: Value =
        serde_json::from_slice(bytes).map_err(|error| malformed(format!("not JSON: {error}")))?;
    if document["type"] != "FeatureCollection" {
        return Err(malformed("not a GeoJSON FeatureCollection".into()));
    }
    let Some(features) = document["features"].as_array() else {
        return Err(malformed(
            "a FeatureCollection needs a `features` array".into(),
        ));
    };
    if features.is_empty() {
        return Err(FileError::NoRows);
    }
    let mut boundaries: Vec<UnitBoundary> = Vec::new();
    let mut errors = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let number = index + 1;
        let fault = |field: &str, reason: String| FeatureError {
            feature: number,
            field: field.into(),
            reason,
        };
        let code = match feature_code(feature) {
            Some(code) => code,
            None => {
                errors.push(fault(
                    "properties.code",
                    "missing: name the unit by its code".into(),
                ));
                continue;
            }
        };
        let Some(unit) = registry
            .index_on(&code, as_of)
            .map(|index| registry.get(index))
        else {
            errors.push(fault(
                "properties.code",
                format!("no unit {code} on {as_of}"),
            ));
            continue;
        };
        if boundaries.iter().any(|b| b.unit == code) {
            errors.push(fault(
                "properties.code",
                format!("unit {code} has a boundary earlier in the file"),
            ));
            continue;
        }
        match area_of(&feature["geometry"]) {
            Ok(area) => boundaries.push(UnitBoundary {
                unit: code,
                valid_from: unit.valid_from,
                area,
                source: source.to_owned(),
                imported_at: now,
            }),
            Err(reason) => errors.push(fault("geometry", reason)),
        }
    }
    Ok((boundaries, errors))
}

/// Checks a file and writes its boundaries: refused whole when a feature is bad, unless the caller accepts
/// the valid ones.
pub async fn import_boundaries(
    store: &Store,
    bytes: &[u8],
    as_of: Date,
    accept_valid: bool,
    source: &str,
    now: Timestamp,
) -> Result<BoundaryOutcome, BoundaryError> {
    let registry =
        UnitRegistry::new(store.units().await?, store.lineage().await?).map_err(|errors| {
            FileError::Malformed {
                row: 0,
                reason: format!("the stored units are inconsistent: {}", errors[0]),
            }
        })?;
    let (boundaries, rejected) = read_boundaries(bytes, &registry, as_of, source, now)?;
    if !rejected.is_empty() && !accept_valid {
        return Err(BoundaryError::Refused(rejected));
    }
    store.write_boundaries(&boundaries).await?;
    Ok(BoundaryOutcome {
        written: boundaries.len(),
        rejected,
    })
}

fn feature_code(feature: &Value) -> Option<String> {
    let text = |value: &Value| match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    text(&feature["properties"]["code"]).or_else(|| text(&feature["id"]))
}

/// A Polygon or MultiPolygon as an area, checked.
fn area_of(geometry: &Value) -> Result<Area, String> {
    let coordinates = &geometry["coordinates"];
    let area = match geometry["type"].as_str() {
        Some("Polygon") => vec![polygon(coordinates)?],
        Some("MultiPolygon") => coordinates
            .as_array()
            .ok_or("MultiPolygon coordinates must be an array of polygons")?
            .iter()
            .map(polygon)
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "a {other} has no area; expected Polygon or MultiPolygon"
            ));
        }
        None => return Err("missing; expected a Polygon or MultiPolygon".into()),
    };
    check_area(&area)?;
    Ok(area)
}

fn polygon(value: &Value) -> Result<Vec<Vec<Position>>, String> {
    let rings = value
        .as_array()
        .ok_or("a polygon must be an array of rings")?;
    rings
        .iter()
        .map(|ring| {
            ring.as_array()
                .ok_or("a ring must be an array of positions")?
                .iter()
                .map(|position| match position.as_array().map(Vec::as_slice) {
                    Some([lon, lat, ..]) => match (lon.as_f64(), lat.as_f64()) {
                        (Some(lon), Some(lat)) => Ok([lon, lat]),
                        _ => Err(format!("{position} is not a [longitude, latitude] pair")),
                    },
                    _ => Err(format!("{position} is not a [longitude, latitude] pair")),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn registry() -> UnitRegistry {
        use vantage_model::fixtures::unit;
        use vantage_model::unit::UnitLevel::Province;
        let change = Some(jiff::civil::date(2025, 7, 1));
        let old = unit("22918", Province, None, None, change);
        let new = unit("22918", Province, None, change, None);
        UnitRegistry::new(vec![old, new], vec![]).unwrap()
    }

    fn square(lon: f64) -> Value {
        json!([[
            [lon, 11.0],
            [lon + 0.1, 11.0],
            [lon + 0.1, 11.1],
            [lon, 11.1],
            [lon, 11.0]
        ]])
    }

    fn read(
        document: Value,
        as_of: Date,
    ) -> Result<(Vec<UnitBoundary>, Vec<FeatureError>), FileError> {
        read_boundaries(
            document.to_string().as_bytes(),
            &registry(),
            as_of,
            "test",
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn a_code_names_the_record_valid_on_the_date() {
        let file = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "22918"}, "geometry": {"type": "Polygon", "coordinates": square(108.0)}}
        ]});
        let (now, errors) = read(file.clone(), jiff::civil::date(2026, 1, 1)).unwrap();
        assert!(errors.is_empty());
        assert_eq!(now[0].valid_from, Some(jiff::civil::date(2025, 7, 1)));
        assert_eq!(
            now[0].area,
            vec![serde_json::from_value::<Vec<Vec<Position>>>(square(108.0)).unwrap()]
        );
        let (before, _) = read(file, jiff::civil::date(2025, 1, 1)).unwrap();
        assert_eq!(before[0].valid_from, None);
    }

    #[test]
    fn every_bad_feature_is_named_with_its_field() {
        let file = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 22918, "geometry": {"type": "MultiPolygon", "coordinates": [square(108.0), square(108.2)]}},
            {"type": "Feature", "properties": {"code": "99999"}, "geometry": {"type": "Polygon", "coordinates": square(108.0)}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": square(108.0)}},
            {"type": "Feature", "properties": {"code": "22918"}, "geometry": {"type": "Polygon", "coordinates": square(108.0)}}
        ]});
        let (boundaries, errors) = read(file, jiff::civil::date(2026, 1, 1)).unwrap();
        assert_eq!(boundaries.len(), 1);
        assert_eq!(boundaries[0].area.len(), 2);
        let named: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| (e.feature, e.field.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (2, "properties.code"),
                (3, "properties.code"),
                (4, "properties.code")
            ],
            "{errors:?}"
        );
        assert!(errors[0].reason.contains("no unit 99999"));
        assert!(errors[2].reason.contains("earlier in the file"));
    }

    #[test]
    fn bad_geometries_say_why() {
        for (geometry, why) in [
            (
                json!({"type": "Point", "coordinates": [108.0, 11.0]}),
                "a Point has no area",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[108.0, 11.0], [108.1, 11.0], [108.0, 11.0]]]}),
                "at least 4",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[["x", 11.0]]]}),
                "is not a [longitude, latitude] pair",
            ),
            (json!(null), "missing"),
        ] {
            let file = json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"code": "22918"}, "geometry": geometry}
            ]});
            let (_, errors) = read(file, jiff::civil::date(2026, 1, 1)).unwrap();
            assert_eq!(errors[0].field, "geometry");
            assert!(errors[0].reason.contains(why), "{}", errors[0].reason);
        }
    }

    #[test]
    fn files_that_are_not_feature_collections_are_refused() {
        for (bytes, why) in [
            ("", "empty"),
            ("{", "not JSON"),
            ("{\"type\": \"Feature\"}", "not a GeoJSON FeatureCollection"),
            (
                "{\"type\": \"FeatureCollection\", \"features\": []}",
                "no data rows",
            ),
        ] {
            let error = read_boundaries(
                bytes.as_bytes(),
                &registry(),
                jiff::civil::date(2026, 1, 1),
                "t",
                Timestamp::UNIX_EPOCH,
            )
            .unwrap_err();
            assert!(error.to_string().contains(why), "{error}");
        }
    }
}
