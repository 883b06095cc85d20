//! [`Loose`] and [`null_as_default`]: forgiving readers for the response fields whose shape Polar
//! may vary, so that an odd value there costs that field, never the whole object.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::MetadataValue;

/// Any JSON value, keeping scalars and arrays and only noting that an object was there.
pub(crate) enum Loose {
    /// `null`.
    Null,
    /// A string, number or boolean.
    Scalar(MetadataValue),
    /// An array, element by element.
    List(Vec<Loose>),
    /// An object; its content is skipped.
    Object,
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Scalar(MetadataValue::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Scalar(MetadataValue::Integer(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        // Above i64::MAX only a float can carry the value (approximately).
        Ok(Loose::Scalar(i64::try_from(v).map_or(
            MetadataValue::Float(v as f64),
            MetadataValue::Integer,
        )))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Scalar(MetadataValue::Float(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Scalar(MetadataValue::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Scalar(MetadataValue::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Loose, D::Error> {
        Loose::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Loose::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

/// Reads a field that Polar may send as `null` (or leave out, with `#[serde(default)]`): `null`
/// gives the type's default (`false`, an empty list, …) instead of failing the whole object.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
