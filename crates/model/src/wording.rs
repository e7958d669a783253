//! Alerts' findings in words, and numbers as Vietnamese readers write them (public warnings and
//! notifications are in Vietnamese).

use crate::alert_rule::{Comparison, Finding};
use crate::record::TargetBound;

/// The finding in one Vietnamese sentence.
pub fn describe_finding(finding: &Finding, measure: &str) -> String {
    let amount = |value: f64| {
        if measure.is_empty() {
            vietnamese_number(value)
        } else {
            format!("{} {measure}", vietnamese_number(value))
        }
    };
    match finding {
        Finding::Target {
            missed,
            compared,
            target,
            forecast,
        } => {
            let target = match *target {
                TargetBound::AtLeast { value } => format!("tối thiểu {}", amount(value)),
                TargetBound::AtMost { value } => format!("tối đa {}", amount(value)),
                TargetBound::Range { min, max } => {
                    format!("từ {} đến {}", vietnamese_number(min), amount(max))
                }
            };
            match (missed, forecast) {
                (true, _) => format!("không đạt chỉ tiêu ({target}): đạt {}.", amount(*compared)),
                (false, Some(forecast)) => format!(
                    "có nguy cơ không đạt chỉ tiêu ({target}): đạt {}, dự báo cả kỳ {}.",
                    amount(*compared),
                    amount(*forecast)
                ),
                (false, None) => format!(
                    "có nguy cơ không đạt chỉ tiêu ({target}): hiện ở mức {}.",
                    amount(*compared)
                ),
            }
        }
        Finding::Threshold {
            comparison,
            threshold,
            values,
        } => {
            let run = values
                .iter()
                .map(|value| amount(*value))
                .collect::<Vec<_>>()
                .join("; ");
            let side = match comparison {
                Comparison::Above => "trên",
                Comparison::Below => "dưới",
            };
            format!(
                "{} kỳ liên tiếp {side} ngưỡng {}: {run}.",
                values.len(),
                amount(*threshold)
            )
        }
        Finding::YearOnYear {
            value,
            last_year,
            percent,
        } => format!(
            "{} {}% so với cùng kỳ năm trước: {} so với {}.",
            if *percent < 0.0 { "giảm" } else { "tăng" },
            vietnamese_number(percent.abs()),
            amount(*value),
            amount(*last_year)
        ),
        Finding::LateData { deadline } => format!(
            "chưa có số liệu khi đã quá hạn báo cáo ({}).",
            deadline.strftime("%H:%M %d/%m/%Y")
        ),
        Finding::OverdueExplanation { alert, .. } => {
            format!("giải trình của cảnh báo số {alert} đã quá hạn mà chưa được gửi.")
        }
        Finding::Outlier {
            value, low, high, ..
        } => format!(
            "giá trị {} bất thường so với các kỳ trước (thường từ {} đến {}).",
            amount(*value),
            vietnamese_number(*low),
            amount(*high)
        ),
    }
}

/// `1234.5` as `1.234,5`: dots between thousands, a comma before at most two decimals.
pub fn vietnamese_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{:.2}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if rounded < 0.0 { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_vietnamese_readers_write_them() {
        assert_eq!(vietnamese_number(1234567.891), "1.234.567,89");
        assert_eq!(vietnamese_number(-0.5), "-0,5");
        assert_eq!(vietnamese_number(100.0), "100");
    }

    #[test]
    fn findings_in_one_vietnamese_sentence() {
        assert_eq!(
            describe_finding(
                &Finding::Threshold {
                    comparison: Comparison::Below,
                    threshold: 90.0,
                    values: vec![85.0, 80.5]
                },
                "%"
            ),
            "2 kỳ liên tiếp dưới ngưỡng 90 %: 85 %; 80,5 %."
        );
        assert_eq!(
            describe_finding(
                &Finding::YearOnYear {
                    value: 80.0,
                    last_year: 100.0,
                    percent: -20.0
                },
                "tỷ đồng"
            ),
            "giảm 20% so với cùng kỳ năm trước: 80 tỷ đồng so với 100 tỷ đồng."
        );
        assert_eq!(
            describe_finding(
                &Finding::Target {
                    missed: false,
                    compared: 45.0,
                    target: TargetBound::AtLeast { value: 400.0 },
                    forecast: Some(180.0)
                },
                ""
            ),
            "có nguy cơ không đạt chỉ tiêu (tối thiểu 400): đạt 45, dự báo cả kỳ 180."
        );
    }
}
