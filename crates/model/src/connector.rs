//! Pull connectors: a JSON document another system publishes over HTTP(S), fetched on a schedule and read
//! into values (indicator, unit, period, value) by a mapping. What a connector is, and the checks a saved
//! one passes; fetching and reading live at the edges.

use serde::{Deserialize, Serialize};

use crate::alert_rule::check_id;

/// The shortest time between two scheduled runs.
pub const MIN_EVERY_MINUTES: u32 = 5;
/// The longest: a week.
pub const MAX_EVERY_MINUTES: u32 = 7 * 24 * 60;
/// Failed fetches are tried again this many times before the connector waits for its next run.
pub const MAX_ATTEMPTS: u32 = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connector {
    /// Lowercase letters, digits and dashes.
    pub id: String,
    pub name: String,
    /// `http://` or `https://`, without credentials in it (they have a field of their own, kept out of
    /// logs and lists).
    pub url: String,
    #[serde(default)]
    pub credential: Option<Credential>,
    /// Minutes between scheduled runs.
    pub every_minutes: u32,
    pub mapping: Mapping,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

vocabulary!(
    /// Why a connector ran.
    RunTrigger, "a run trigger" {
        Schedule => "schedule", Retry => "retry", Manual => "manual",
    }
);

vocabulary!(
    /// How a run ended: every record written, some refused (the rest written), or nothing fetched.
    RunOutcome, "a run outcome" {
        Succeeded => "succeeded", Partial => "partial", Failed => "failed",
    }
);

/// Why a record of the document was refused: `index` in the document's list, the value's `field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunProblem {
    pub index: usize,
    pub field: String,
    pub reason: String,
}

/// How a request says who asks.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Credential {
    /// `Authorization: Bearer {token}`.
    Bearer { token: String },
    /// `Authorization: Basic …`.
    Basic { username: String, password: String },
    /// A header of the source's own, e.g. `X-API-Key`.
    Header { name: String, value: String },
}

/// Without the secret: connectors end up in logs.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = f.debug_struct(self.kind());
        match self {
            Credential::Basic { username, .. } => shown.field("username", username),
            Credential::Header { name, .. } => shown.field("name", name),
            Credential::Bearer { .. } => &mut shown,
        };
        shown.finish_non_exhaustive()
    }
}

impl Credential {
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Bearer { .. } => "bearer",
            Credential::Basic { .. } => "basic",
            Credential::Header { .. } => "header",
        }
    }

    /// The secret parts, for a caller to hide or to keep.
    pub fn secrets_mut(&mut self) -> Vec<&mut String> {
        match self {
            Credential::Bearer { token } => vec![token],
            Credential::Basic { password, .. } => vec![password],
            Credential::Header { value, .. } => vec![value],
        }
    }
}

/// Where each part of a value is found in the document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// A JSON Pointer (RFC 6901) to the list of records, e.g. `/data/items`; empty when the document is
    /// the list.
    #[serde(default)]
    pub records: String,
    pub indicator: Field,
    pub unit: Field,
    /// A period id (`202611`, `2026Q3`, `20261124`…), or a date or instant, read as the period of the
    /// indicator's frequency that holds it (in the province's time zone).
    pub period: Field,
    pub value: Field,
    #[serde(default)]
    pub comment: Option<Field>,
}

/// One part of a value: found in each record, or the same for all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Field {
    /// A JSON Pointer inside the record, e.g. `/station/code`.
    Pointer(String),
    /// A constant, e.g. the indicator code of a source that publishes one indicator.
    Value(String),
}

impl Field {
    fn check(&self) -> Result<(), String> {
        match self {
            Field::Pointer(pointer) if !pointer.starts_with('/') => Err(format!(
                "`{pointer}` is not a JSON Pointer (it starts with /)"
            )),
            Field::Value(value) if value.trim().is_empty() => Err("an empty constant".to_owned()),
            _ => Ok(()),
        }
    }
}

impl Connector {
    /// Every problem of the definition, as (field, reason).
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(reason) = check_id(&self.id) {
            problems.push(("id", reason));
        }
        if self.name.trim().is_empty() {
            problems.push(("name", "a connector needs a name".to_owned()));
        }
        let address = self
            .url
            .strip_prefix("https://")
            .or_else(|| self.url.strip_prefix("http://"));
        match address {
            None => problems.push(("url", "an http:// or https:// address".to_owned())),
            Some(rest)
                if rest
                    .split('/')
                    .next()
                    .is_some_and(|host| host.contains('@')) =>
            {
                problems.push((
                    "url",
                    "credentials go in `credential`, not in the address".to_owned(),
                ));
            }
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                problems.push(("url", "the address names no host".to_owned()));
            }
            Some(_) => {}
        }
        if !(MIN_EVERY_MINUTES..=MAX_EVERY_MINUTES).contains(&self.every_minutes) {
            problems.push((
                "every_minutes",
                format!("from {MIN_EVERY_MINUTES} to {MAX_EVERY_MINUTES} minutes"),
            ));
        }
        if let Some(credential) = &self.credential {
            let blank = match credential {
                Credential::Bearer { token } => token.is_empty(),
                Credential::Basic { username, password } => {
                    username.is_empty() || username.contains(':') || password.is_empty()
                }
                Credential::Header { name, value } => {
                    let token = |c: char| c.is_ascii_alphanumeric() || "-_".contains(c);
                    name.is_empty() || !name.chars().all(token) || value.is_empty()
                }
            };
            if blank {
                problems.push((
                    "credential",
                    "every part is needed (a header name of letters, digits, - and _; a user name without :)"
                        .to_owned(),
                ));
            }
        }
        let mapping = &self.mapping;
        if !mapping.records.is_empty() && !mapping.records.starts_with('/') {
            problems.push((
                "mapping.records",
                "a JSON Pointer (it starts with /), or empty for a document that is the list"
                    .to_owned(),
            ));
        }
        for (field, part) in [
            ("mapping.indicator", Some(&mapping.indicator)),
            ("mapping.unit", Some(&mapping.unit)),
            ("mapping.period", Some(&mapping.period)),
            ("mapping.value", Some(&mapping.value)),
            ("mapping.comment", mapping.comment.as_ref()),
        ] {
            if let Some(Err(reason)) = part.map(Field::check) {
                problems.push((field, reason));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector() -> Connector {
        serde_json::from_str(
            r#"{
                "id": "quan-trac-khong-khi",
                "name": "Trạm quan trắc không khí",
                "url": "https://quantrac.lamdong.gov.vn/api/aqi?ngay=hom-nay",
                "credential": {"kind": "bearer", "token": "s3cret-token"},
                "every_minutes": 60,
                "mapping": {
                    "records": "/data",
                    "indicator": {"value": "ENV.AQI"},
                    "unit": {"pointer": "/ma_xa"},
                    "period": {"pointer": "/thoi_gian"},
                    "value": {"pointer": "/aqi"}
                }
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn a_sound_connector_passes() {
        let connector = connector();
        assert_eq!(connector.check(), []);
        assert!(connector.enabled);
        assert_eq!(connector.mapping.comment, None);
    }

    #[test]
    fn checks_name_every_bad_field() {
        let mut bad = connector();
        bad.id = "Trạm".into();
        bad.name = " ".into();
        bad.url = "https://user:pw@quantrac.lamdong.gov.vn/api".into();
        bad.every_minutes = 1;
        bad.credential = Some(Credential::Header {
            name: "X Key".into(),
            value: "v".into(),
        });
        bad.mapping.records = "data".into();
        bad.mapping.unit = Field::Pointer("ma_xa".into());
        bad.mapping.comment = Some(Field::Value(String::new()));
        let fields: Vec<&str> = bad.check().into_iter().map(|(field, _)| field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "name",
                "url",
                "every_minutes",
                "credential",
                "mapping.records",
                "mapping.unit",
                "mapping.comment"
            ]
        );
        for url in ["ftp://x.org/a", "https://", "https:///a"] {
            bad.url = url.into();
            assert!(
                bad.check().iter().any(|(field, _)| *field == "url"),
                "{url}"
            );
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let shown = format!("{:?}", connector());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("bearer"), "{shown}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = serde_json::to_string(&connector())
            .unwrap()
            .replace("\"every_minutes\"", "\"every_minute\"");
        assert!(serde_json::from_str::<Connector>(&text).is_err());
    }
}
