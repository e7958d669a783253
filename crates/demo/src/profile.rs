//! What kind of number an indicator holds, read from its unit of measure, polarity and aggregation: whether it
//! is counted or measured, whether it grows with the size of the unit, what values are typical for the
//! province, and how it moves through the year and the week.

use vantage_model::indicator::{Indicator, Polarity, SpaceAggregation, TimeAggregation};
use vantage_model::period::PeriodType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Numeric {
    /// Whole units: people, cases, dossiers.
    Count,
    /// Measured, written with at most two decimals: money, area, rates.
    Amount,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Shape {
    /// Grows with the unit: counts and amounts such as people, dossiers, money or area.
    Extensive,
    /// A share of a whole (%, ‰), modelled on the logit scale so that noise and trends never leave (0, bound).
    Share { bound: f64 },
    /// Does not grow with the unit: scores, concentrations, prices, ratios, ranks.
    Level,
}

pub(crate) struct Profile {
    pub(crate) numeric: Numeric,
    pub(crate) shape: Shape,
    /// Typical value: for flows of extensive quantities the province's total over a year, for flows of levels
    /// (rainfall) the total over one period of the indicator, otherwise the value itself.
    pub(crate) typical: (f64, f64),
    /// No value ever leaves these: ranks start at 1, alert levels stop at 5, shares at their whole.
    pub(crate) bounds: (f64, f64),
    /// At most this much on one commune: a commune holds at most one commune.
    pub(crate) commune_cap: Option<f64>,
}

/// Measured quantities. Anything else is a countable noun (người, vụ, hồ sơ, lượt, ...) and comes in whole units.
const AMOUNTS: &[&str] = &[
    "tỷ đồng",
    "triệu đồng",
    "nghìn đồng",
    "đồng",
    "triệu USD",
    "USD",
    "ha",
    "m²",
    "m² sàn",
    "km",
    "km²",
    "tấn",
    "tạ",
    "µg/m³",
    "mg/L",
    "%",
    "% hộ",
    "điểm %",
    "‰",
    "điểm",
    "ngày",
    "giờ",
    "phút",
    "km/h",
    "m",
    "cm",
    "mm",
    "m³",
    "m³/s",
    "kWh",
    "triệu kWh",
    "MW",
    "°C",
    "pH",
    "năm",
    "tuổi",
];

/// A rate per something (`bác sĩ/vạn dân`, `tạ/ha`): continuous whatever it counts. Not every slash is one:
/// `thôn/tổ dân phố` is a village or residential group, a countable noun.
fn is_rate_per(measure: &str) -> bool {
    const BASES: &[&str] = &[
        "người",
        "ha",
        "km²",
        "kg",
        "lít",
        "phụ nữ",
        "giáo viên",
        "lượt khách",
        "lao động",
    ];
    measure.split_once('/').is_some_and(|(_, base)| {
        base.chars().any(|c| c.is_ascii_digit())
            || base.starts_with("vạn ")
            || base.starts_with("nghìn ")
            || BASES.contains(&base)
    })
}

/// Whether `measure` comes in whole units. Additive `điểm` are places (flooded points, landslide sites), not
/// scores, and alert levels and ranks are whole too.
pub(crate) fn numeric(measure: &str, additive: bool) -> Numeric {
    let scaled = measure.starts_with("nghìn ") || measure.starts_with("triệu ");
    if (measure == "điểm" && additive)
        || !(AMOUNTS.contains(&measure) || scaled || is_rate_per(measure))
    {
        Numeric::Count
    } else {
        Numeric::Amount
    }
}

/// Codes of indicators that report a change (growth, an index against last year) rather than a level: a few
/// per cent, not 60 to 98.
fn reports_change(code: &str) -> bool {
    ["GROWTH", "_YOY", "_MOM", "_VS_"]
        .iter()
        .any(|word| code.contains(word))
}

/// Typical value of an intensive measure, or `None` when the measure grows with the unit.
fn level_typical(measure: &str, polarity: Polarity) -> Option<(f64, f64)> {
    let higher = polarity == Polarity::HigherBetter;
    let lower = polarity == Polarity::LowerBetter;
    Some(match measure {
        "điểm" if lower => (30.0, 80.0),
        "điểm" if higher => (60.0, 92.0),
        "điểm" => (40.0, 80.0),
        "điểm %" => (0.5, 3.0),
        "µg/m³" => (10.0, 60.0),
        "mg/L" if higher => (4.0, 7.5),
        "mg/L" => (0.2, 25.0),
        "pH" => (6.5, 7.8),
        "°C" => (27.0, 35.0),
        "mm" => (3.0, 12.0),
        "cm" => (150.0, 500.0),
        "m" => (820.0, 1_040.0),
        "m³/s" => (20.0, 300.0),
        "km/h" => (25.0, 45.0),
        "phút" => (8.0, 25.0),
        "giờ" => (2.0, 24.0),
        "ngày" => (2.0, 8.0),
        "năm" => (72.0, 76.0),
        "tuổi" => (24.0, 40.0),
        "cấp" => (0.4, 1.5),
        "thứ hạng" => (5.0, 25.0),
        "con/phụ nữ" => (1.8, 2.3),
        "bé trai/100 bé gái" => (105.0, 112.0),
        "đồng/lít" => (19_000.0, 25_000.0),
        "đồng/kg" => (12_000.0, 70_000.0),
        "USD/người" => (2_800.0, 4_500.0),
        "triệu đồng/người" => (70.0, 110.0),
        "triệu đồng/lao động" => (130.0, 200.0),
        "doanh nghiệp/nghìn dân" => (3.0, 8.0),
        "doanh nghiệp/100.000 dân" => (300.0, 800.0),
        "bằng/100.000 dân" => (0.5, 3.0),
        "m² sàn/người" => (22.0, 30.0),
        "m²/người" => (0.1, 0.6),
        "tạ/ha" => (50.0, 65.0),
        "ha/100.000 dân" => (30.0, 150.0),
        "người/km²" => (100.0, 250.0),
        "lượt/người" => (2.0, 10.0),
        "ngày/lượt khách" => (1.5, 3.0),
        "học sinh/giáo viên" => (16.0, 24.0),
        "bác sĩ/vạn dân" => (9.0, 14.0),
        "giường/vạn dân" => (25.0, 35.0),
        "vụ/100.000 dân" => (0.5, 3.0),
        "người/100.000 dân" => (3.0, 15.0),
        "ca/100.000 dân" => (20.0, 150.0),
        _ if is_rate_per(measure) => (1.0, 100.0),
        _ => return None,
    })
}

/// Typical value of a quantity that grows with the unit, for the whole province: a year's total for flows,
/// the standing level for stocks.
fn extensive_typical(measure: &str, flow: bool) -> (f64, f64) {
    let (flows, stocks) = match measure {
        "người" => ((1_000.0, 100_000.0), (10_000.0, 500_000.0)),
        "hộ" => ((2_000.0, 30_000.0), (10_000.0, 600_000.0)),
        "trẻ" => ((20_000.0, 70_000.0), (30_000.0, 300_000.0)),
        "học sinh" | "thí sinh" => ((10_000.0, 40_000.0), (30_000.0, 700_000.0)),
        "lượt" => ((100_000.0, 8_000_000.0), (1_000.0, 50_000.0)),
        "phản ánh" => ((5_000.0, 40_000.0), (300.0, 2_000.0)),
        "hồ sơ" => ((400_000.0, 1_200_000.0), (500.0, 5_000.0)),
        "văn bản" => ((150_000.0, 600_000.0), (500.0, 3_000.0)),
        "nhiệm vụ" | "báo cáo" => ((2_000.0, 15_000.0), (100.0, 500.0)),
        "đêm phòng" | "ngày khách" => ((2_000_000.0, 12_000_000.0), (5_000.0, 50_000.0)),
        "phương tiện" => ((20_000_000.0, 150_000_000.0), (5_000.0, 50_000.0)),
        "giao dịch" => ((20_000.0, 1_000_000.0), (1_000.0, 10_000.0)),
        "tài khoản" => ((50_000.0, 300_000.0), (500_000.0, 2_500_000.0)),
        "doanh nghiệp" => ((1_000.0, 5_000.0), (10_000.0, 30_000.0)),
        "dự án" => ((20.0, 300.0), (50.0, 500.0)),
        "ca" => ((1_000.0, 20_000.0), (50.0, 500.0)),
        "cuộc gọi" => ((20_000.0, 200_000.0), (50.0, 500.0)),
        "cuộc" => ((10_000.0, 40_000.0), (100.0, 1_000.0)),
        "việc" => ((5_000.0, 20_000.0), (1_000.0, 5_000.0)),
        "kiến nghị" | "đơn" => ((500.0, 5_000.0), (50.0, 500.0)),
        "giấy phép" => ((1_000.0, 10_000.0), (1_000.0, 10_000.0)),
        "giấy chứng nhận" => ((5_000.0, 50_000.0), (5_000.0, 50_000.0)),
        "huy chương" => ((50.0, 300.0), (50.0, 300.0)),
        "giải" | "đồ án" | "đợt" => ((20.0, 150.0), (20.0, 150.0)),
        "sự kiện" => ((100.0, 1_000.0), (100.0, 1_000.0)),
        "con" => ((300_000.0, 2_000_000.0), (300_000.0, 2_000_000.0)),
        "căn" => ((1_000.0, 8_000.0), (2_000.0, 10_000.0)),
        "thôn/tổ dân phố" | "thôn, tổ dân phố" => ((20.0, 100.0), (2_000.0, 3_500.0)),
        "xã" => ((2.0, 10.0), (60.0, 110.0)),
        "trường" => ((10.0, 60.0), (900.0, 1_500.0)),
        "trạm" => ((10.0, 100.0), (120.0, 400.0)),
        "cơ sở" => ((50.0, 300.0), (300.0, 3_000.0)),
        "cửa hàng" => ((10.0, 50.0), (300.0, 800.0)),
        "buồng" => ((500.0, 3_000.0), (20_000.0, 60_000.0)),
        "thủ tục" => ((50.0, 300.0), (1_500.0, 2_100.0)),
        "hệ thống" => ((5.0, 30.0), (40.0, 150.0)),
        "chỉ tiêu" => ((20.0, 40.0), (20.0, 40.0)),
        "KCN" => ((1.0, 3.0), (5.0, 15.0)),
        "tàu" => ((50.0, 300.0), (500.0, 2_500.0)),
        "sản phẩm" => ((30.0, 120.0), (150.0, 400.0)),
        "di tích" => ((3.0, 15.0), (60.0, 150.0)),
        "khu vực" => ((20.0, 200.0), (20.0, 200.0)),
        "điểm" => ((50.0, 1_000.0), (10.0, 200.0)),
        "tỷ đồng" => ((2_000.0, 40_000.0), (2_000.0, 200_000.0)),
        "triệu đồng" => ((2_000.0, 100_000.0), (2_000.0, 100_000.0)),
        "triệu USD" => ((300.0, 3_000.0), (500.0, 5_000.0)),
        "ha" => ((1_000.0, 60_000.0), (10_000.0, 1_500_000.0)),
        "tấn" => ((10_000.0, 300_000.0), (1_000.0, 50_000.0)),
        "m²" | "m² sàn" => ((300_000.0, 3_000_000.0), (50_000.0, 600_000.0)),
        "ngày" => ((1_000_000.0, 6_000_000.0), (1_000.0, 20_000.0)),
        "triệu kWh" | "kWh" | "MW" | "m³" => ((3_000.0, 12_000.0), (500.0, 3_000.0)),
        _ if measure.starts_with("nghìn ") => ((5_000.0, 60_000.0), (500.0, 5_000.0)),
        // Everything else counts events or things: cases, violations, incidents...
        _ => ((500.0, 20_000.0), (20.0, 500.0)),
    };
    if flow { flows } else { stocks }
}

pub(crate) fn profile(indicator: &Indicator) -> Profile {
    let measure = indicator.measure.trim();
    let additive = indicator.space_aggregation == SpaceAggregation::Sum;
    let flow = indicator.time_aggregation == TimeAggregation::Sum;
    let polarity = indicator.polarity;
    let numeric = numeric(measure, additive);
    let share_bound = match measure {
        "%" | "% hộ" => Some(100.0),
        "‰" => Some(1_000.0),
        _ => None,
    };
    if let Some(bound) = share_bound {
        // In per cent of the bound.
        let code = indicator.code.as_str();
        let typical = match polarity {
            _ if reports_change(code) && code.contains("_MOM") => (0.1, 0.6),
            Polarity::HigherBetter if reports_change(code) => (4.0, 10.0),
            Polarity::LowerBetter if reports_change(code) => (1.0, 5.0),
            Polarity::TargetRange if reports_change(code) => (2.0, 6.0),
            _ if bound > 100.0 && polarity == Polarity::LowerBetter => (0.2, 2.5),
            _ if bound > 100.0 => (0.3, 3.0),
            // One sector's share of a whole that several sectors divide.
            Polarity::LowerBetter if code.contains("SHARE") => (5.0, 25.0),
            _ if code.contains("SHARE") => (10.0, 45.0),
            // A year-to-date share with a target band is the execution of a plan: most of it by year end.
            Polarity::TargetRange if indicator.cumulative => (70.0, 98.0),
            Polarity::HigherBetter => (60.0, 98.0),
            Polarity::LowerBetter => (1.0, 15.0),
            Polarity::TargetRange => (25.0, 85.0),
        };
        return Profile {
            numeric,
            shape: Shape::Share { bound },
            typical: (typical.0 * bound / 100.0, typical.1 * bound / 100.0),
            bounds: (0.0, bound),
            commune_cap: None,
        };
    }
    let level = if additive {
        None
    } else {
        level_typical(measure, polarity)
    };
    if let Some(typical) = level {
        let bounds = match measure {
            "cấp" => (0.0, 5.0),
            // Among the 34 provinces since 2025.
            "thứ hạng" => (1.0, 34.0),
            "pH" => (0.0, 14.0),
            "điểm %" => (0.0, 100.0),
            _ => (0.0, f64::INFINITY),
        };
        return Profile {
            numeric,
            shape: Shape::Level,
            typical,
            bounds,
            commune_cap: None,
        };
    }
    let (low, high) = extensive_typical(measure, flow);
    // Deaths, fires, arrears and backlogs are small next to the totals counted in the same unit.
    let typical = match polarity {
        Polarity::LowerBetter if flow => (low / 30.0, low),
        Polarity::LowerBetter => (low / 10.0, low),
        _ => (low, high),
    };
    Profile {
        numeric,
        shape: Shape::Extensive,
        typical,
        bounds: (0.0, f64::INFINITY),
        commune_cap: (measure == "xã").then_some(1.0),
    }
}

/// Relative level in each month (January first), averaging 1 over the year.
pub(crate) fn seasonality(indicator: &Indicator, profile: &Profile, phase: f64) -> [f64; 12] {
    let flow = indicator.time_aggregation == TimeAggregation::Sum;
    let stock = !flow && profile.shape == Shape::Extensive;
    if stock || matches!(profile.shape, Shape::Share { .. }) {
        // Standing stocks (schools, herds) and shares do not swing with the seasons.
        return [1.0; 12];
    }
    let wave = |amplitude: f64, peak_month: f64| {
        std::array::from_fn(|m| {
            1.0 + amplitude * (std::f64::consts::TAU * (m as f64 + 1.0 - peak_month) / 12.0).cos()
        })
    };
    let mut months: [f64; 12] = match indicator.domain.as_str() {
        // Đà Lạt's high seasons: Tết, the summer holidays and the December flower festival.
        "TOU" | "CUL" => [
            1.30, 1.25, 0.85, 0.95, 1.00, 1.20, 1.25, 1.05, 0.75, 0.80, 0.85, 1.25,
        ],
        // Harvests differ by crop (coffee in the dry season, rice twice a year): the peak is per indicator.
        "AGR" => wave(0.4, phase),
        // Dengue and other epidemics follow the rainy season, peaking around September.
        "EPI" => wave(0.6, 9.0),
        // Storms, floods and landslides: rainy season from May to November.
        "DIS" => wave(0.9, 9.5),
        // Air is worst in the dry season.
        "ENV" => wave(0.25, 2.0),
        // Offices close for Tết; budgets and investment rush to finish the year.
        "ECO" | "BUD" | "INV" | "ENT" | "IND" | "TRD" | "LAB" | "PAR" | "DOC" | "LAN" => [
            1.02, 0.72, 1.00, 1.00, 1.00, 1.02, 1.00, 1.00, 1.00, 1.02, 1.04, 1.18,
        ],
        _ => wave(0.08, phase),
    };
    if !flow && profile.numeric == Numeric::Amount {
        // Levels such as temperature or a concentration swing far less than the flows of the same domain.
        for month in &mut months {
            *month = 1.0 + (*month - 1.0) * 0.15;
        }
    }
    let mean = months.iter().sum::<f64>() / 12.0;
    months.map(|month| month / mean)
}

/// Relative level on each weekday (Monday first) of daily flows, averaging 1 over the week.
pub(crate) fn weekly_rhythm(indicator: &Indicator, profile: &Profile) -> [f64; 7] {
    let daily_flow = indicator.frequency == PeriodType::Day
        && indicator.time_aggregation == TimeAggregation::Sum
        && profile.shape == Shape::Extensive;
    if !daily_flow {
        return [1.0; 7];
    }
    let days: [f64; 7] = match indicator.domain.as_str() {
        // Offices work Monday to Friday, some one-stop shops on Saturday morning.
        "PAR" | "DOC" | "BUD" | "LAN" | "ENT" | "INV" => [1.3, 1.3, 1.3, 1.3, 1.3, 0.35, 0.15],
        "TOU" | "CUL" => [0.85, 0.85, 0.85, 0.9, 1.05, 1.5, 1.4],
        "TRA" => [1.05, 1.02, 1.02, 1.02, 1.08, 0.95, 0.86],
        _ => [1.0; 7],
    };
    let mean = days.iter().sum::<f64>() / 7.0;
    days.map(|day| day / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_are_counted_or_measured() {
        for counted in [
            "người",
            "vụ",
            "hồ sơ",
            "thôn/tổ dân phố",
            "cấp",
            "thứ hạng",
            "ngày khách",
        ] {
            assert_eq!(numeric(counted, true), Numeric::Count, "{counted}");
        }
        for measured in [
            "tỷ đồng",
            "%",
            "bác sĩ/vạn dân",
            "tạ/ha",
            "nghìn tấn",
            "đồng/kg",
            "ngày",
        ] {
            assert_eq!(numeric(measured, false), Numeric::Amount, "{measured}");
        }
        assert_eq!(numeric("điểm", true), Numeric::Count);
        assert_eq!(numeric("điểm", false), Numeric::Amount);
    }
}
