//! Reading the timestamps in Polar's answers: the shape Polar writes (`2026-04-01T10:00:00.123456Z`,
//! or with a `+HH:MM` offset) is read by a short, direct parser; anything else goes to chrono's
//! general parser, so every input decodes exactly as chrono's own `Deserialize` would decode it.
//!
//! Every customer carries several timestamps, so decoding one is on every call's path; chrono's
//! general parser walks a table of format items and costs several times the work.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Deserializer;
use serde::de::Visitor;

/// Parses a timestamp as chrono's `DateTime<FixedOffset>` `FromStr` does, in UTC.
///
/// # Errors
/// chrono's error for text that is not a timestamp.
pub(crate) fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match rfc3339(text.as_bytes()) {
        Some(parsed) => Ok(parsed),
        None => text
            .parse::<DateTime<FixedOffset>>()
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `±HH:MM`; `None` for anything else (a leap
/// second, a lower-case `t`/`z`, a space, more than nine fraction digits...), left to chrono.
fn rfc3339(text: &[u8]) -> Option<DateTime<Utc>> {
    let (head, mut rest) = text.split_at_checked(19)?;
    let &[
        y1,
        y2,
        y3,
        y4,
        b'-',
        m1,
        m2,
        b'-',
        d1,
        d2,
        b'T',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
    ] = head
    else {
        return None;
    };
    let year = number(&[y1, y2, y3, y4])?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        number(&[m1, m2])?,
        number(&[d1, d2])?,
    )?;
    let (hour, minute, second) = (number(&[h1, h2])?, number(&[n1, n2])?, number(&[s1, s2])?);
    let mut nanos = 0;
    if let [b'.', fraction @ ..] = rest {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        let scale = 10u32.pow(9 - u32::try_from(digits).ok()?);
        nanos = number(&fraction[..digits])? * scale;
        rest = &fraction[digits..];
    }
    let offset_seconds = match *rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let (hours, minutes) = (number(&[oh1, oh2])?, number(&[om1, om2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    if second > 59 {
        return None;
    }
    let local = date.and_time(NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?);
    Some(
        local
            .checked_sub_signed(TimeDelta::seconds(offset_seconds))?
            .and_utc(),
    )
}

/// The value of ASCII decimal digits (at most nine, so it fits).
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &b| {
        b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
    })
}

/// `deserialize_with` for a required timestamp.
pub(crate) fn required<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(TimestampVisitor)
}

/// `deserialize_with` for an optional timestamp (`null` or missing reads as `None`; pair it with
/// `#[serde(default)]`).
pub(crate) fn optional<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_option(OptionalVisitor)
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<DateTime<Utc>, E> {
        parse(text).map_err(E::custom)
    }
}

struct OptionalVisitor;

impl<'de> Visitor<'de> for OptionalVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        required(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random_cases::{self, one_of};

    /// What chrono's own `Deserialize` for `DateTime<Utc>` makes of `text`.
    fn chrono(text: &str) -> Option<DateTime<Utc>> {
        serde_json::from_value::<DateTime<Utc>>(serde_json::Value::String(text.to_owned())).ok()
    }

    #[test]
    fn polar_shapes_take_the_direct_path() {
        for text in [
            "2026-04-01T10:00:00.123456Z",
            "2026-04-01T10:00:00Z",
            "2024-02-29T23:59:59.999999999+05:30",
            "1999-12-31T23:30:00-01:00",
            "0001-01-01T00:00:00Z",
        ] {
            assert_eq!(rfc3339(text.as_bytes()), chrono(text), "{text}");
            assert!(rfc3339(text.as_bytes()).is_some(), "{text}");
        }
    }

    #[test]
    fn other_shapes_fall_back_to_chrono() {
        for text in [
            "2026-04-01 10:00:00Z",
            "2026-04-01t10:00:00z",
            "2016-12-31T23:59:60Z",
            "2026-04-01T10:00:00.1234567891Z",
            "2026-02-30T10:00:00Z",
            "2026-04-01T10:00:00",
            "2026-04-01T10:00:00+24:00",
            "not a time",
            "",
        ] {
            assert_eq!(rfc3339(text.as_bytes()), None, "{text}");
            assert_eq!(parse(text).ok(), chrono(text), "{text}");
        }
    }

    #[test]
    fn errors_are_chronos() {
        let ours = serde_json::from_str::<Wrapper>(r#"{"at": "2026-13-01T00:00:00Z"}"#)
            .unwrap_err()
            .to_string();
        let theirs = serde_json::from_str::<DateTime<Utc>>(r#""2026-13-01T00:00:00Z""#)
            .unwrap_err()
            .to_string();
        assert!(
            ours.starts_with(theirs.split(" at line").next().unwrap()),
            "{ours} / {theirs}"
        );
    }

    #[derive(serde::Deserialize, Debug)]
    struct Wrapper {
        #[serde(deserialize_with = "required")]
        #[allow(dead_code)]
        at: DateTime<Utc>,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Optional {
        #[serde(default, deserialize_with = "optional")]
        at: Option<DateTime<Utc>>,
    }

    #[test]
    fn optional_reads_null_and_missing_as_none() {
        let read = |json| serde_json::from_str::<Optional>(json).unwrap().at;
        assert_eq!(read(r#"{"at": null}"#), None);
        assert_eq!(read("{}"), None);
        assert_eq!(
            read(r#"{"at": "2026-04-01T10:00:00Z"}"#),
            chrono("2026-04-01T10:00:00Z")
        );
        assert!(serde_json::from_str::<Optional>(r#"{"at": 5}"#).is_err());
    }

    #[test]
    fn agrees_with_chrono_on_every_timestamp() {
        random_cases::check(2_000, |rng| {
            let (year, month, day) = (rng.u32(0..=9999), rng.u32(0..=13), rng.u32(0..=32));
            let (hour, minute, second) = (rng.u32(0..=24), rng.u32(0..=60), rng.u32(0..=60));
            let fraction = if rng.bool() {
                let digits = random_cases::string(rng, 1..=10, |rng| rng.digit(10));
                format!(".{digits}")
            } else {
                String::new()
            };
            let offset = if rng.bool() {
                "Z".to_owned()
            } else {
                let sign = if rng.bool() { '+' } else { '-' };
                format!("{sign}{:02}:{:02}", rng.u32(0..=24), rng.u32(0..=60))
            };
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}"
            );
            assert_eq!(parse(&text).ok(), chrono(&text), "{text}");
        });
    }

    #[test]
    fn agrees_with_chrono_on_any_text() {
        let alphabet: Vec<char> = "0123456789T:.Z+ -".chars().collect();
        random_cases::check(2_000, |rng| {
            let text = random_cases::string(rng, 0..=32, |rng| one_of(rng, &alphabet));
            assert_eq!(parse(&text).ok(), chrono(&text), "{text:?}");
        });
    }
}
