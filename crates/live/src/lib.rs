//! The live path from a write to a dashboard: a batch is made durable in the store, then applied to the
//! in-memory engine, and the cells it changed are published to every subscriber (alert rules, the live
//! stream). The engine is built from the store when [`Analytics::open`] runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Instant;

use tokio::sync::{Mutex, broadcast};
use vantage_engine::{CatalogError, CellChange, Engine, ResolveError};
use vantage_model::record::{Observation, Target};
use vantage_model::unit::{UnitError, UnitRegistry};
use vantage_store::{Store, StoreError, WriteCounts};

/// How many change batches a slow subscriber may fall behind before it is told it lagged.
const CHANGE_BUFFER: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored catalogue cannot be computed: {0}")]
    Catalog(#[from] CatalogError),
    #[error("the stored units are inconsistent: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Units(Vec<UnitError>),
    /// A value the engine cannot place; nothing of its batch was written.
    #[error("item {index}: {error}")]
    Resolve { index: usize, error: ResolveError },
}

/// The cells one applied batch changed, numbered in the order batches were applied.
#[derive(Clone, Debug)]
pub struct ChangeBatch {
    pub sequence: u64,
    pub changes: Vec<CellChange>,
}

/// What a start-up load read and how long it took.
#[derive(Clone, Copy, Debug)]
pub struct LoadReport {
    /// Values the engine holds.
    pub values: u64,
    /// Stored values the engine cannot place (a catalogue changed after they were written: an
    /// indicator now derived, or reported per another period type); they stay in the store.
    pub skipped: u64,
    pub seconds: f64,
}

pub struct Analytics {
    store: Arc<Store>,
    engine: RwLock<Engine>,
    /// Keeps the engine's order of batches the store's order of commits.
    write_order: Mutex<()>,
    changes: broadcast::Sender<Arc<ChangeBatch>>,
    sequence: AtomicU64,
    load: LoadReport,
}

impl Analytics {
    /// Builds the engine from everything in the store.
    pub async fn open(store: Arc<Store>) -> Result<Analytics, LiveError> {
        let started = Instant::now();
        let registry = UnitRegistry::new(store.units().await?, store.lineage().await?)
            .map_err(LiveError::Units)?;
        let mut engine = Engine::new(store.indicators().await?, registry)?;
        let targets = store.targets().await?;
        let target_cells = targets
            .iter()
            .filter_map(|target| {
                let indicator = engine.catalog().id(&target.key.indicator)?;
                let unit = engine.unit_for(&target.key.unit, target.key.period)?;
                Some((indicator, unit, target.key.period, Some(target.bound)))
            })
            .collect::<Vec<_>>();
        engine.load_targets(&target_cells);
        let mut writes = Vec::new();
        let mut skipped = 0u64;
        let read = store
            .for_each_counted_value(|value| {
                let write = match engine.resolve(
                    value.indicator,
                    value.unit,
                    value.period,
                    Some(value.value),
                ) {
                    Ok(write) => write,
                    Err(error) => {
                        skipped += 1;
                        if skipped <= 10 {
                            tracing::warn!(
                                indicator = value.indicator,
                                unit = value.unit,
                                period = %value.period,
                                %error,
                                "stored value left out of analytics"
                            );
                        }
                        return Ok(());
                    }
                };
                writes.push(write);
                // Aggregates are built a slice at a time, so memory stays bounded.
                if writes.len() >= 1 << 20 {
                    engine.load(&writes);
                    writes.clear();
                }
                Ok(())
            })
            .await?;
        engine.load(&writes);
        let load = LoadReport {
            values: read - skipped,
            skipped,
            seconds: started.elapsed().as_secs_f64(),
        };
        if skipped > 0 {
            tracing::warn!(skipped, "stored values left out of analytics in all");
        }
        tracing::debug!(
            values = load.values,
            seconds = load.seconds,
            "analytics engine loaded"
        );
        Ok(Analytics {
            store,
            engine: RwLock::new(engine),
            write_order: Mutex::new(()),
            changes: broadcast::channel(CHANGE_BUFFER).0,
            sequence: AtomicU64::new(0),
            load,
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn load_report(&self) -> LoadReport {
        self.load
    }

    /// Read access to the engine. Hold it briefly: writes wait for readers.
    pub fn engine(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every batch applied from now on, with the cells it changed.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeBatch>> {
        self.changes.subscribe()
    }

    /// Writes a batch of values: checked against the engine's catalogue and units, made durable, then
    /// applied. Drafts are stored but do not count in analytics until submitted.
    pub async fn write_observations(
        &self,
        observations: &[Observation],
    ) -> Result<WriteCounts, LiveError> {
        let writes = {
            let engine = self.engine();
            observations
                .iter()
                .enumerate()
                .map(|(index, observation)| {
                    let value = observation.status.counts().then_some(observation.value);
                    let key = &observation.key;
                    engine
                        .resolve(&key.indicator, &key.unit, key.period, value)
                        .map_err(|error| LiveError::Resolve { index, error })
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let _order = self.write_order.lock().await;
        let counts = self.store.write_observations(observations).await?;
        if counts.created + counts.updated > 0 {
            self.apply(|engine, listening| {
                if listening {
                    engine.apply(&writes)
                } else {
                    engine.load(&writes);
                    Vec::new()
                }
            });
        }
        Ok(counts)
    }

    /// Writes targets, made durable, then applied; their status changes are published.
    pub async fn write_targets(&self, targets: &[Target]) -> Result<WriteCounts, LiveError> {
        let cells =
            {
                let engine = self.engine();
                targets
                    .iter()
                    .enumerate()
                    .map(|(index, target)| {
                        let key = &target.key;
                        let indicator = engine.catalog().id(&key.indicator).ok_or_else(|| {
                            LiveError::Resolve {
                                index,
                                error: ResolveError::Indicator(key.indicator.clone()),
                            }
                        })?;
                        let unit = engine.unit_for(&key.unit, key.period).ok_or_else(|| {
                            LiveError::Resolve {
                                index,
                                error: ResolveError::Unit {
                                    unit: key.unit.clone(),
                                    period: key.period,
                                    day: key.period.end(),
                                },
                            }
                        })?;
                        Ok((indicator, unit, key.period, Some(target.bound)))
                    })
                    .collect::<Result<Vec<_>, LiveError>>()?
            };
        let _order = self.write_order.lock().await;
        let counts = self.store.write_targets(targets).await?;
        self.apply(|engine, listening| {
            if listening {
                engine.apply_targets(&cells)
            } else {
                engine.load_targets(&cells);
                Vec::new()
            }
        });
        Ok(counts)
    }

    /// Applies a durable batch to the engine and publishes what it changed. `change` is told whether
    /// anyone listens, so that bulk loads nobody watches skip working out their changes.
    fn apply(&self, change: impl FnOnce(&mut Engine, bool) -> Vec<CellChange>) {
        let mut engine = self
            .engine
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let changes = change(&mut engine, self.changes.receiver_count() > 0);
        drop(engine);
        if !changes.is_empty() {
            let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
            // Subscribers that left since the count are no error.
            let _ = self
                .changes
                .send(Arc::new(ChangeBatch { sequence, changes }));
        }
    }
}
