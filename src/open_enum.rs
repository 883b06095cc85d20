//! `open_enum!`: one macro for Polar's string enums that grow over time (countries, tax-id formats,
//! customer types). Each list of codes is written once; the macro derives the enum, its `Other(String)`
//! catch-all, `code()`, `Display`, serde support that never rejects an unknown code, and (for enums
//! whose codes match exactly) the `FromWire` mapping.

use std::marker::PhantomData;

/// A type that can be built from any code string Polar sends (unknown codes land in `Other`).
pub(crate) trait FromWire: Sized {
    /// What the visitor says it expected when the JSON value is not a string at all.
    const EXPECTING: &'static str;

    /// Maps a code as sent by the server to a value; never fails.
    fn from_wire(code: &str) -> Self;
}

/// serde visitor shared by every open enum: accepts any string, rejects non-strings.
pub(crate) struct WireVisitor<T>(pub(crate) PhantomData<T>);

impl<T: FromWire> serde::de::Visitor<'_> for WireVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: serde::de::Error>(self, code: &str) -> Result<T, E> {
        Ok(T::from_wire(code))
    }
}

/// Declares an open enum: `Variant => "code"` pairs, plus a documented `Other(String)` variant.
///
/// Ending with `expecting "a … string"` also implements [`FromWire`] the usual way: codes match
/// exactly, anything else is kept verbatim in `Other`. Without it the invoking module implements
/// [`FromWire`] itself (usually via `known(code)`), deciding how unknown or differently-cased codes
/// map.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($variant_doc:literal) {
            $($variant:ident => $code:literal,)*
        }
        $(#[$other_meta:meta])*
        Other
        $(expecting $expecting:literal)?
    ) => {
        $(
            impl $crate::open_enum::FromWire for $name {
                const EXPECTING: &'static str = $expecting;

                fn from_wire(code: &str) -> Self {
                    Self::known(code).unwrap_or_else(|| Self::Other(code.to_owned()))
                }
            }
        )?

        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!($variant_doc, " `", $code, "`.")]
                $variant,
            )*
            $(#[$other_meta])*
            Other(String),
        }

        impl $name {
            /// The code exactly as Polar writes it on the wire.
            pub fn code(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(code) => code,
                }
            }

            /// The known variant spelled exactly `code`, if any.
            fn known(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::open_enum::WireVisitor::<Self>(std::marker::PhantomData))
            }
        }

        /// A string schema listing the known codes as `examples` (unknown codes are accepted too).
        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                $crate::json_schema::open_enum_schema::<Self>(&[$($code),*])
            }
        }
    };
}

pub(crate) use open_enum;
