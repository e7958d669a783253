//! Who is told: the notification policies, the notices each alert change puts in the outbox (in the same
//! transaction), and the deliverer that sends what is due, groups a policy's notices into one message,
//! and retries failures with back-off.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use vantage_model::alert::{Alert, TimelineEntry};
use vantage_model::notify::NotificationPolicy;
use vantage_model::retry::retry_after;
use vantage_model::wording::describe_finding;
use vantage_store::{Delivery, OutboxItem, StoredPolicy};

use crate::deliver::{Told, compose, send};
use crate::{AlertError, Alerting};

/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: u32 = 10;
/// Retries come at most this far apart.
const MAX_BACKOFF: SignedDuration = SignedDuration::from_hours(1);

impl Alerting {
    pub async fn policies(&self) -> Result<Vec<StoredPolicy>, AlertError> {
        Ok(self.analytics.store().notification_policies().await?)
    }

    /// Checks and saves a policy (replacing the one with its id); it applies to notices from now on.
    pub async fn save_policy(
        &self,
        policy: NotificationPolicy,
        by: &str,
        now: Timestamp,
    ) -> Result<(), AlertError> {
        if let Some((field, reason)) = policy.check().into_iter().next() {
            return Err(AlertError::invalid(field, reason));
        }
        self.analytics
            .store()
            .save_notification_policy(&StoredPolicy {
                item: policy.clone(),
                updated_by: by.to_owned(),
                updated_at: now,
            })
            .await?;
        let mut policies = self.policies.write().unwrap_or_else(|p| p.into_inner());
        policies.retain(|kept| kept.id != policy.id);
        policies.push(policy);
        Ok(())
    }

    /// Deletes a policy; what it already put in the outbox is given up when due. Whether there was one.
    pub async fn delete_policy(&self, id: &str) -> Result<bool, AlertError> {
        let deleted = self
            .analytics
            .store()
            .delete_notification_policy(id)
            .await?;
        self.policies
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|kept| kept.id != id);
        Ok(deleted)
    }

    /// The notices an alert's timeline entry puts in the outbox: one per policy that tells of it, due
    /// after the policy's mute windows and digest time.
    pub(crate) fn deliveries(&self, alert: &Alert, entry: &TimelineEntry) -> Vec<Delivery> {
        let policies = self.policies.read().unwrap_or_else(|p| p.into_inner());
        if policies.is_empty() {
            return Vec::new();
        }
        let lineage: Vec<String> = {
            let engine = self.analytics.engine();
            let registry = engine.registry();
            match engine.unit_for(&alert.unit, alert.period) {
                Some(unit) => engine
                    .units()
                    .lineage_up(unit)
                    .map(|at| registry.get(at).code.clone())
                    .collect(),
                None => vec![alert.unit.clone()],
            }
        };
        let lineage: Vec<&str> = lineage.iter().map(String::as_str).collect();
        let local = self.time_zone.to_datetime(entry.at);
        let deliveries: Vec<Delivery> = policies
            .iter()
            .filter(|policy| policy.matches(alert, entry.event, &lineage))
            .map(|policy| Delivery {
                policy: policy.id.clone(),
                due_at: self.local(policy.send_at(local)).max(entry.at),
            })
            .collect();
        if !deliveries.is_empty() {
            self.outbox.notify_one();
        }
        deliveries
    }

    /// Sends every message due by `now` (a policy's due notices together), records each outcome, and
    /// answers when the next one falls due.
    pub async fn deliver_due(&self, now: Timestamp) -> Result<Option<Timestamp>, AlertError> {
        let store = self.analytics.store();
        let mut by_policy: BTreeMap<String, Vec<OutboxItem>> = BTreeMap::new();
        for item in store.outbox_due(now).await? {
            by_policy.entry(item.policy.clone()).or_default().push(item);
        }
        for (id, items) in by_policy {
            let policy = self
                .policies
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .find(|policy| policy.id == id)
                .cloned();
            let Some(policy) = policy else {
                let ids: Vec<i64> = items.iter().map(|item| item.id).collect();
                store
                    .record_delivery(&ids, now, Err(("the policy was deleted", None)))
                    .await?;
                continue;
            };
            // A digest gathers what is due into one message; without one, each notice goes alone.
            let size = if policy.digest_minutes == 0 {
                1
            } else {
                items.len()
            };
            for message_items in items.chunks(size) {
                let ids: Vec<i64> = message_items.iter().map(|item| item.id).collect();
                let told = self.told(message_items.iter()).await;
                let message = compose(
                    &policy.id,
                    &told,
                    &self.time_zone,
                    self.outbound.site_url.as_deref(),
                );
                let sent = send(
                    &policy.channel,
                    &message,
                    self.outbound.smtp.as_ref(),
                    &self.http,
                    now,
                )
                .await;
                let attempts = message_items
                    .iter()
                    .map(|item| item.attempts)
                    .max()
                    .unwrap_or(0)
                    + 1;
                match sent {
                    Ok(()) => store.record_delivery(&ids, now, Ok(())).await?,
                    Err(error) => {
                        tracing::warn!(policy = %policy.id, attempts, %error, "a notification was not delivered");
                        let retry = (attempts < MAX_ATTEMPTS)
                            .then(|| now + retry_after(attempts, MAX_BACKOFF));
                        store
                            .record_delivery(&ids, now, Err((&error, retry)))
                            .await?;
                    }
                }
            }
        }
        Ok(store.outbox_next_due().await?)
    }

    /// The notices with the names a message shows.
    async fn told(&self, items: impl Iterator<Item = &OutboxItem>) -> Vec<Told> {
        let rules = self.book.lock().await.rules().to_vec();
        let engine = self.analytics.engine();
        items
            .map(|item| {
                let alert = &item.alert;
                let rule = rules.iter().find(|rule| rule.id == alert.rule);
                let indicator = engine
                    .catalog()
                    .id(&alert.indicator)
                    .map(|id| engine.catalog().get(id));
                Told {
                    rule_name: rule.map_or_else(|| alert.rule.clone(), |rule| rule.name.clone()),
                    indicator_name: indicator
                        .map_or_else(|| alert.indicator.clone(), |i| i.name_vi.clone()),
                    unit_name: engine
                        .registry()
                        .current(&alert.unit)
                        .map_or_else(|| alert.unit.clone(), |unit| unit.name.clone()),
                    finding: describe_finding(
                        &alert.finding,
                        indicator.map_or("", |i| i.measure.as_str()),
                    ),
                    alert: alert.clone(),
                    entry: item.entry.clone(),
                }
            })
            .collect()
    }

    /// Delivers what falls due, for as long as Vantage runs.
    pub(crate) async fn keep_delivering(&self) {
        loop {
            let now = Timestamp::now();
            let wait = match self.deliver_due(now).await {
                Ok(Some(next)) => Duration::try_from(next.duration_since(now))
                    .unwrap_or_default()
                    .min(crate::CLOCK_CHECK),
                Ok(None) => crate::CLOCK_CHECK,
                Err(error) => {
                    tracing::error!(%error, "the outbox could not be read; trying again in a minute");
                    Duration::from_secs(60)
                }
            };
            tokio::select! {
                () = self.outbox.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
