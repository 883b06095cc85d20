//! `PATCH /v1/customers/{id}` and `…/external/{external_id}`: the `CustomerUpdate` body read
//! per field (absent, `null` or a value), Polar's rules for each field, errors collected into one
//! 422, and the change applied to the stored customer.

use super::customer;
use super::reference::checked_tax_id;
use super::reply::{Reply, error_item};
use super::schema::{self, Address, Checker, MAX_NAME};
use super::stamp;
use super::state::{Data, duplicate_email, duplicate_external_id};
use serde_json::{Map, Value, json};

/// One field of the body: left out, sent as `null`, or sent with a value.
#[derive(Debug, Clone)]
enum Field<T> {
    Absent,
    Null,
    Set(T),
}

/// A `CustomerUpdate` body that passed schema validation.
struct Change {
    /// `null` is ignored: an email cannot be cleared.
    email: Option<String>,
    name: Field<String>,
    billing_address: Field<Address>,
    tax_id: Field<String>,
    locale: Field<String>,
    metadata: Option<Map<String, Value>>,
    /// Only by id (the external-id variant drops it).
    external_id: Field<String>,
    /// Only by id (the external-id variant drops it).
    kind: Field<&'static str>,
}

/// Validates `body` and applies it to the live customer at `index`; the caller records
/// `customer.updated`. By external id, `external_id` and `type` are ignored, as Polar's
/// `CustomerUpdateExternalID` schema drops them.
///
/// # Errors
/// A 422: schema errors (`RequestValidationError`), then the collected business errors (email
/// taken, address reset to null, external id changed, type downgraded), then the tax-id rule.
pub(crate) fn apply(
    data: &mut Data,
    index: usize,
    body: &Value,
    by_external_id: bool,
) -> Result<(), Reply> {
    let fields = schema::object_body(body).map_err(Reply::schema_error)?;
    let change = read(fields, by_external_id).map_err(Reply::schema_error)?;
    let stored = &data.customers[index];
    let current = &stored.body;
    let new_email = change.email.clone().filter(|email| {
        current["email"].as_str().map(str::to_lowercase) != Some(email.to_lowercase())
    });
    let mut errors = Vec::new();
    if let Some(email) = &new_email
        && data
            .taken(stored.organization_id, Some(index), Some(email), None)
            .0
    {
        errors.push(duplicate_email(json!(email)));
    }
    if matches!(change.billing_address, Field::Null) {
        errors.push(rule_error(
            "billing_address",
            "Customer billing address cannot be reset to null once set.",
            Value::Null,
        ));
    }
    let new_external_id = match (&change.external_id, stored.external_id()) {
        (Field::Absent, _) | (Field::Null, None) => None,
        (Field::Set(sent), Some(current)) if sent == current => None,
        (sent, Some(_)) => {
            let input = match sent {
                Field::Set(value) => json!(value),
                _ => Value::Null,
            };
            errors.push(rule_error(
                "external_id",
                "Customer external ID cannot be updated.",
                input,
            ));
            None
        }
        (Field::Set(sent), None) => {
            if data
                .taken(stored.organization_id, Some(index), None, Some(sent))
                .1
            {
                errors.push(duplicate_external_id(json!(sent)));
            }
            Some(sent.clone())
        }
    };
    let upgrade = match change.kind {
        Field::Set("team") => !stored.is_team(),
        Field::Absent => false,
        Field::Null | Field::Set(_) => {
            if stored.is_team() {
                errors.push(rule_error(
                    "type",
                    "Customer type cannot be downgraded from 'team' to 'individual'.",
                    json!(change.kind_input()),
                ));
            }
            false
        }
    };
    if !errors.is_empty() {
        return Err(Reply::business_error(errors));
    }
    let tax_id = new_tax_id(&change, current).map_err(|item| Reply::business_error(vec![item]))?;

    let stored = &mut data.customers[index];
    let is_team = stored.is_team();
    let body = &mut stored.body;
    if let Some(email) = &new_email {
        body["email"] = json!(email);
        body["email_verified"] = json!(false);
        body["avatar_url"] = json!(customer::avatar_url(email));
        if !is_team {
            for member in stored
                .members
                .iter_mut()
                .filter(|member| member["role"] == "owner")
            {
                member["email"] = json!(email);
            }
        }
    }
    if let Some(name) = change.name.into_update() {
        body["name"] = json!(name);
        body["billing_name"] = json!(name);
    }
    if let Field::Set(address) = &change.billing_address {
        body["billing_address"] = customer::address(address);
    }
    if let Some(tax_id) = tax_id {
        body["tax_id"] = tax_id;
    }
    if let Some(locale) = change.locale.into_update() {
        body["locale"] = json!(locale);
    }
    if let Some(metadata) = change.metadata {
        body["metadata"] = Value::Object(metadata);
    }
    if let Some(external_id) = new_external_id {
        body["external_id"] = json!(external_id);
    }
    if upgrade {
        body["type"] = json!("team");
    }
    body["modified_at"] = json!(stamp::now());
    Ok(())
}

impl<T> Field<T> {
    /// What to write: `None` to leave the field, `Some(None)` to clear it.
    fn into_update(self) -> Option<Option<T>> {
        match self {
            Self::Absent => None,
            Self::Null => Some(None),
            Self::Set(value) => Some(Some(value)),
        }
    }
}

impl Change {
    /// The `type` that was sent, for an error's `input`.
    fn kind_input(&self) -> Option<&'static str> {
        match self.kind {
            Field::Set(kind) => Some(kind),
            _ => None,
        }
    }
}

/// The schema stage: every field's type and syntax, all problems at once.
fn read(fields: &Map<String, Value>, by_external_id: bool) -> Result<Change, Vec<Value>> {
    let mut check = Checker::new(&["body"]);
    let email = match fields.get("email") {
        None | Some(Value::Null) => None,
        value => check.email(&["email"], value, true),
    };
    let name = field(fields, "name", |value| {
        let name = check.text(&["name"], Some(value), Some(MAX_NAME))?;
        let trimmed = name.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    });
    let billing_address = field(fields, "billing_address", |value| {
        check.address(Some(value))
    });
    let tax_id = field(fields, "tax_id", |value| {
        check.text(&["tax_id"], Some(value), None)
    });
    let locale = field(fields, "locale", |value| check.locale(Some(value)));
    let metadata = fields
        .get("metadata")
        .map(|value| check.metadata(Some(value)));
    let (external_id, kind) = if by_external_id {
        (Field::Absent, Field::Absent)
    } else {
        (
            field(fields, "external_id", |value| {
                let external_id = check.text(&["external_id"], Some(value), None)?;
                let trimmed = external_id.trim();
                (!trimmed.is_empty()).then(|| trimmed.to_owned())
            }),
            field(fields, "type", |value| {
                check.one_of(
                    &["type"],
                    Some(value),
                    &["individual", "team"],
                    "'individual' or 'team'",
                )
            }),
        )
    };
    check.finish(Change {
        email,
        name,
        billing_address,
        tax_id,
        locale,
        metadata,
        external_id,
        kind,
    })
}

/// A body field: absent, `null`, or read by `read` (whose `None`, e.g. `""`, counts as `null`).
fn field<T>(
    fields: &Map<String, Value>,
    name: &str,
    read: impl FnOnce(&Value) -> Option<T>,
) -> Field<T> {
    match fields.get(name) {
        None => Field::Absent,
        Some(Value::Null) => Field::Null,
        Some(value) => read(value).map_or(Field::Null, Field::Set),
    }
}

/// The new `tax_id` value to store, `None` to leave it: a sent one is validated against the
/// country of the sent address, else the stored one; a new address re-validates the stored id.
fn new_tax_id(change: &Change, current: &Value) -> Result<Option<Value>, Value> {
    let country = match &change.billing_address {
        Field::Set(address) => Some(address.country.as_str()),
        _ => current["billing_address"]["country"].as_str(),
    };
    let value = match &change.tax_id {
        Field::Null => return Ok(Some(Value::Null)),
        Field::Set(value) => value.as_str(),
        Field::Absent => match (&change.billing_address, current["tax_id"][0].as_str()) {
            (Field::Set(_), Some(stored)) => stored,
            _ => return Ok(None),
        },
    };
    let (value, format) = checked_tax_id(value, country)?;
    Ok(Some(json!([value, format])))
}

/// A business-rule error item at `["body", field]`.
fn rule_error(field: &str, msg: &str, input: Value) -> Value {
    error_item("value_error", vec![json!("body"), json!(field)], msg, input)
}
