//! ADX (IHE's Aggregate Data Exchange, `urn:ihe:qrph:adx:2015`), as DHIS2 reads and writes it: `group`
//! elements naming a data set, an org unit and a period as an ISO 8601 interval (`2026-09-01/P1M`), each
//! holding `dataValue` elements with a data element and a value. Read into the same value rows as the DHIS2
//! formats (indicator codes as data elements, unit codes as org units), rows numbered from 0 in document
//! order; written from stored values, one group per org unit and period.

use std::borrow::Cow;
use std::collections::BTreeMap;

use quick_xml::XmlVersion;
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use vantage_model::period::Period;

use crate::FileError;

/// The ADX namespace.
pub const NAMESPACE: &str = "urn:ihe:qrph:adx:2015";

/// One value to write.
#[derive(Clone, Debug, PartialEq)]
pub struct AdxValue {
    pub data_element: String,
    pub org_unit: String,
    pub period: Period,
    pub value: f64,
    pub comment: Option<String>,
}

/// The values of an ADX document as rows of [`crate::dhis2::VALUE_COLUMNS`]; a period that is not one
/// whole ISO interval is kept as written, for the value checks to refuse with its row.
pub fn rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let malformed = |reason: String| FileError::Malformed { row: 0, reason };
    let text =
        std::str::from_utf8(bytes).map_err(|_| malformed("the document is not UTF-8".into()))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut group: Option<(String, String)> = None;
    let mut rows = Vec::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|error| {
            malformed(format!(
                "not well-formed XML at byte {}: {error}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let name = element.local_name();
                match name.as_ref() {
                    "adx" => seen_root = true,
                    "group" => {
                        let unit = attribute(&element, "orgUnit")?.unwrap_or_default();
                        let period = attribute(&element, "period")?.unwrap_or_default();
                        let period =
                            Period::from_iso_interval(&period).map_or(period, |p| p.to_string());
                        group = Some((unit, period));
                    }
                    "dataValue" => {
                        let Some((unit, period)) = &group else {
                            return Err(malformed("a dataValue outside any group".into()));
                        };
                        let row = vec![
                            attribute(&element, "dataElement")?.unwrap_or_default(),
                            unit.clone(),
                            period.clone(),
                            attribute(&element, "value")?.unwrap_or_default(),
                            attribute(&element, "comment")?.unwrap_or_default(),
                        ];
                        rows.push((rows.len(), row));
                    }
                    _ => {}
                }
            }
            Event::End(element) if element.local_name().as_ref() == "group" => group = None,
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(malformed("not an ADX document: no adx element".into()));
    }
    if rows.is_empty() {
        return Err(FileError::NoRows);
    }
    Ok(rows)
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, FileError> {
    for found in element.attributes() {
        let found = found.map_err(|error| FileError::Malformed {
            row: 0,
            reason: format!("a broken attribute: {error}"),
        })?;
        if found.key.local_name().as_ref() == name {
            let value = found
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| FileError::Malformed {
                    row: 0,
                    reason: format!("attribute {name}: {error}"),
                })?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// An ADX document holding `values` of data set `data_set`, grouped by org unit and period.
pub fn document(data_set: &str, exported: &str, values: &[AdxValue]) -> String {
    let mut groups: BTreeMap<(&str, Period), Vec<&AdxValue>> = BTreeMap::new();
    for value in values {
        groups
            .entry((value.org_unit.as_str(), value.period))
            .or_default()
            .push(value);
    }
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"{NAMESPACE}\" exported=\"{}\">\n",
        escape(exported)
    );
    for ((org_unit, period), members) in groups {
        xml.push_str(&format!(
            "  <group dataSet=\"{}\" orgUnit=\"{}\" period=\"{}\">\n",
            escape(data_set),
            escape(org_unit),
            period.to_iso_interval()
        ));
        for value in members {
            let comment: Cow<'_, str> = match &value.comment {
                Some(comment) => format!(" comment=\"{}\"", escape(comment.as_str())).into(),
                None => "".into(),
            };
            xml.push_str(&format!(
                "    <dataValue dataElement=\"{}\" value=\"{}\"{comment}/>\n",
                escape(value.data_element.as_str()),
                value.value
            ));
        }
        xml.push_str("  </group>\n");
    }
    xml.push_str("</adx>\n");
    xml
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_input_is_read_or_refused_without_panicking(text in ".{0,300}") {
            let _ = rows(text.as_bytes());
        }

        #[test]
        fn written_values_read_back_exactly(
            values in prop::collection::vec(
                ("[A-Z]{3}\\.[A-Z_&<>\"']{1,12}", "[0-9]{2,5}", 0..600i32, -1e12..1e12f64, proptest::option::of("[^\\p{Cc}]{0,30}")),
                1..20,
            )
        ) {
            let values: Vec<AdxValue> = values
                .into_iter()
                .map(|(data_element, org_unit, month, value, comment)| AdxValue {
                    data_element,
                    org_unit,
                    period: Period::parse("202001").unwrap().offset(month),
                    value,
                    comment: comment.filter(|c| !c.is_empty()),
                })
                .collect();
            let read = rows(document("X", "now", &values).as_bytes()).unwrap();
            let mut expected: Vec<Vec<String>> = values
                .iter()
                .map(|v| vec![
                    v.data_element.clone(),
                    v.org_unit.clone(),
                    v.period.to_string(),
                    v.value.to_string(),
                    v.comment.clone().unwrap_or_default(),
                ])
                .collect();
            let mut got: Vec<Vec<String>> = read.into_iter().map(|(_, row)| row).collect();
            expected.sort();
            got.sort();
            prop_assert_eq!(got, expected);
        }
    }

    fn period(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    #[test]
    fn a_written_document_reads_back_as_the_same_values() {
        let values = vec![
            AdxValue {
                data_element: "BUD.REVENUE_TOTAL".into(),
                org_unit: "22918".into(),
                period: period("202609"),
                value: 12.345678901234567,
                comment: Some("số \"tạm\" <ước>".into()),
            },
            AdxValue {
                data_element: "EDU.SCHOOLS".into(),
                org_unit: "68".into(),
                period: period("2026"),
                value: 1550.0,
                comment: None,
            },
        ];
        let xml = document("BUD", "2026-11-24T00:00:00Z", &values);
        assert!(
            xml.contains("period=\"2026-09-01/P1M\"") && xml.contains("period=\"2026-01-01/P1Y\""),
            "{xml}"
        );
        let read = rows(xml.as_bytes()).unwrap();
        // Groups by org unit code, then period.
        assert_eq!(
            read,
            [
                (
                    0,
                    vec![
                        "BUD.REVENUE_TOTAL".into(),
                        "22918".into(),
                        "202609".into(),
                        "12.345678901234567".into(),
                        "số \"tạm\" <ước>".into()
                    ]
                ),
                (
                    1,
                    vec![
                        "EDU.SCHOOLS".into(),
                        "68".into(),
                        "2026".into(),
                        "1550".into(),
                        String::new()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn namespaced_documents_and_bad_periods_are_read_for_the_checks() {
        let xml = r#"<a:adx xmlns:a="urn:ihe:qrph:adx:2015"><a:group orgUnit="22918" period="2026-09-02/P1M" dataSet="BUD">
            <a:dataValue dataElement="BUD.REVENUE_TOTAL" value="1"/></a:group></a:adx>"#;
        let read = rows(xml.as_bytes()).unwrap();
        assert_eq!(
            read[0].1[2], "2026-09-02/P1M",
            "not a whole month: left for the checks to refuse"
        );
    }

    #[test]
    fn broken_documents_are_refused() {
        for (xml, why) in [
            ("<adx><group", "not well-formed"),
            ("<root/>", "no adx element"),
            ("<adx></adx>", "no data rows"),
            (
                "<adx><dataValue dataElement=\"X\" value=\"1\"/></adx>",
                "outside any group",
            ),
            (
                "<adx><group orgUnit=\"68\" period=\"2026-01-01/P1Y\"><dataValue value=\"1\" value=\"2\"/></group></adx>",
                "attribute",
            ),
        ] {
            let error = rows(xml.as_bytes()).unwrap_err();
            assert!(error.to_string().contains(why), "{xml}: {error}");
        }
        assert!(
            rows(&[0xff, 0xfe])
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
    }
}
