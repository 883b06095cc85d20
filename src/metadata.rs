//! [`MetadataValue`]: one value of a customer's metadata, in requests and responses alike.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::loose::Loose;

/// One metadata value: a string, an integer, a float or a boolean (the four kinds Polar stores).
///
/// The same type is read from a [`Customer`](crate::Customer) and passed to
/// [`NewCustomer::metadata`](crate::NewCustomer::metadata); ordinary Rust values convert into it.
/// On the wire it is the bare JSON scalar (`"pro"`, `3`, `2.5`, `true`).
///
/// ```
/// use polar_client::MetadataValue;
///
/// assert_eq!(MetadataValue::from("pro"), MetadataValue::String("pro".into()));
/// assert_eq!(MetadataValue::from(3), MetadataValue::Integer(3));
/// assert_eq!(MetadataValue::from(true).as_bool(), Some(true));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A metadata value: a string, an integer, a number or a boolean.")
)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MetadataValue {
    /// A string; Polar accepts 1 to 500 characters.
    String(String),
    /// An integer.
    Integer(i64),
    /// A floating-point number; it must be finite to be sent.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl MetadataValue {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a float, if this is a float or an integer.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Float(f) => Some(*f),
            Self::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for MetadataValue {
    /// Reads a bare JSON string, number or boolean; anything else is an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Loose::deserialize(deserializer)? {
            Loose::Scalar(value) => Ok(value),
            _ => Err(D::Error::custom(
                "a metadata value must be a string, a number or a boolean",
            )),
        }
    }
}

/// Reads a customer's `metadata` object. A missing or `null` object gives an empty map; entries whose
/// value is not a scalar (`null`, an array, an object) are skipped rather than failing the customer.
pub(crate) fn lenient_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, MetadataValue>, D::Error> {
    deserializer.deserialize_any(LenientMap)
}

struct LenientMap;

impl<'de> Visitor<'de> for LenientMap {
    type Value = BTreeMap<String, MetadataValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metadata object")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Loose>()? {
            if let Loose::Scalar(value) = value {
                entries.insert(key, value);
            }
        }
        Ok(entries)
    }
}

impl From<String> for MetadataValue {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

impl From<&str> for MetadataValue {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<i64> for MetadataValue {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl From<i32> for MetadataValue {
    fn from(value: i32) -> Self {
        Self::Integer(value.into())
    }
}

impl From<u32> for MetadataValue {
    fn from(value: u32) -> Self {
        Self::Integer(value.into())
    }
}

impl From<f64> for MetadataValue {
    fn from(value: f64) -> Self {
        Self::Float(value)
    }
}

impl From<bool> for MetadataValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}
