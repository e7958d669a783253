//! Who is told about alerts, and how: notification policies pick alerts by their labels (severity,
//! domain, unit, rule) and the events in their lives, and send them by e-mail or signed webhook, held
//! back during mute windows and grouped into digests.

use jiff::civil::{DateTime, Time, Weekday};
use serde::{Deserialize, Serialize};

use crate::alert::{Alert, Severity, TimelineEvent};
use crate::alert_rule::check_id;
use crate::calendar::parse_weekday;

/// The longest a digest may gather notices.
pub const MAX_DIGEST_MINUTES: u32 = 1440;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationPolicy {
    /// Lowercase letters, digits and dashes.
    pub id: String,
    pub name: String,
    /// Only alerts of these severities; all when empty.
    #[serde(default)]
    pub severities: Vec<Severity>,
    /// Only alerts of these domains; all when empty.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Only alerts on these units or below them; all when empty.
    #[serde(default)]
    pub units: Vec<String>,
    /// Only alerts of these rules; all when empty.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The events told: by default an alert opening, its explanation submitted, and its escalation.
    #[serde(default = "usual_events")]
    pub events: Vec<TimelineEvent>,
    pub channel: Channel,
    /// When nothing is sent; what falls in a window goes out when it ends.
    #[serde(default)]
    pub mute: Vec<MuteWindow>,
    /// Notices within this many minutes go out as one message (0: each alone).
    #[serde(default)]
    pub digest_minutes: u32,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn usual_events() -> Vec<TimelineEvent> {
    vec![
        TimelineEvent::Opened,
        TimelineEvent::SubmitExplanation,
        TimelineEvent::Escalated,
    ]
}

fn enabled() -> bool {
    true
}

/// Where a policy's messages go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Channel {
    Email {
        to: Vec<String>,
    },
    /// A JSON POST signed with HMAC-SHA256 of the timestamp and body under `secret`.
    Webhook {
        url: String,
        secret: String,
    },
}

/// A time of day when nothing is sent: from `from` to `to` (the next day when `to` is earlier), starting
/// on `days` (every day when empty), in local time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuteWindow {
    #[serde(default)]
    pub days: Vec<String>,
    /// `HH:MM`.
    pub from: String,
    pub to: String,
}

impl MuteWindow {
    fn parts(&self) -> Result<(Vec<Weekday>, Time, Time), String> {
        let time = |text: &str| {
            Time::strptime("%H:%M", text).map_err(|_| format!("`{text}` is not a time (HH:MM)"))
        };
        let days = self
            .days
            .iter()
            .map(|day| parse_weekday(day))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((days, time(&self.from)?, time(&self.to)?))
    }

    /// The end of this window if `at` falls in it.
    fn muted_until(&self, at: DateTime) -> Option<DateTime> {
        let (days, from, to) = self.parts().ok()?;
        let starts_on = |day: jiff::civil::Date| days.is_empty() || days.contains(&day.weekday());
        let today = at.date();
        if to > from {
            (starts_on(today) && at.time() >= from && at.time() < to).then(|| today.to_datetime(to))
        } else if at.time() >= from && starts_on(today) {
            today
                .tomorrow()
                .ok()
                .map(|tomorrow| tomorrow.to_datetime(to))
        } else {
            let yesterday = today.yesterday().ok()?;
            (at.time() < to && starts_on(yesterday)).then(|| today.to_datetime(to))
        }
    }
}

impl NotificationPolicy {
    /// Whether the policy tells of `event` on `alert`; `lineage` is the alert unit's code and its
    /// ancestors' codes.
    pub fn matches(&self, alert: &Alert, event: TimelineEvent, lineage: &[&str]) -> bool {
        let any =
            |wanted: &[String], value: &str| wanted.is_empty() || wanted.iter().any(|w| w == value);
        self.enabled
            && self.events.contains(&event)
            && (self.severities.is_empty() || self.severities.contains(&alert.severity))
            && any(&self.domains, &alert.domain)
            && any(&self.rules, &alert.rule)
            && (self.units.is_empty()
                || self
                    .units
                    .iter()
                    .any(|unit| lineage.contains(&unit.as_str())))
    }

    /// When a notice made at `at` (local time) goes out: after any mute window it falls in, then after
    /// the digest's gathering time.
    pub fn send_at(&self, at: DateTime) -> DateTime {
        let mut send = at;
        // Windows may follow one another (nights and a weekend): step out of each in turn, a week's worth.
        for _ in 0..=7 * self.mute.len() {
            match self.mute.iter().find_map(|window| window.muted_until(send)) {
                Some(end) => send = end,
                None => break,
            }
        }
        send.checked_add(jiff::SignedDuration::from_mins(i64::from(
            self.digest_minutes,
        )))
        .unwrap_or(send)
    }

    /// Every field that is wrong, with why.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(reason) = check_id(&self.id) {
            problems.push(("id", reason));
        }
        if self.name.trim().is_empty() {
            problems.push(("name", "a policy needs a name".to_owned()));
        }
        if self.events.is_empty() {
            problems.push(("events", "name at least one event to tell".to_owned()));
        }
        match &self.channel {
            Channel::Email { to } => {
                let bad = |address: &&String| {
                    let parts = address.split_once('@');
                    parts.is_none_or(|(user, host)| {
                        user.is_empty()
                            || !host.contains('.')
                            || address.contains(char::is_whitespace)
                    })
                };
                if to.is_empty() {
                    problems.push(("channel.to", "at least one address".to_owned()));
                } else if let Some(address) = to.iter().find(bad) {
                    problems.push((
                        "channel.to",
                        format!("`{address}` is not an e-mail address"),
                    ));
                }
            }
            Channel::Webhook { url, secret } => {
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    problems.push(("channel.url", "an http:// or https:// address".to_owned()));
                }
                if secret.len() < 16 {
                    problems.push(("channel.secret", "at least 16 characters".to_owned()));
                }
            }
        }
        if let Some(error) = self.mute.iter().find_map(|window| window.parts().err()) {
            problems.push(("mute", error));
        }
        if self.digest_minutes > MAX_DIGEST_MINUTES {
            problems.push(("digest_minutes", format!("0 to {MAX_DIGEST_MINUTES}")));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::alert::AlertState;
    use crate::alert_rule::Finding;

    fn policy(channel: Channel) -> NotificationPolicy {
        NotificationPolicy {
            id: "so-tai-chinh".into(),
            name: "Sở Tài chính".into(),
            severities: vec![Severity::Critical, Severity::Major],
            domains: vec!["BUD".into()],
            units: vec!["22918".into()],
            rules: Vec::new(),
            events: usual_events(),
            channel,
            mute: Vec::new(),
            digest_minutes: 0,
            enabled: true,
        }
    }

    fn email() -> Channel {
        Channel::Email {
            to: vec!["stc@lamdong.gov.vn".into()],
        }
    }

    fn alert(severity: Severity, domain: &str) -> Alert {
        let at = jiff::Timestamp::UNIX_EPOCH;
        Alert {
            id: 1,
            rule: "r".into(),
            severity,
            indicator: "BUD.REVENUE_TOTAL".into(),
            domain: domain.into(),
            unit: "22918".into(),
            period: "202611".parse().unwrap(),
            finding: Finding::Threshold {
                comparison: crate::alert_rule::Comparison::Below,
                threshold: 2.0,
                values: vec![1.0],
            },
            state: AlertState::Open,
            holds: true,
            public: false,
            assignee: None,
            opened_at: at,
            updated_at: at,
            due_at: None,
            reminded_at: None,
            escalated_at: None,
            triggers: 1,
            version: 1,
        }
    }

    #[test]
    fn policies_pick_alerts_by_labels_and_events() {
        let policy = policy(email());
        let lineage = ["22918", "68"];
        let major = alert(Severity::Major, "BUD");
        assert!(policy.matches(&major, TimelineEvent::Opened, &lineage));
        assert!(
            !policy.matches(&major, TimelineEvent::Acknowledge, &lineage),
            "not an event told"
        );
        assert!(!policy.matches(
            &alert(Severity::Minor, "BUD"),
            TimelineEvent::Opened,
            &lineage
        ));
        assert!(!policy.matches(
            &alert(Severity::Major, "ENV"),
            TimelineEvent::Opened,
            &lineage
        ));
        assert!(
            !policy.matches(&major, TimelineEvent::Opened, &["22915", "68"]),
            "another unit"
        );
        let province = NotificationPolicy {
            units: vec!["68".into()],
            ..policy.clone()
        };
        assert!(
            province.matches(&major, TimelineEvent::Opened, &lineage),
            "below the unit"
        );
        let off = NotificationPolicy {
            enabled: false,
            ..policy
        };
        assert!(!off.matches(&major, TimelineEvent::Opened, &lineage));
    }

    #[test]
    fn mute_windows_hold_notices_back_and_digests_gather_them() {
        let night = MuteWindow {
            days: Vec::new(),
            from: "22:00".into(),
            to: "06:00".into(),
        };
        let weekend = MuteWindow {
            days: vec!["saturday".into(), "Sunday".into()],
            from: "06:00".into(),
            to: "22:00".into(),
        };
        let quiet = NotificationPolicy {
            mute: vec![night, weekend],
            digest_minutes: 15,
            ..policy(email())
        };
        // Friday 20 November 2026.
        let friday = date(2026, 11, 20);
        assert_eq!(
            quiet.send_at(friday.at(12, 0, 0, 0)),
            friday.at(12, 15, 0, 0)
        );
        // Friday night runs into Saturday's window, then Saturday night, then Sunday: Monday 06:00.
        let monday = date(2026, 11, 23);
        assert_eq!(
            quiet.send_at(friday.at(23, 30, 0, 0)),
            monday.at(6, 15, 0, 0)
        );
        assert_eq!(quiet.send_at(monday.at(5, 0, 0, 0)), monday.at(6, 15, 0, 0));
        assert_eq!(quiet.send_at(monday.at(6, 0, 0, 0)), monday.at(6, 15, 0, 0));
    }

    #[test]
    fn checks_name_every_bad_field() {
        let mut bad = policy(Channel::Webhook {
            url: "ftp://x".into(),
            secret: "short".into(),
        });
        bad.id = "Sở".into();
        bad.events.clear();
        bad.mute = vec![MuteWindow {
            days: vec!["someday".into()],
            from: "22:00".into(),
            to: "6h".into(),
        }];
        bad.digest_minutes = 5000;
        let fields: Vec<_> = bad.check().into_iter().map(|(field, _)| field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "events",
                "channel.url",
                "channel.secret",
                "mute",
                "digest_minutes"
            ]
        );
        let mail = policy(Channel::Email {
            to: vec!["stc@lamdong.gov.vn".into(), "not an address".into()],
        });
        assert_eq!(mail.check()[0].0, "channel.to");
        assert!(policy(email()).check().is_empty());
    }
}
