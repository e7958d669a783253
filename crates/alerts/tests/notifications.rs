//! Notifications end to end: policies put notices in the outbox with the alert changes they tell of; mail
//! reaches an SMTP receiver started in the test, one message per notice; a webhook receiver started in the
//! test gets a signed digest, after a failure and a retry with back-off; a deleted policy's notices are
//! given up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use vantage_alerts::{Alerting, Outbound, Settings, SmtpRelay, signature};
use vantage_live::Analytics;
use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::alert::Severity;
use vantage_model::alert_rule::{AlertRule, Comparison, Condition};
use vantage_model::calendar::USUAL_DAYS_OFF;
use vantage_model::fixtures;
use vantage_model::indicator::{Domain, Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::notify::{Channel, NotificationPolicy};
use vantage_model::period::PeriodType;
use vantage_model::record::{Observation, ObservationKey, ObservationStatus};
use vantage_model::unit::UnitLevel;
use vantage_store::testing::TestDatabase;
use vantage_store::{OutboxStatus, Store};

const SECRET: &str = "một-bí-mật-đủ-dài-2026";

/// An SMTP server good enough to receive: every message's DATA, as received.
async fn smtp_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let mail: Arc<Mutex<Vec<String>>> = Arc::default();
    let received = mail.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let received = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            received.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line.split(' ').next().unwrap_or("") {
                        "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (address, mail)
}

/// A webhook endpoint answering 500 to the first request and 204 after; keeps the bodies whose signature
/// checks out.
async fn webhook_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let received = bodies.clone();
    tokio::spawn(async move {
        let mut requests = 0;
        while let Ok((stream, _)) = listener.accept().await {
            requests += 1;
            let mut reader = BufReader::new(stream);
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap();
                if line.trim().is_empty() {
                    break;
                }
                head.push(line.trim().to_owned());
            }
            // Header names are case-insensitive.
            let header = |name: &str| {
                head.iter()
                    .find_map(|line| {
                        let (key, value) = line.split_once(':')?;
                        key.eq_ignore_ascii_case(name)
                            .then(|| value.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            let length: usize = header("Content-Length").parse().unwrap();
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            let body = String::from_utf8(body).unwrap();
            let timestamp: i64 = header("X-Vantage-Timestamp").parse().unwrap();
            let signed = header("X-Vantage-Signature")
                == format!("sha256={}", signature(SECRET, timestamp, &body));
            let status = if requests == 1 {
                "500 Internal Server Error"
            } else {
                "204 No Content"
            };
            if signed && requests > 1 {
                received.lock().unwrap().push(body);
            }
            let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
            reader.get_mut().write_all(answer.as_bytes()).await.unwrap();
        }
    });
    (address, bodies)
}

async fn seed(store: &Store) {
    store
        .write_units(&[
            fixtures::unit("P", UnitLevel::Province, None, None, None),
            fixtures::unit("C1", UnitLevel::Commune, Some("P"), None, None),
            fixtures::unit("C2", UnitLevel::Commune, Some("P"), None, None),
        ])
        .await
        .unwrap();
    store
        .write_domains(&[Domain {
            code: "ENV".into(),
            name_vi: "Môi trường".into(),
            name_en: "Environment".into(),
        }])
        .await
        .unwrap();
    store
        .write_agencies(&[Agency {
            code: "STNMT".into(),
            name_vi: "Sở Nông nghiệp và Môi trường".into(),
            name_en: "Environment".into(),
            kind: AgencyKind::Department,
            jurisdiction: "P".into(),
        }])
        .await
        .unwrap();
    store
        .write_indicators(&[Indicator {
            domain: "ENV".into(),
            owner_agency: "STNMT".into(),
            name_vi: "Tỷ lệ dân số dùng nước sạch".into(),
            measure: "%".into(),
            ..fixtures::indicator(
                "WATER",
                PeriodType::Month,
                TimeAggregation::Mean,
                SpaceAggregation::Mean,
            )
        }])
        .await
        .unwrap();
}

fn value(unit: &str, period: &str, value: f64) -> Observation {
    Observation {
        key: ObservationKey {
            indicator: "WATER".into(),
            unit: unit.into(),
            period: period.parse().unwrap(),
        },
        value,
        status: ObservationStatus::Submitted,
        source: "test".into(),
        author: "test".into(),
        recorded_at: Timestamp::now(),
        comment: None,
    }
}

fn policy(id: &str, channel: Channel, digest_minutes: u32) -> NotificationPolicy {
    NotificationPolicy {
        id: id.into(),
        name: id.into(),
        severities: vec![Severity::Major],
        domains: vec!["ENV".into()],
        units: Vec::new(),
        rules: Vec::new(),
        events: vec![vantage_model::alert::TimelineEvent::Opened],
        channel,
        mute: Vec::new(),
        digest_minutes,
        enabled: true,
    }
}

async fn wait_for(what: &Arc<Mutex<Vec<String>>>, count: usize) -> Vec<String> {
    for _ in 0..100 {
        if what.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    what.lock().unwrap().clone()
}

#[tokio::test]
async fn notices_go_out_by_mail_and_by_signed_webhook_with_retries_and_digests() {
    for database in TestDatabase::all().await {
        seed(&database.store).await;
        let store = Arc::new(Store::open(&database.url).await.unwrap());
        let (smtp, mail) = smtp_receiver().await;
        let (hook, bodies) = webhook_receiver().await;
        let analytics = Arc::new(Analytics::open(store.clone()).await.unwrap());
        let settings = Settings {
            time_zone: TimeZone::UTC,
            days_off: USUAL_DAYS_OFF.to_vec(),
            outbound: Outbound {
                smtp: Some(
                    SmtpRelay::parse(&format!("smtp://{smtp}"), "ioc@lamdong.gov.vn").unwrap(),
                ),
                site_url: Some("https://ioc.lamdong.gov.vn".into()),
            },
            http: vantage_outbound::HttpClient::new(
                None,
                vantage_outbound::DEFAULT_TIMEOUT,
                vantage_outbound::DEFAULT_MAX_ANSWER,
            )
            .unwrap(),
        };
        let alerting = Alerting::start(analytics.clone(), settings).await.unwrap();
        let now = Timestamp::now();
        let email = Channel::Email {
            to: vec!["stnmt@lamdong.gov.vn".into()],
        };
        let webhook = Channel::Webhook {
            url: format!("http://{hook}/vantage"),
            secret: SECRET.into(),
        };
        alerting
            .save_policy(policy("thu", email, 0), "admin", now)
            .await
            .unwrap();
        alerting
            .save_policy(policy("hook", webhook, 10), "admin", now)
            .await
            .unwrap();
        let quiet = NotificationPolicy {
            severities: vec![Severity::Critical],
            ..policy(
                "khan-cap",
                Channel::Email {
                    to: vec!["x@y.vn".into()],
                },
                0,
            )
        };
        alerting.save_policy(quiet, "admin", now).await.unwrap();
        let rule = AlertRule {
            id: "nuoc-sach-thap".into(),
            name: "Nước sạch dưới 50%".into(),
            name_en: None,
            severity: Severity::Major,
            indicator: Some("WATER".into()),
            domain: None,
            unit: None,
            level: Some(UnitLevel::Commune),
            condition: Condition::Threshold {
                comparison: Comparison::Below,
                value: 50.0,
                periods: 1,
            },
            public: false,
            auto_assign: false,
            explain_within: None,
            enabled: true,
        };
        alerting.save_rule(rule, "admin", now).await.unwrap();
        analytics
            .write_observations(&[value("C1", "202611", 40.0), value("C2", "202611", 45.5)])
            .await
            .unwrap();

        // Mail: one message per notice, at once.
        let mail = wait_for(&mail, 2).await;
        assert_eq!(mail.len(), 2, "{mail:?}");
        assert!(mail.iter().all(|m| m.contains("To: stnmt@lamdong.gov.vn")));
        let texts = mail.join("\n");
        for part in [
            "Cảnh báo mới — mức cao",
            "Quy tắc: Nước sạch dưới 50%",
            "Chỉ tiêu: Tỷ lệ dân số dùng nước sạch (WATER)",
            "1 kỳ liên tiếp dưới ngưỡng 50 %: 45,5 %.",
            "Xem: https://ioc.lamdong.gov.vn/canh-bao/",
        ] {
            assert!(texts.contains(part), "{part} in {texts}");
        }
        assert!(texts.contains("Subject: =?UTF-8?B?"), "an encoded subject");

        // The webhook waits for its digest, fails once, is retried a minute later, then carries both.
        assert!(bodies.lock().unwrap().is_empty());
        let pending = store.outbox(OutboxStatus::Pending, 10).await.unwrap();
        assert_eq!(pending.len(), 2, "only the webhook's notices wait");
        assert!(pending.iter().all(
            |item| item.policy == "hook" && item.due_at >= now + SignedDuration::from_mins(10)
        ));
        let later = now + SignedDuration::from_mins(11);
        let next = alerting.deliver_due(later).await.unwrap().unwrap();
        assert_eq!(
            next.as_millisecond(),
            (later + SignedDuration::from_mins(1)).as_millisecond(),
            "retried a minute later"
        );
        let failed = store.outbox(OutboxStatus::Pending, 10).await.unwrap();
        assert!(failed.iter().all(|item| item.attempts == 1
            && item.last_error.as_deref() == Some("the webhook answered 500")));
        assert_eq!(alerting.deliver_due(next).await.unwrap(), None);
        let bodies = wait_for(&bodies, 1).await;
        let digest: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
        assert_eq!(digest["policy"], "hook");
        let units: Vec<&str> = digest["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|notice| notice["alert"]["unit"].as_str().unwrap())
            .collect();
        assert_eq!(units, ["C1", "C2"]);
        assert_eq!(
            store
                .outbox(OutboxStatus::Delivered, 10)
                .await
                .unwrap()
                .len(),
            4
        );

        // A policy deleted with notices still waiting: they are given up.
        alerting
            .save_policy(
                policy(
                    "cham",
                    Channel::Email {
                        to: vec!["a@b.vn".into()],
                    },
                    60,
                ),
                "admin",
                now,
            )
            .await
            .unwrap();
        // C1 clears (its alert closes by itself), then falls again: a new alert, told under `cham` only.
        for period in ["202612", "202701"] {
            let level = if period == "202612" { 90.0 } else { 10.0 };
            analytics
                .write_observations(&[value("C1", period, level)])
                .await
                .unwrap();
        }
        for _ in 0..100 {
            if !store
                .outbox(OutboxStatus::Pending, 10)
                .await
                .unwrap()
                .is_empty()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(alerting.delete_policy("cham").await.unwrap());
        alerting
            .deliver_due(now + SignedDuration::from_hours(2))
            .await
            .unwrap();
        let given_up = store.outbox(OutboxStatus::Failed, 10).await.unwrap();
        assert_eq!(given_up.len(), 1);
        assert_eq!(
            given_up[0].last_error.as_deref(),
            Some("the policy was deleted")
        );
        database.drop_database().await;
    }
}
