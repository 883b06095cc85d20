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

/// The positions of `codes` in byte order of the codes, computed while compiling, so `known` can
/// binary-search any list in the order its enum declares it. Fails the build on a repeated code.
pub(crate) const fn byte_order<const N: usize>(codes: &[&str]) -> [u16; N] {
    assert!(codes.len() == N && N <= u16::MAX as usize);
    let mut order = [0u16; N];
    let mut i = 0;
    while i < N {
        order[i] = i as u16;
        i += 1;
    }
    // Insertion sort: a few hundred codes at most, once per build.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 {
            let (a, b) = (codes[order[j - 1] as usize], codes[order[j] as usize]);
            match compare(a.as_bytes(), b.as_bytes()) {
                std::cmp::Ordering::Greater => {
                    let swapped = order[j - 1];
                    order[j - 1] = order[j];
                    order[j] = swapped;
                    j -= 1;
                }
                std::cmp::Ordering::Equal => panic!("an open enum lists a code twice"),
                std::cmp::Ordering::Less => break,
            }
        }
        i += 1;
    }
    order
}

const fn compare(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            };
        }
        i += 1;
    }
    if a.len() < b.len() {
        std::cmp::Ordering::Less
    } else if a.len() > b.len() {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
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

            /// The known codes, in the order of the variants.
            const CODES: &'static [&'static str] = &[$($code),*];

            /// The known variants, in the order of [`Self::CODES`].
            const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// Positions in [`Self::CODES`], in byte order of the codes (computed while compiling).
            const BY_CODE: [u16; <$name>::CODES.len()] = $crate::open_enum::byte_order(<$name>::CODES);

            /// The known variant spelled exactly `code`, if any: a binary search over a table, so
            /// decoding a code costs a few comparisons and little code however long the list is.
            fn known(code: &str) -> Option<Self> {
                let found = Self::BY_CODE
                    .binary_search_by(|&i| Self::CODES[usize::from(i)].cmp(code))
                    .ok()?;
                Self::KNOWN.get(usize::from(Self::BY_CODE[found])).cloned()
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
                $crate::open_enum::open_enum_schema::<Self>(&[$($code),*])
            }
        }
    };
}

pub(crate) use open_enum;

/// The schema of an open enum: any string, with the codes this crate knows as `examples` (not a
/// closed `enum`, because unknown codes decode as `Other`).
#[cfg(feature = "schemars")]
pub(crate) fn open_enum_schema<T: FromWire>(codes: &[&str]) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "description": format!(
            "{}; the known codes are listed in `examples`, any other string is accepted too.",
            capitalized(T::EXPECTING)
        ),
        "examples": codes,
    })
}

/// `text` with its first letter upper-cased (`"a country code string"` → `"A country code string"`).
#[cfg(feature = "schemars")]
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_sorts_positions_by_code() {
        let codes = ["team", "individual", "b", "a_b", "a"];
        let order: [u16; 5] = byte_order(&codes);
        let sorted: Vec<&str> = order.iter().map(|&i| codes[usize::from(i)]).collect();
        assert_eq!(sorted, ["a", "a_b", "b", "individual", "team"]);
        let empty: [u16; 0] = byte_order(&[]);
        assert!(empty.is_empty());
    }

    #[test]
    #[should_panic(expected = "twice")]
    fn byte_order_refuses_a_repeated_code() {
        let _: [u16; 3] = byte_order(&["a", "b", "a"]);
    }

    open_enum! {
        /// Declared out of byte order on purpose.
        pub enum Shuffled ("Code") {
            Zulu => "zulu",
            Alpha => "alpha",
            Mike => "mike",
            AlphaTwo => "alpha_two",
        }
        /// Anything else.
        Other
        expecting "a code"
    }

    #[test]
    fn codes_declared_in_any_order_are_all_found() {
        for (code, variant) in Shuffled::CODES.iter().zip(Shuffled::KNOWN) {
            assert_eq!(Shuffled::from_wire(code), *variant);
        }
        assert_eq!(
            Shuffled::from_wire("alpha_"),
            Shuffled::Other("alpha_".into())
        );
        assert_eq!(
            Shuffled::from_wire("Alpha"),
            Shuffled::Other("Alpha".into())
        );
    }
}
