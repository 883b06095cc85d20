//! [`NewEvent`]: one usage event to ingest, and the client-side checks of what Polar would refuse
//! deterministically (name length, customer ID syntax, metadata values, timestamps in the future).

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;

use crate::id::CustomerId;
use crate::metadata::MetadataValue;
use crate::validate::Checker;

/// Polar's limit on an event name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 128;
/// Polar's limit on a text metadata value, in characters.
const MAX_METADATA_STRING_CHARS: usize = 500;
/// How far ahead of this machine's clock an explicit timestamp may be before it is refused
/// locally: Polar refuses any timestamp ahead of its own clock, so a larger lead is a mistake
/// rather than clock skew.
pub(crate) const FUTURE_ALLOWANCE: TimeDelta = TimeDelta::seconds(5);

/// One usage event for [`Events::ingest`](crate::Events::ingest) or an
/// [`Ingestor`](crate::Ingestor): a name, the customer it belongs to (by Polar ID or by your
/// external customer ID), and optionally a timestamp, metadata and your own `external_id`.
///
/// The `external_id` is Polar's deduplication key (per organization, first one wins). When you do
/// not set one, the client sets a random one before the first attempt, so its own retries never
/// count an event twice; set one derived from your own durable data (a request ID, a log offset)
/// to be exactly-once across restarts too.
///
/// ```
/// use polar_client::NewEvent;
///
/// let event = NewEvent::for_external_customer("usr_7", "llm.completion")
///     .metadata("model", "small")
///     .metadata("total_tokens", 1_234)
///     .external_id("req_01J9Z");
/// assert_eq!(event.name(), "llm.completion");
/// assert_eq!(event.external_id_ref(), Some("req_01J9Z"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewEvent {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer_id: Option<CustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_customer_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_timestamp"
    )]
    pub(crate) timestamp: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) metadata: BTreeMap<String, MetadataValue>,
}

/// Microseconds and `Z`: what Polar's datetime parsing takes without loss.
fn serialize_timestamp<S: serde::Serializer>(
    timestamp: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match timestamp {
        Some(t) => match rfc3339_micros(t) {
            Some(text) => {
                // ASCII digits and separators only: always UTF-8.
                let text = std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(text)
            }
            None => {
                serializer.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            }
        },
        None => serializer.serialize_none(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for years 0 to 9999, written into a stack buffer (the
/// ingestor serializes one timestamp per event; chrono's formatter allocates a `String` each
/// time). `None` for other years, which chrono formats; identical output otherwise (a unit test
/// compares the two).
fn rfc3339_micros(t: &DateTime<Utc>) -> Option<[u8; 27]> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    // A leap second shows as a 60th second, as chrono writes it.
    let (second, nanos) = match t.nanosecond() {
        n if n >= 1_000_000_000 => (t.second() + 1, n - 1_000_000_000),
        n => (t.second(), n),
    };
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, second);
    put(20, 6, nanos / 1_000);
    Some(out)
}

impl NewEvent {
    /// An event of the customer with this Polar ID (a version-4 UUID).
    pub fn for_customer(customer_id: impl Into<CustomerId>, name: impl Into<String>) -> Self {
        Self::new(name.into(), Some(customer_id.into()), None)
    }

    /// An event of the customer with this external ID. Polar does not check that such a customer
    /// exists: the event is stored and counts for the customer once one has this external ID.
    pub fn for_external_customer(
        external_customer_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self::new(name.into(), None, Some(external_customer_id.into()))
    }

    fn new(
        name: String,
        customer_id: Option<CustomerId>,
        external_customer_id: Option<String>,
    ) -> Self {
        Self {
            name,
            customer_id,
            external_customer_id,
            timestamp: None,
            external_id: None,
            metadata: BTreeMap::new(),
        }
    }

    /// When the event happened (kept to the microsecond). Without one, Polar stamps the time it
    /// stores the event (an [`Ingestor`](crate::Ingestor) stamps the time it accepts it). Polar
    /// refuses timestamps ahead of its own clock.
    pub fn timestamp(mut self, timestamp: DateTime<Utc>) -> Self {
        self.set_timestamp(timestamp);
        self
    }

    /// Sets the timestamp in place, kept to the microsecond.
    pub(crate) fn set_timestamp(&mut self, timestamp: DateTime<Utc>) {
        let micros = timestamp
            .duration_trunc(TimeDelta::microseconds(1))
            .unwrap_or(timestamp);
        self.timestamp = Some(micros);
    }

    /// Your unique ID for this event: Polar stores one event per `external_id` in the
    /// organization, whatever the customer or name, and skips later ones (counted as duplicates).
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Adds one metadata entry (meters aggregate over these, e.g. `total_tokens`).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<MetadataValue>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Polar ID of the customer, when the event names one.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer_id.as_ref()
    }

    /// The external ID of the customer, when the event names one.
    pub fn external_customer_id(&self) -> Option<&str> {
        self.external_customer_id.as_deref()
    }

    /// The timestamp, when set.
    pub fn timestamp_ref(&self) -> Option<DateTime<Utc>> {
        self.timestamp
    }

    /// The deduplication key, when set (by you, or by the client before sending).
    pub fn external_id_ref(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// The metadata entries.
    pub fn metadata_entries(&self) -> &BTreeMap<String, MetadataValue> {
        &self.metadata
    }

    /// Sets a random `external_id` (a version-4 UUID) when none is set.
    pub(crate) fn ensure_external_id(&mut self) {
        if self.external_id.is_none() {
            self.external_id = Some(super::random_id::random_uuid_v4());
        }
    }

    /// Checks what Polar would refuse whatever its data, reporting under `events[index]`.
    ///
    /// Field names are formatted only when a problem is reported: the ingestor runs this on every
    /// event handed over, and a valid event allocates nothing here.
    ///
    /// Returns the loose size bound of the metadata entries it visited (see
    /// [`loose_size_bound_with`](Self::loose_size_bound_with)).
    pub(crate) fn check(&self, index: usize, now: DateTime<Utc>, check: &mut Checker) -> usize {
        let field = |name: &str| format!("events[{index}].{name}");
        if self.name.is_empty() {
            check.report(&field("name"), "is empty; name the event, e.g. `api.call`.");
        } else if self.name.len() > MAX_NAME_CHARS && self.name.chars().count() > MAX_NAME_CHARS {
            let chars = self.name.chars().count();
            check.report(
                &field("name"),
                format!("is {chars} characters long; Polar accepts at most {MAX_NAME_CHARS}."),
            );
        } else if has_nul(&self.name) {
            check.clean(&field("name"), &self.name);
        }
        match (&self.customer_id, &self.external_customer_id) {
            (Some(id), _) => {
                let fine = !has_nul(id)
                    && uuid::Uuid::parse_str(id).is_ok_and(|id| id.get_version_num() == 4);
                if !fine {
                    check.customer_id(&field("customer_id"), id);
                }
            }
            (None, Some(external)) if external.is_empty() => check.report(
                &field("external_customer_id"),
                "is empty; give the customer's external ID.",
            ),
            (None, Some(external)) if has_nul(external) => {
                check.clean(&field("external_customer_id"), external);
            }
            (None, _) => {}
        }
        if let Some(external_id) = &self.external_id {
            if external_id.is_empty() {
                check.report(
                    &field("external_id"),
                    "is empty; leave it unset to have the client choose one.",
                );
            } else if has_nul(external_id) {
                check.clean(&field("external_id"), external_id);
            }
        }
        if let Some(timestamp) = self.timestamp
            && timestamp > now + FUTURE_ALLOWANCE
        {
            check.report(
                &field("timestamp"),
                format!(
                    "{} is in the future; Polar refuses events dated ahead of its clock.",
                    timestamp.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                ),
            );
        }
        let mut entries = 0;
        for (key, value) in &self.metadata {
            entries += entry_bound(key, value, loose_string_bound);
            let fine = !has_nul(key)
                && match value {
                    MetadataValue::String(text) => {
                        !text.is_empty()
                            && (text.len() <= MAX_METADATA_STRING_CHARS
                                || text.chars().count() <= MAX_METADATA_STRING_CHARS)
                            && !has_nul(text)
                    }
                    MetadataValue::Float(number) => number.is_finite(),
                    _ => true,
                };
            if !fine {
                Self::check_metadata(index, key, value, check);
            }
        }
        entries
    }

    /// Reports what is wrong with one metadata entry (out of line: the rare path).
    #[cold]
    fn check_metadata(index: usize, key: &str, value: &MetadataValue, check: &mut Checker) {
        let field = format!("events[{index}].metadata.{}", key.escape_debug());
        if !check.clean(&field, key) {
            return;
        }
        match value {
            MetadataValue::String(text) => {
                let chars = text.chars().count();
                if !(1..=MAX_METADATA_STRING_CHARS).contains(&chars) {
                    check.report(
                        &field,
                        format!("the value is {chars} characters long; text values must have 1 to {MAX_METADATA_STRING_CHARS}."),
                    );
                } else {
                    check.clean(&field, text);
                }
            }
            MetadataValue::Float(number) if !number.is_finite() => check.report(
                &field,
                format!("the value {number} is not a finite number, which JSON cannot carry."),
            ),
            _ => {}
        }
    }
}

/// Whether `text` holds a NUL character, which Polar rejects (what [`Checker::clean`] reports).
/// Eight bytes at a time, the last eight overlapping the word before when the length is not a
/// multiple of eight, a shorter text by overlapping halves (a byte-by-byte search of the tail cost
/// as much as the words): the ingestor checks every string of every event with it.
fn has_nul(text: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Sets a byte's high bit where that byte is zero (and possibly past one, never before).
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let bytes = text.as_bytes();
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|chunk| <[u8; 8]>::try_from(chunk).ok())
            .map_or(u64::MAX, u64::from_ne_bytes)
    };
    let Some(last) = bytes.len().checked_sub(8) else {
        // Shorter than a word: its first and last four bytes (overlapping), or its few bytes,
        // each moved into a word whose other bytes are not zero.
        let half = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|chunk| <[u8; 4]>::try_from(chunk).ok())
                .map_or(u64::MAX, |four| {
                    u64::from(u32::from_ne_bytes(four)) | 0xffff_ffff_0000_0000
                })
        };
        return match bytes.len().checked_sub(4) {
            Some(last) => has_zero(half(0)) || has_zero(half(last)),
            None => bytes.contains(&0),
        };
    };
    (0..last).step_by(8).any(|at| has_zero(word(at))) || has_zero(word(last))
}

/// The bytes `text` takes as a JSON string, quotes included, or more: every byte that may need
/// escaping (`"`, `\` and control characters, at most `\u001f`) is counted as 6, everything else
/// as its UTF-8 byte. A count the compiler vectorizes: the ingestor sizes every event with it.
fn string_bound(text: &str) -> usize {
    let escaped = text
        .bytes()
        .filter(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .count();
    2 + text.len() + 5 * escaped
}

impl NewEvent {
    /// An upper bound of the bytes the event takes in a request body, without serializing it
    /// (what the ingestor sizes batches with once they grow large).
    pub(crate) fn size_bound(&self) -> usize {
        self.bound_with(string_bound)
    }

    /// A looser upper bound that reads no string's bytes: every byte counted as the longest
    /// escape (6). What the ingestor sizes each event with when it is handed over (through
    /// [`loose_size_bound_with`](Self::loose_size_bound_with)); a batch whose loose total nears
    /// the body limit is measured again with [`size_bound`](Self::size_bound).
    #[cfg(test)]
    pub(crate) fn loose_size_bound(&self) -> usize {
        self.bound_with(loose_string_bound)
    }

    /// The loose bound given the loose total of the metadata entries (what
    /// [`check`](Self::check) returns, having visited them): the ingestor sizes an event without
    /// iterating its metadata twice.
    pub(crate) fn loose_size_bound_with(&self, metadata_entries: usize) -> usize {
        self.bound_fields(loose_string_bound) + self.metadata_bound(metadata_entries)
    }

    fn bound_with(&self, string_bound: impl Fn(&str) -> usize) -> usize {
        let entries = self
            .metadata
            .iter()
            .map(|(key, value)| entry_bound(key, value, &string_bound))
            .sum();
        self.bound_fields(&string_bound) + self.metadata_bound(entries)
    }

    /// Every field but the metadata.
    fn bound_fields(&self, string_bound: impl Fn(&str) -> usize) -> usize {
        let mut bytes = 2 + field_bound("name") + string_bound(&self.name);
        if let Some(id) = &self.customer_id {
            bytes += field_bound("customer_id") + string_bound(id);
        }
        if let Some(id) = &self.external_customer_id {
            bytes += field_bound("external_customer_id") + string_bound(id);
        }
        if self.timestamp.is_some() {
            // RFC 3339 with microseconds and `Z` is 27 characters for years 0 to 9999.
            bytes += field_bound("timestamp") + 40;
        }
        if let Some(id) = &self.external_id {
            bytes += field_bound("external_id") + string_bound(id);
        }
        bytes
    }

    /// The metadata object, given the total of its entries.
    fn metadata_bound(&self, entries: usize) -> usize {
        if self.metadata.is_empty() {
            0
        } else {
            field_bound("metadata") + 2 + entries
        }
    }
}

/// `"key":` plus a comma.
fn field_bound(key: &str) -> usize {
    key.len() + 4
}

/// A string's bound counting every byte as the longest escape.
fn loose_string_bound(text: &str) -> usize {
    2 + 6 * text.len()
}

/// One metadata entry: its key, a colon and a comma, its value.
fn entry_bound(key: &str, value: &MetadataValue, string_bound: impl Fn(&str) -> usize) -> usize {
    string_bound(key)
        + 2
        + match value {
            MetadataValue::String(text) => string_bound(text),
            MetadataValue::Integer(_) => 20,
            MetadataValue::Float(_) => 32,
            MetadataValue::Bool(_) => 5,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::ingest::encoded_len;

    #[test]
    fn a_missing_external_id_becomes_a_version_4_uuid() {
        let mut event = NewEvent::for_external_customer("usr_1", "a");
        event.ensure_external_id();
        let id = event
            .external_id_ref()
            .and_then(|id| uuid::Uuid::parse_str(id).ok());
        assert_eq!(id.map(|id| id.get_version_num()), Some(4));
    }

    #[test]
    fn nul_characters_are_found_anywhere() {
        assert!(!has_nul(""));
        for len in 1..40 {
            for clean in ["a".repeat(len), "é".repeat(len)] {
                assert_nul_found_anywhere(&clean);
            }
        }
    }

    /// `clean` has no NUL; each of its bytes replaced by one is found.
    fn assert_nul_found_anywhere(clean: &str) {
        assert!(!has_nul(clean), "{clean:?}");
        for at in 0..clean.len() {
            let mut bytes = clean.as_bytes().to_vec();
            bytes[at] = 0;
            let text = String::from_utf8_lossy(&bytes);
            assert!(has_nul(&text), "{} bytes, NUL at {at}", clean.len());
        }
    }

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        use chrono::TimeZone;
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 1_999_999))
            .map(|t| Utc.from_utc_datetime(&t));
        let times = [
            Utc.timestamp_opt(0, 0).single(),
            Utc.timestamp_opt(1_765_000_000, 123_456_000).single(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single(),
            leap,
            Some(Utc::now()),
        ];
        for t in times.into_iter().flatten() {
            let t = t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t);
            let ours = rfc3339_micros(&t).map(|b| String::from_utf8_lossy(&b).into_owned());
            let chrono = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(ours.as_deref(), Some(chrono.as_str()), "{t:?}");
        }
    }

    #[test]
    fn the_size_bound_is_never_below_the_encoded_size() {
        let events = [
            NewEvent::for_external_customer("usr_1", "a"),
            NewEvent::for_customer("992fae2a-2a17-4b7a-8d9e-e287cf90131b", "api.call")
                .timestamp(Utc::now())
                .external_id("x\"\\\n\u{1}é")
                .metadata("k\"", "v\u{0}\u{1f}ü")
                .metadata("n", i64::MIN)
                .metadata("f", -1.234_567_890_123_456_7e-300)
                .metadata("b", false),
        ];
        for event in events {
            let exact = encoded_len(&event);
            let bound = event.size_bound();
            assert!(bound >= exact, "{bound} < {exact}: {event:?}");
            assert!(event.loose_size_bound() >= bound);
            let entries = event.check(0, Utc::now(), &mut crate::validate::Checker::default());
            assert_eq!(
                event.loose_size_bound_with(entries),
                event.loose_size_bound()
            );
            assert!(bound <= exact * 3, "{bound} is far above {exact}");
        }
    }
}
