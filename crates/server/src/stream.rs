//! The live stream: the engine's change events as Server-Sent Events, each sent only to callers who may read
//! its cell, resumable with `Last-Event-ID` from a window of recent events, with a heartbeat every 15 s.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_alerts::{Alerting, Notice};
use vantage_engine::{CellChange, IndicatorId};
use vantage_live::Analytics;
use vantage_model::unit::UnitIndex;

use crate::access::Caller;
use crate::{AppState, Problem};

/// How many recent events a reconnecting client can catch up on.
const WINDOW: usize = 10_000;
/// How many events a client may fall behind before it is cut off (it then reconnects and catches up).
const CLIENT_BUFFER: usize = 4096;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// One changed cell or one step in an alert's life, ready to send.
pub(crate) struct StreamEvent {
    id: u64,
    /// The cell the event is about; only callers who may read it receive the event.
    indicator: IndicatorId,
    unit: UnitIndex,
    kind: EventKind,
    data: String,
}

#[derive(Clone, Copy)]
enum EventKind {
    Change {
        value_changed: bool,
        status_changed: bool,
    },
    Alert,
}

impl EventKind {
    fn name(self) -> &'static str {
        match self {
            EventKind::Change { .. } => "change",
            EventKind::Alert => "alert",
        }
    }
}

#[derive(Serialize)]
struct AlertData<'a> {
    id: i64,
    /// What happened: a timeline event.
    event: &'static str,
    actor: Option<&'a str>,
    state: &'static str,
    severity: &'static str,
    holds: bool,
    indicator: &'a str,
    unit: &'a str,
    period: String,
    assignee: Option<&'a str>,
    escalated: bool,
}

#[derive(Serialize)]
struct ChangeData<'a> {
    indicator: &'a str,
    unit: &'a str,
    period: String,
    old_value: Option<f64>,
    new_value: Option<f64>,
    old_status: Option<&'static str>,
    new_status: Option<&'static str>,
}

/// Numbers the engine's changes, keeps the recent ones, and hands them to every connected client.
pub(crate) struct StreamHub {
    recent: Mutex<(u64, VecDeque<Arc<StreamEvent>>)>,
    live: broadcast::Sender<Arc<StreamEvent>>,
}

impl StreamHub {
    /// Starts relaying the analytics' change batches and the alerts' notices.
    pub(crate) fn start(alerting: &Arc<Alerting>) -> Arc<StreamHub> {
        let hub = Arc::new(StreamHub {
            recent: Mutex::new((0, VecDeque::new())),
            live: broadcast::channel(CLIENT_BUFFER).0,
        });
        let mut notices = alerting.subscribe();
        let relay = hub.clone();
        let analytics = alerting.analytics().clone();
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(notice) => relay.publish_alert(&analytics, &notice),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "the live stream fell behind the alerts");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        let analytics = alerting.analytics().clone();
        let mut batches = analytics.subscribe();
        let relay = hub.clone();
        tokio::spawn(async move {
            loop {
                match batches.recv().await {
                    Ok(batch) => relay.publish(&analytics, &batch.changes),
                    // Batches missed while this task was behind cannot be named; later ones still can.
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "the live stream fell behind the engine");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        hub
    }

    fn publish(&self, analytics: &Analytics, changes: &[CellChange]) {
        let engine = analytics.engine();
        let registry = engine.registry();
        let mut recent = self.lock();
        for change in changes {
            let data = ChangeData {
                indicator: &engine.catalog().get(change.indicator).code,
                unit: &registry.get(change.unit).code,
                period: change.period.to_string(),
                old_value: change.old_value,
                new_value: change.new_value,
                old_status: change.old_status.map(|status| status.as_str()),
                new_status: change.new_status.map(|status| status.as_str()),
            };
            let kind = EventKind::Change {
                value_changed: change.old_value.map(f64::to_bits)
                    != change.new_value.map(f64::to_bits),
                status_changed: change.old_status != change.new_status,
            };
            let data = serde_json::to_string(&data).unwrap_or_default();
            self.send(&mut recent, change.indicator, change.unit, kind, data);
        }
    }

    fn publish_alert(&self, analytics: &Analytics, notice: &Notice) {
        let alert = &notice.alert;
        let engine = analytics.engine();
        let (Some(indicator), Some(unit)) = (
            engine.catalog().id(&alert.indicator),
            engine.unit_for(&alert.unit, alert.period),
        ) else {
            return;
        };
        let data = AlertData {
            id: alert.id,
            event: notice.entry.event.as_str(),
            actor: notice.entry.actor.as_deref(),
            state: alert.state.as_str(),
            severity: alert.severity.as_str(),
            holds: alert.holds,
            indicator: &alert.indicator,
            unit: &alert.unit,
            period: alert.period.to_string(),
            assignee: alert.assignee.as_ref().map(|assignee| assignee.code()),
            escalated: alert.escalated_at.is_some(),
        };
        let data = serde_json::to_string(&data).unwrap_or_default();
        self.send(&mut self.lock(), indicator, unit, EventKind::Alert, data);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, VecDeque<Arc<StreamEvent>>)> {
        self.recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Numbers an event, keeps it among the recent ones, and hands it to the connected clients.
    fn send(
        &self,
        recent: &mut (u64, VecDeque<Arc<StreamEvent>>),
        indicator: IndicatorId,
        unit: UnitIndex,
        kind: EventKind,
        data: String,
    ) {
        recent.0 += 1;
        let event = Arc::new(StreamEvent {
            id: recent.0,
            indicator,
            unit,
            kind,
            data,
        });
        if recent.1.len() == WINDOW {
            recent.1.pop_front();
        }
        recent.1.push_back(event.clone());
        // No client connected is no error.
        let _ = self.live.send(event);
    }

    /// The recent events after `last` and a subscription to those that follow, without a gap between.
    fn follow(
        &self,
        last: Option<u64>,
    ) -> (Vec<Arc<StreamEvent>>, broadcast::Receiver<Arc<StreamEvent>>) {
        let recent = self.lock();
        let missed = match last {
            Some(last) => recent
                .1
                .iter()
                .filter(|event| event.id > last)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        (missed, self.live.subscribe())
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StreamQuery {
    /// Comma-separated: `values` (a cell's value changed), `status` (its status changed), `alerts` (a step
    /// in an alert's life); all by default.
    topics: Option<String>,
}

/// Which changes a client asked for.
#[derive(Clone, Copy)]
struct Topics {
    values: bool,
    status: bool,
    alerts: bool,
}

impl Topics {
    fn parse(text: Option<&str>) -> Result<Topics, Problem> {
        let Some(text) = text else {
            return Ok(Topics {
                values: true,
                status: true,
                alerts: true,
            });
        };
        let mut topics = Topics {
            values: false,
            status: false,
            alerts: false,
        };
        for topic in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            match topic {
                "values" => topics.values = true,
                "status" => topics.status = true,
                "alerts" => topics.alerts = true,
                other => {
                    return Err(Problem::invalid(
                        "topics",
                        format!("`{other}` is not a topic (values, status, alerts)"),
                    ));
                }
            }
        }
        Ok(topics)
    }

    fn wants(self, event: &StreamEvent) -> bool {
        match event.kind {
            EventKind::Change {
                value_changed,
                status_changed,
            } => (self.values && value_changed) || (self.status && status_changed),
            EventKind::Alert => self.alerts,
        }
    }
}

/// Server-Sent Events of changed cells (`event: change`, `id`, JSON `data` with indicator, unit, period, old
/// and new value and status) and of steps in alerts' lives (`event: alert`, JSON `data` with the alert's id,
/// the timeline event, actor, state, severity, whether its condition holds, indicator, unit, period,
/// assignee and whether it was escalated), only for cells the caller may read. Reconnect with
/// `Last-Event-ID` to receive the events missed since.
#[utoipa::path(
    get,
    path = "/stream",
    tag = "analytics",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The last event received; the events after it are sent first")
    ),
    responses(
        (status = 200, content_type = "text/event-stream", description = "A stream of `change` and `alert` events"),
        (status = 400, body = Problem, content_type = "application/problem+json")
    )
)]
async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let topics = Topics::parse(query.topics.as_deref())?;
    let last = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let (missed, live) = state.stream.follow(last);
    let analytics = state.analytics.clone();
    let visible = move |event: &StreamEvent| {
        let engine = analytics.engine();
        topics.wants(event)
            && caller.reads(engine.catalog().get(event.indicator), &engine, event.unit)
    };
    let events = futures_util::stream::unfold(
        (missed.into_iter(), live, visible),
        |(mut missed, mut live, visible)| async move {
            loop {
                let event = match missed.next() {
                    Some(event) => event,
                    None => match live.recv().await {
                        Ok(event) => event,
                        // Too far behind: end, so that the client reconnects and catches up.
                        Err(_) => return None,
                    },
                };
                if visible(&event) {
                    let sse = Event::default()
                        .event(event.kind.name())
                        .id(event.id.to_string())
                        .data(event.data.clone());
                    return Some((Ok(sse), (missed, live, visible)));
                }
            }
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
