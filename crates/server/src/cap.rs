//! Public warnings in the OASIS Common Alerting Protocol 1.2: an Atom index of the alerts whose rule is
//! public at `/cap/feed.atom`, and one CAP document per alert at `/cap/alerts/{id}.xml`, its area the
//! unit's boundary (imported, or approximate) with the unit's code. Anyone may read them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use jiff::Timestamp;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::alert::{Alert, AlertState, Severity};
use vantage_model::alert_rule::AlertRule;
use vantage_model::wording::describe_finding;
use vantage_store::AlertFilter;

use crate::units::{Shape, shapes};
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(feed))
        .routes(routes!(cap_alert))
}

/// How long a closed public alert stays in the feed, as a cancellation.
const CLOSED_KEPT_DAYS: i64 = 7;
const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";
const CAP_TYPE: &str = "application/cap+xml";

/// The public alerts the feed lists: not closed, or closed within the last week.
async fn public_alerts(state: &AppState) -> Result<Vec<Alert>, Problem> {
    let alerts = state
        .store()
        .alerts(&AlertFilter {
            public: Some(true),
            ..AlertFilter::default()
        })
        .await?;
    let since = Timestamp::now() - jiff::SignedDuration::from_hours(24 * CLOSED_KEPT_DAYS);
    Ok(alerts
        .into_iter()
        .filter(|alert| alert.state != AlertState::Closed || alert.updated_at >= since)
        .collect())
}

/// Where this server is reached, as the client reached it (behind a proxy, as the proxy says).
fn base_url(headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let scheme = text("x-forwarded-proto").unwrap_or("http");
    let host = text("x-forwarded-host")
        .or(text("host"))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// The Atom index of public warnings: one entry per alert, linking its CAP document.
#[utoipa::path(
    get,
    path = "/cap/feed.atom",
    tag = "alerts",
    responses((status = 200, content_type = "application/atom+xml", description = "An Atom feed of the public alerts' CAP documents"))
)]
async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, Problem> {
    let alerts = public_alerts(&state).await?;
    let rules = state
        .alerting
        .rules()
        .await
        .map_err(crate::alerts::alert_problem)?;
    let base = base_url(&headers);
    let updated = alerts
        .iter()
        .map(|alert| alert.updated_at)
        .max()
        .unwrap_or_else(Timestamp::now);
    let mut xml = Xml::new();
    xml.open("feed", &[("xmlns", "http://www.w3.org/2005/Atom")]);
    xml.text("id", &format!("{base}/cap/feed.atom"));
    xml.text("title", "Cảnh báo công khai — Vantage");
    xml.text("updated", &updated.to_string());
    xml.open("author", &[]);
    xml.text("name", "Vantage");
    xml.close("author");
    let self_link = format!("{base}/cap/feed.atom");
    xml.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &self_link),
        ],
    );
    {
        let engine = state.analytics.engine();
        for alert in &alerts {
            let rule = rules
                .iter()
                .map(|stored| &stored.item)
                .find(|r| r.id == alert.rule);
            let words = Words::of(alert, rule, &engine);
            let href = format!("{base}/cap/alerts/{}.xml", alert.id);
            xml.open("entry", &[]);
            xml.text("id", &href);
            xml.text("title", &words.headline);
            xml.text("updated", &alert.updated_at.to_string());
            xml.text("summary", &words.description);
            xml.empty(
                "link",
                &[("rel", "alternate"), ("type", CAP_TYPE), ("href", &href)],
            );
            xml.close("entry");
        }
    }
    xml.close("feed");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml.finish(),
    ))
}

/// One public alert as a CAP 1.2 document: `Alert` when it opened, `Update` after a change, `Cancel` once
/// closed (both referring to the first message).
#[utoipa::path(
    get,
    path = "/cap/alerts/{file}",
    tag = "alerts",
    params(("file" = String, Path, description = "The alert's id followed by `.xml`, e.g. `12.xml`")),
    responses(
        (status = 200, content_type = "application/cap+xml", description = "A CAP 1.2 alert message"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn cap_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let missing = || Problem::not_found(format!("no public alert {file}"));
    let id: i64 = file
        .strip_suffix(".xml")
        .and_then(|id| id.parse().ok())
        .ok_or_else(missing)?;
    let alert = public_alerts(&state)
        .await?
        .into_iter()
        .find(|alert| alert.id == id)
        .ok_or_else(missing)?;
    let rules = state
        .alerting
        .rules()
        .await
        .map_err(crate::alerts::alert_problem)?;
    let rule = rules
        .iter()
        .map(|stored| &stored.item)
        .find(|r| r.id == alert.rule);
    let level = state
        .analytics
        .engine()
        .registry()
        .current(&alert.unit)
        .map(|unit| unit.level);
    let shape = shapes(&state, state.today(), level)
        .await?
        .into_iter()
        .find(|(unit, _)| unit.code == alert.unit)
        .map_or(Shape::Unknown, |(_, shape)| shape);
    let document = {
        let engine = state.analytics.engine();
        let words = Words::of(&alert, rule, &engine);
        cap_document(&state, &alert, &words, &shape, &base_url(&headers))
    };
    Ok((
        [(header::CONTENT_TYPE, "application/cap+xml; charset=utf-8")],
        document,
    ))
}

/// What a public warning says, in Vietnamese.
struct Words {
    event: String,
    headline: String,
    description: String,
    area: String,
}

impl Words {
    fn of(alert: &Alert, rule: Option<&AlertRule>, engine: &vantage_engine::Engine) -> Words {
        let event = rule.map_or_else(|| alert.rule.clone(), |rule| rule.name.clone());
        let area = engine
            .registry()
            .current(&alert.unit)
            .map_or_else(|| alert.unit.clone(), |unit| unit.name.clone());
        let indicator = engine
            .catalog()
            .id(&alert.indicator)
            .map(|id| engine.catalog().get(id));
        let measure = indicator.map_or("", |indicator| indicator.measure.as_str());
        let name = indicator.map_or(alert.indicator.as_str(), |indicator| {
            indicator.name_vi.as_str()
        });
        Words {
            headline: format!("{event} — {area}"),
            description: format!(
                "{name}, kỳ {}: {}",
                alert.period,
                describe_finding(&alert.finding, measure)
            ),
            event,
            area,
        }
    }
}

/// A CAP time: local time with its offset, `-00:00` for UTC, no fractions.
fn cap_time(state: &AppState, at: Timestamp) -> String {
    let local = state.time_zone.to_datetime(at);
    let seconds = state.time_zone.to_offset(at).seconds();
    let sign = if seconds > 0 { '+' } else { '-' };
    let seconds = seconds.abs();
    format!(
        "{}{sign}{:02}:{:02}",
        local.strftime("%Y-%m-%dT%H:%M:%S"),
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// CAP's categories, by the domain the indicator belongs to.
fn category(domain: &str) -> &'static str {
    match domain {
        "ENV" => "Env",
        "DIS" => "Met",
        "HEA" | "EPI" => "Health",
        "SEC" => "Security",
        "TRA" => "Transport",
        "CIT" => "Safety",
        "IND" | "DIG" => "Infra",
        _ => "Other",
    }
}

fn cap_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Extreme",
        Severity::Major => "Severe",
        Severity::Minor => "Moderate",
        Severity::Warning => "Minor",
    }
}

fn cap_document(
    state: &AppState,
    alert: &Alert,
    words: &Words,
    shape: &Shape,
    base: &str,
) -> String {
    let host = base.split_once("://").map_or(base, |(_, host)| host);
    let sender = format!("vantage@{host}");
    let identifier = |version: i64| format!("urn:vantage:{host}:alert:{}:{version}", alert.id);
    let (message_type, note) = match (alert.state, alert.version) {
        (AlertState::Closed, _) => ("Cancel", Some("Cảnh báo đã kết thúc.")),
        (_, 1) => ("Alert", None),
        _ => ("Update", None),
    };
    let urgency = match (alert.holds, alert.severity) {
        (false, _) => "Past",
        (true, Severity::Critical) => "Immediate",
        (true, _) => "Expected",
    };
    let mut xml = Xml::new();
    xml.open("alert", &[("xmlns", CAP_NAMESPACE)]);
    xml.text("identifier", &identifier(alert.version));
    xml.text("sender", &sender);
    xml.text("sent", &cap_time(state, alert.updated_at));
    xml.text("status", "Actual");
    xml.text("msgType", message_type);
    xml.text("scope", "Public");
    if let Some(note) = note {
        xml.text("note", note);
    }
    if message_type != "Alert" {
        let first = format!(
            "{sender},{},{}",
            identifier(1),
            cap_time(state, alert.opened_at)
        );
        xml.text("references", &first);
    }
    xml.open("info", &[]);
    xml.text("language", "vi-VN");
    xml.text("category", category(&alert.domain));
    xml.text("event", &words.event);
    xml.text("urgency", urgency);
    xml.text("severity", cap_severity(alert.severity));
    xml.text("certainty", "Observed");
    xml.text("senderName", "Vantage");
    xml.text("headline", &words.headline);
    xml.text("description", &words.description);
    xml.text("web", &format!("{base}/canh-bao/{}", alert.id));
    for (name, value) in [
        ("indicator", alert.indicator.clone()),
        ("period", alert.period.to_string()),
    ] {
        xml.open("parameter", &[]);
        xml.text("valueName", name);
        xml.text("value", &value);
        xml.close("parameter");
    }
    xml.open("area", &[]);
    xml.text("areaDesc", &words.area);
    let rings: Vec<&Vec<[f64; 2]>> = match shape {
        Shape::Surveyed(area) => area.iter().filter_map(|polygon| polygon.first()).collect(),
        Shape::Approximate(ring) => vec![ring],
        Shape::Point(_) | Shape::Unknown => Vec::new(),
    };
    for ring in rings.into_iter().filter(|ring| ring.len() >= 3) {
        xml.text("polygon", &cap_polygon(ring));
    }
    if let Shape::Point(point) = shape {
        xml.text("circle", &format!("{:.5},{:.5} 0", point.lat, point.lon));
    }
    xml.open("geocode", &[]);
    xml.text("valueName", "MA_DVHC");
    xml.text("value", &alert.unit);
    xml.close("geocode");
    xml.close("area");
    xml.close("info");
    xml.close("alert");
    xml.finish()
}

/// A ring (longitude first, as GeoJSON) as CAP writes polygons: `lat,lon` pairs, the first repeated last.
fn cap_polygon(ring: &[[f64; 2]]) -> String {
    let mut pairs: Vec<String> = ring
        .iter()
        .map(|[lon, lat]| format!("{lat:.5},{lon:.5}"))
        .collect();
    if pairs.first() != pairs.last() {
        pairs.push(pairs[0].clone());
    }
    pairs.join(" ")
}

/// Just enough of an XML writer: elements, attributes and escaped text, indented.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }

    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push_str(&format!(" {key}=\"{}\"", escape(value)));
        }
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start(name, attributes);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start(name, attributes);
        self.out.push_str("/>\n");
    }

    fn text(&mut self, name: &str, text: &str) {
        self.start(name, &[]);
        self.out.push_str(&format!(">{}</{name}>\n", escape(text)));
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn finish(self) -> String {
        self.out
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_and_text_as_cap_expects() {
        assert_eq!(
            cap_polygon(&[[108.1, 11.9], [108.2, 11.9], [108.2, 12.0]]),
            "11.90000,108.10000 11.90000,108.20000 12.00000,108.20000 11.90000,108.10000"
        );
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
