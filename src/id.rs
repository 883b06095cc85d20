//! Typed IDs: one type per kind of Polar object a caller can name, so that a member ID cannot be
//! passed where a customer ID is expected. Each is a string underneath (Polar's IDs are UUIDs;
//! the client checks that when it sends one), converts from `&str`, `String` and `Uuid` without
//! ceremony, derefs to `str`, and serializes as a plain string.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// Defines one ID type: the struct, its conversions and comparisons.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        ///
        /// Converts from `&str`, `String`, `&String` and [`uuid::Uuid`]; reads as a `&str`
        /// (`Deref`, `AsRef<str>`, `Display`); compares with string types; serializes as a plain
        /// JSON string.
        ///
        /// ```
        #[doc = concat!("use polar_client::", stringify!($name), ";")]
        ///
        #[doc = concat!("let id = ", stringify!($name), "::from(\"992fae2a-2a17-4b7a-8d9e-e287cf90131b\");")]
        /// assert_eq!(id, "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
        /// assert_eq!(id.as_str().len(), 36);
        /// assert_eq!(serde_json::to_string(&id).unwrap(), "\"992fae2a-2a17-4b7a-8d9e-e287cf90131b\"");
        /// ```
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("The ", $what, " ID as text.")]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            #[doc = concat!("The ", $what, " ID as an owned `String`.")]
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<&$name> for String {
            fn eq(&self, other: &&$name) -> bool {
                *self == other.0
            }
        }
    };
}

id_type!(
    /// Polar's ID of a customer (`Customer::id`), as opposed to your own external ID.
    CustomerId,
    "customer"
);
id_type!(
    /// Polar's ID of a member of a customer (`Member::id`).
    MemberId,
    "member"
);
id_type!(
    /// Polar's ID of a subscription.
    SubscriptionId,
    "subscription"
);
id_type!(
    /// Polar's ID of an order.
    OrderId,
    "order"
);
id_type!(
    /// Polar's ID of a checkout session.
    CheckoutId,
    "checkout"
);
id_type!(
    /// Polar's ID of a product.
    ProductId,
    "product"
);
id_type!(
    /// Polar's ID of a usage event.
    EventId,
    "event"
);
id_type!(
    /// Polar's ID of a meter.
    MeterId,
    "meter"
);
id_type!(
    /// Polar's ID of a benefit.
    BenefitId,
    "benefit"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn takes(
        customer: impl Into<CustomerId>,
        member: impl Into<MemberId>,
    ) -> (CustomerId, MemberId) {
        (customer.into(), member.into())
    }

    #[test]
    fn strings_convert_and_compare_both_ways() {
        let owned = String::from("c1");
        let (c, m) = takes(&owned, "m1");
        assert_eq!(c, "c1");
        assert_eq!("c1", c);
        assert_eq!(owned, c);
        assert_eq!(m.as_str(), "m1");
        assert_eq!(format!("{c} {c:?}"), "c1 CustomerId(\"c1\")");
        let back: String = c.clone().into();
        assert_eq!(back, "c1");
        let again: CustomerId = (&c).into();
        assert_eq!(again, c);
        let parsed: CustomerId = serde_json::from_str("\"c1\"").unwrap();
        assert_eq!(parsed, c);
    }
}
