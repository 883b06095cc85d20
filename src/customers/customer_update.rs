//! [`CustomerUpdate`]: the changes to make to an existing customer, built so that only what Polar
//! allows can be expressed, and serialized exactly as Polar's PATCH expects (absent vs `null`).

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::validate::Checker;
use crate::{InputProblem, MetadataValue, NewAddress};

/// What to do with one clearable field: leave it, set it, or clear it (`null` on the wire).
#[derive(Clone, Debug, Default, PartialEq)]
enum Change<T> {
    #[default]
    Unchanged,
    Set(T),
    Clear,
}

impl<T: Serialize> Change<T> {
    /// Writes the field when it changes: its value, or `null` to clear it.
    fn write<M: SerializeMap>(&self, map: &mut M, key: &str) -> Result<(), M::Error> {
        match self {
            Self::Unchanged => Ok(()),
            Self::Set(value) => map.serialize_entry(key, value),
            Self::Clear => map.serialize_entry(key, &()),
        }
    }
}

/// The changes to make to an existing customer (the body of Polar's customer PATCH).
///
/// Start from [`CustomerUpdate::new`] (no change at all) and chain what should change; every
/// field left alone stays as it is on the customer. The methods follow Polar's rules, so a
/// forbidden change cannot be written:
///
/// | field | set | clear |
/// |---|---|---|
/// | name | [`name`](Self::name) | [`clear_name`](Self::clear_name) |
/// | email | [`email`](Self::email) | impossible: a customer keeps an email once it has one |
/// | billing address | [`billing_address`](Self::billing_address) (replaces the whole address) | impossible: Polar refuses to reset it |
/// | tax ID | [`tax_id`](Self::tax_id) | [`clear_tax_id`](Self::clear_tax_id) |
/// | locale | [`locale`](Self::locale) | [`clear_locale`](Self::clear_locale) |
/// | metadata | [`replace_metadata`](Self::replace_metadata) (the whole map, no merge) | [`clear_metadata`](Self::clear_metadata) |
/// | external ID | [`external_id`](Self::external_id) (write-once: only on a customer without one) | impossible |
/// | type | [`upgrade_to_team`](Self::upgrade_to_team) (individual → team only) | impossible |
///
/// **By external ID.** The same update can be applied to a customer found by its external ID,
/// except [`external_id`](Self::external_id) and [`upgrade_to_team`](Self::upgrade_to_team): Polar's
/// by-external-ID PATCH has neither field and would silently drop them. Rather than a second
/// builder type, that operation refuses such an update before sending anything, with an
/// [`InputProblem`] for each of the two fields (alongside any other problem).
///
/// Nothing is checked while building: [`CustomerUpdate::validate`] (which the client runs before
/// sending) reports every problem at once.
///
/// Serialized, it is exactly the JSON body Polar expects: unchanged fields are absent, cleared
/// ones `null`.
///
/// ```
/// use polar_client::{Country, CustomerUpdate, NewAddress};
///
/// let update = CustomerUpdate::new()
///     .clear_name()
///     .email("jane@example.org")
///     .billing_address(NewAddress::new(Country::DE).city("Berlin"))
///     .clear_tax_id()
///     .replace_metadata([("plan", "team")]);
/// assert!(update.validate().is_ok());
/// assert_eq!(
///     serde_json::to_value(&update)?,
///     serde_json::json!({
///         "email": "jane@example.org",
///         "name": null,
///         "billing_address": { "country": "DE", "city": "Berlin" },
///         "tax_id": null,
///         "metadata": { "plan": "team" }
///     })
/// );
/// assert_eq!(serde_json::to_value(CustomerUpdate::new())?, serde_json::json!({}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerUpdate {
    email: Option<String>,
    name: Change<String>,
    billing_address: Option<NewAddress>,
    tax_id: Change<String>,
    locale: Change<String>,
    metadata: Option<BTreeMap<String, MetadataValue>>,
    external_id: Option<String>,
    upgrade_to_team: bool,
}

impl CustomerUpdate {
    /// An update that changes nothing yet (sent as is, Polar answers with the customer unchanged).
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes the email address (unique per organization; checked by Polar). A new address is
    /// unverified until the customer uses it in the portal.
    ///
    /// Polar ignores a change of letter case only (`Jane@…` → `jane@…`): the stored address stays.
    /// An email cannot be removed, so there is no `clear_email`.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Changes the name (at most 256 characters; Polar trims it, and an empty name clears it).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Change::Set(name.into());
        self
    }

    /// Removes the name.
    #[must_use]
    pub fn clear_name(mut self) -> Self {
        self.name = Change::Clear;
        self
    }

    /// Replaces the whole billing address (fields not set on `address` become empty).
    ///
    /// A billing address cannot be removed once set, so there is no `clear_billing_address`.
    /// When the customer has a tax ID, Polar re-validates it against the new country and refuses
    /// the update if it does not fit: change the country together with
    /// [`tax_id`](Self::tax_id) or [`clear_tax_id`](Self::clear_tax_id).
    #[must_use]
    pub fn billing_address(mut self, address: impl Into<NewAddress>) -> Self {
        self.billing_address = Some(address.into());
        self
    }

    /// Changes the tax ID (the number alone, e.g. `"DE123456789"`). Polar validates it against the
    /// country of the billing address in this update, else the stored one; with neither, Polar
    /// refuses it.
    #[must_use]
    pub fn tax_id(mut self, tax_id: impl Into<String>) -> Self {
        self.tax_id = Change::Set(tax_id.into());
        self
    }

    /// Removes the tax ID.
    #[must_use]
    pub fn clear_tax_id(mut self) -> Self {
        self.tax_id = Change::Clear;
        self
    }

    /// Changes the locale, a BCP 47 tag: a language (`"en"`) optionally with a region (`"en-US"`).
    #[must_use]
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Change::Set(locale.into());
        self
    }

    /// Removes the locale (Polar then uses English).
    #[must_use]
    pub fn clear_locale(mut self) -> Self {
        self.locale = Change::Clear;
        self
    }

    /// Replaces the customer's whole metadata map with these entries (at most 50; keys of 1 to 40
    /// characters). Keys not listed are **removed**: Polar does not merge. To change one key, read
    /// the customer's [`metadata`](crate::Customer::metadata), modify it and pass it all here.
    ///
    /// ```
    /// use polar_client::{CustomerUpdate, MetadataValue};
    ///
    /// let update = CustomerUpdate::new().replace_metadata([
    ///     ("plan", MetadataValue::from("pro")),
    ///     ("seats", MetadataValue::from(12)),
    /// ]);
    /// assert_eq!(
    ///     serde_json::to_value(&update)?,
    ///     serde_json::json!({ "metadata": { "plan": "pro", "seats": 12 } })
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn replace_metadata<K, V>(mut self, entries: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<MetadataValue>,
    {
        let map = entries
            .into_iter()
            .map(|(key, value)| (key.into(), value.into()))
            .collect();
        self.metadata = Some(map);
        self
    }

    /// Removes every metadata entry (sends an empty map).
    #[must_use]
    pub fn clear_metadata(mut self) -> Self {
        self.metadata = Some(BTreeMap::new());
        self
    }

    /// Sets the ID of this customer in your system, on a customer that has none yet.
    ///
    /// The external ID is write-once: on a customer that already has one, Polar refuses any other
    /// value (sending the current one is harmless). It must be unique within the organization.
    /// Not available when updating by external ID (the customer has one by definition).
    #[must_use]
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Turns an individual customer into a team customer (Polar never turns a team back). Only
    /// the type changes: no member is added. Harmless on a team. Not available when updating by
    /// external ID.
    #[must_use]
    pub fn upgrade_to_team(mut self) -> Self {
        self.upgrade_to_team = true;
        self
    }

    /// Checks everything that can be checked without the server, reporting every problem at once
    /// (the client runs this before sending).
    ///
    /// # Errors
    ///
    /// One [`InputProblem`] per broken rule, each naming the field path (`"email"`,
    /// `"billing_address.country"`, `"metadata.plan"`, …).
    ///
    /// ```
    /// use polar_client::CustomerUpdate;
    ///
    /// let problems = CustomerUpdate::new()
    ///     .email("not-an-email")
    ///     .locale("english")
    ///     .external_id("")
    ///     .validate()
    ///     .unwrap_err();
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    /// assert_eq!(fields, ["email", "locale", "external_id"]);
    /// ```
    pub fn validate(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        self.check(&mut check);
        check.finish()
    }

    /// Reports every problem of this update into `check`.
    pub(crate) fn check(&self, check: &mut Checker) {
        if let Some(email) = &self.email {
            check.email("email", email);
        }
        if let Change::Set(name) = &self.name {
            check.name("name", name);
        }
        if let Some(address) = &self.billing_address {
            check.address(address);
        }
        if let Change::Set(tax_id) = &self.tax_id {
            check.identifier("tax_id", tax_id);
        }
        if let Change::Set(locale) = &self.locale {
            check.locale("locale", locale);
        }
        if let Some(metadata) = &self.metadata {
            check.metadata("metadata", metadata);
        }
        if let Some(external_id) = &self.external_id {
            check.identifier("external_id", external_id);
        }
    }

    /// This update as the body of the by-external-ID PATCH (Polar's `CustomerUpdateExternalID`),
    /// after the same checks as [`CustomerUpdate::validate`].
    ///
    /// # Errors
    ///
    /// Every problem [`CustomerUpdate::validate`] finds, plus one for `external_id` and one for
    /// `type` when [`external_id`](Self::external_id) or [`upgrade_to_team`](Self::upgrade_to_team)
    /// was used: Polar's by-external-ID PATCH would silently ignore them.
    pub(crate) fn by_external_id(&self) -> Result<ExternalIdCustomerUpdate, Vec<InputProblem>> {
        let mut check = Checker::default();
        self.check(&mut check);
        if self.external_id.is_some() {
            check.report(
                "external_id",
                "cannot be set when updating a customer by its external ID (it has one, and Polar would ignore it); update by Polar ID instead.",
            );
        }
        if self.upgrade_to_team {
            check.report(
                "type",
                "a customer cannot be upgraded to a team when updated by its external ID (Polar would ignore it); update by Polar ID instead.",
            );
        }
        check.finish()?;
        Ok(ExternalIdCustomerUpdate(self.clone()))
    }
}

impl Serialize for CustomerUpdate {
    /// Polar's PATCH body: only the fields that change; `null` for a cleared one.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(email) = &self.email {
            map.serialize_entry("email", email)?;
        }
        self.name.write(&mut map, "name")?;
        if let Some(address) = &self.billing_address {
            map.serialize_entry("billing_address", address)?;
        }
        self.tax_id.write(&mut map, "tax_id")?;
        self.locale.write(&mut map, "locale")?;
        if let Some(metadata) = &self.metadata {
            map.serialize_entry("metadata", metadata)?;
        }
        if let Some(external_id) = &self.external_id {
            map.serialize_entry("external_id", external_id)?;
        }
        if self.upgrade_to_team {
            map.serialize_entry("type", "team")?;
        }
        map.end()
    }
}

/// A [`CustomerUpdate`] checked to have neither `external_id` nor `type`: the body of the
/// by-external-ID PATCH. Made only by [`CustomerUpdate::by_external_id`].
#[derive(Clone, Debug)]
pub(crate) struct ExternalIdCustomerUpdate(CustomerUpdate);

impl Serialize for ExternalIdCustomerUpdate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(problems: &[InputProblem]) -> Vec<&str> {
        problems.iter().map(InputProblem::field).collect()
    }

    #[test]
    fn by_external_id_refuses_external_id_and_type_with_every_other_problem() {
        let update = CustomerUpdate::new()
            .email("nope")
            .external_id("usr_2")
            .upgrade_to_team();
        let problems = update.by_external_id().unwrap_err();
        assert_eq!(fields(&problems), ["email", "external_id", "type"]);
        assert!(problems[1].message().contains("update by Polar ID instead"));
        // The same update is fine by Polar ID, apart from the email.
        assert_eq!(fields(&update.validate().unwrap_err()), ["email"]);
    }

    #[test]
    fn by_external_id_body_is_the_update_without_those_fields() {
        let update = CustomerUpdate::new()
            .clear_name()
            .locale("de")
            .replace_metadata([("plan", "pro")]);
        let body = update.by_external_id().unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({ "name": null, "locale": "de", "metadata": { "plan": "pro" } })
        );
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::to_value(&update).unwrap()
        );
    }
}
