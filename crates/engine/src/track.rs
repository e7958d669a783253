//! Dense per-(indicator, unit) storage: one slot per period of the indicator's frequency, indexed by the
//! period's ordinal. Values of one unit over time sit next to each other, so time aggregation is a scan
//! over a slice, and an observation costs eight bytes where a unit reports every period.

/// What a slot holds when the cell has no value.
pub(crate) trait Empty: Copy {
    const EMPTY: Self;
    fn is_empty(&self) -> bool;
}

impl Empty for f64 {
    const EMPTY: f64 = f64::NAN;
    fn is_empty(&self) -> bool {
        self.is_nan()
    }
}

/// An aggregate over child units: the sum (for sums and means) or the extreme (for maxima and minima),
/// and how many reported values are under it, which means divide by and which says whether there is one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Acc {
    pub(crate) value: f64,
    pub(crate) count: u32,
}

impl Acc {
    pub(crate) fn one(value: f64) -> Acc {
        Acc { value, count: 1 }
    }
}

impl Empty for Acc {
    const EMPTY: Acc = Acc {
        value: 0.0,
        count: 0,
    };
    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Slots<T> {
    first: i64,
    values: Vec<T>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            first: 0,
            values: Vec::new(),
        }
    }
}

impl<T: Empty> Slots<T> {
    pub(crate) fn get(&self, ordinal: i64) -> T {
        usize::try_from(ordinal - self.first)
            .ok()
            .and_then(|i| self.values.get(i).copied())
            .unwrap_or(T::EMPTY)
    }

    /// Stores `value`, growing the run at either end; returns the value it replaced.
    pub(crate) fn set(&mut self, ordinal: i64, value: T) -> T {
        if self.values.is_empty() {
            if value.is_empty() {
                return T::EMPTY;
            }
            self.first = ordinal;
        } else if ordinal < self.first {
            if value.is_empty() {
                return T::EMPTY;
            }
            let grow = usize::try_from(self.first - ordinal).expect("ordinal before the run");
            self.values
                .splice(0..0, std::iter::repeat_n(T::EMPTY, grow));
            self.first = ordinal;
        }
        let index = usize::try_from(ordinal - self.first).expect("ordinal inside the run");
        if index >= self.values.len() {
            if value.is_empty() {
                return T::EMPTY;
            }
            self.values.resize(index + 1, T::EMPTY);
        }
        std::mem::replace(&mut self.values[index], value)
    }

    /// The last ordinal holding a value.
    pub(crate) fn last(&self) -> Option<i64> {
        let index = self.values.iter().rposition(|value| !value.is_empty())?;
        Some(self.first + index as i64)
    }

    pub(crate) fn bytes(&self) -> usize {
        self.values.capacity() * std::mem::size_of::<T>()
    }
}

/// Everything the engine keeps for one indicator on one unit.
#[derive(Clone, Debug, Default)]
pub(crate) struct Track {
    /// Values reported for this unit itself.
    pub(crate) own: Slots<f64>,
    /// The aggregate of the children, kept for units that have children.
    pub(crate) children: Slots<Acc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_grow_at_both_ends_and_keep_gaps_empty() {
        let mut slots = Slots::<f64>::default();
        assert!(slots.get(5).is_nan());
        assert!(slots.set(5, 1.0).is_nan());
        assert!(slots.set(2, 2.0).is_nan());
        assert!(slots.set(8, 3.0).is_nan());
        assert_eq!(
            (2..=8)
                .map(|n| slots.get(n))
                .filter(|v| !v.is_nan())
                .collect::<Vec<_>>(),
            vec![2.0, 1.0, 3.0]
        );
        assert_eq!(slots.set(5, 4.0), 1.0);
        assert_eq!(slots.last(), Some(8));
        slots.set(8, f64::NAN);
        assert_eq!(slots.last(), Some(5));
        // Clearing outside the run allocates nothing.
        slots.set(100, f64::NAN);
        slots.set(-100, f64::NAN);
        assert_eq!(slots.values.len(), 7);
    }
}
