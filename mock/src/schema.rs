//! Schema validation of request bodies with pydantic-like error items: the `CustomerCreate` body
//! (whose `loc` carries the union tag, `["body","individual","email"]`), and the field checks the
//! update, member and session bodies share.

use super::reference;
use super::reply::error_item;
use super::syntax;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Longest accepted `name` (and owner or member name), in characters.
pub(crate) const MAX_NAME: usize = 256;
/// Most metadata keys.
const MAX_METADATA_KEYS: usize = 50;
/// Longest metadata key.
const MAX_METADATA_KEY: usize = 40;
/// Longest metadata string value.
const MAX_METADATA_VALUE: usize = 500;

/// The two customer types (the union's tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CustomerType {
    /// `"individual"`, the default.
    Individual,
    /// `"team"`.
    Team,
}

impl CustomerType {
    /// The tag as sent on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Team => "team",
        }
    }
}

/// A validated billing address: strings normalised, country upper-cased.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub(crate) line1: Option<String>,
    pub(crate) line2: Option<String>,
    pub(crate) postal_code: Option<String>,
    pub(crate) city: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) country: String,
}

/// A create body that passed schema validation.
#[derive(Debug, Clone)]
pub(crate) struct NewCustomer {
    pub(crate) kind: CustomerType,
    pub(crate) email: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) tax_id: Option<String>,
    pub(crate) billing_address: Option<Address>,
    pub(crate) locale: Option<String>,
    pub(crate) metadata: Map<String, Value>,
    pub(crate) organization_id: Option<Uuid>,
    pub(crate) owner: Option<Owner>,
}

/// The `owner` of a create body (used when the organization has members).
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub(crate) email: String,
    pub(crate) name: Option<String>,
    pub(crate) external_id: Option<String>,
}

/// Validates a parsed body (or, for a non-JSON request, the raw text as a JSON string).
///
/// # Errors
/// The error items of a `RequestValidationError`, all problems at once.
pub(crate) fn validate(body: &Value) -> Result<NewCustomer, Vec<Value>> {
    let fields = object_body(body)?;
    let kind = match fields.get("type") {
        None => CustomerType::Individual,
        Some(Value::String(tag)) if tag == "individual" => CustomerType::Individual,
        Some(Value::String(tag)) if tag == "team" => CustomerType::Team,
        Some(other) => {
            let tag = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            let mut item = error_item(
                "union_tag_invalid",
                vec![json!("body")],
                format!(
                    "Input tag '{tag}' found using 'type' does not match any of the expected tags: 'individual', 'team'"
                ),
                body.clone(),
            );
            item["ctx"] = json!({
                "discriminator": "'type'",
                "tag": tag,
                "expected_tags": "'individual', 'team'",
            });
            return Err(vec![item]);
        }
    };
    let mut check = Checker::new(&["body", kind.as_str()]);
    let email = match (kind, fields.get("email")) {
        (CustomerType::Individual, None) => {
            check.fail("missing", &["email"], "Field required", body.clone());
            None
        }
        (_, value) => check.email(&["email"], value, kind == CustomerType::Team),
    };
    let customer = NewCustomer {
        kind,
        email,
        name: check.text(&["name"], fields.get("name"), Some(MAX_NAME)),
        external_id: check.text(&["external_id"], fields.get("external_id"), None),
        tax_id: check.text(&["tax_id"], fields.get("tax_id"), None),
        billing_address: check.address(fields.get("billing_address")),
        locale: check.locale(fields.get("locale")),
        metadata: check.metadata(fields.get("metadata")),
        organization_id: check.uuid(&["organization_id"], fields.get("organization_id"), true),
        owner: check.owner(fields.get("owner")),
    };
    check.finish(customer)
}

/// The fields of a JSON object body, or the schema error of a body that is not one (`missing`
/// for no body, `model_attributes_type` otherwise).
///
/// # Errors
/// That one error item.
pub(crate) fn object_body(body: &Value) -> Result<&Map<String, Value>, Vec<Value>> {
    match body {
        Value::Object(fields) => Ok(fields),
        Value::Null => Err(vec![error_item(
            "missing",
            vec![json!("body")],
            "Field required",
            Value::Null,
        )]),
        other => Err(vec![error_item(
            "model_attributes_type",
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            other.clone(),
        )]),
    }
}

/// A UUID read from `text` (of version 4 if `version4`), as pydantic validates a `UUID4` or
/// `UUID` field at `loc`.
///
/// # Errors
/// The `uuid_parsing` or `uuid_version` error item.
pub(crate) fn uuid_at(loc: &[&str], text: &str, version4: bool) -> Result<Uuid, Value> {
    let loc: Vec<Value> = loc.iter().map(|segment| json!(segment)).collect();
    match Uuid::parse_str(text) {
        Ok(id) if !version4 || id.get_version_num() == 4 => Ok(id),
        Ok(_) => {
            let mut item = error_item("uuid_version", loc, "UUID version 4 expected", json!(text));
            item["ctx"] = json!({"expected_version": 4});
            Err(item)
        }
        Err(problem) => {
            let mut item = error_item(
                "uuid_parsing",
                loc,
                format!("Input should be a valid UUID, {problem}"),
                json!(text),
            );
            item["ctx"] = json!({"error": problem.to_string()});
            Err(item)
        }
    }
}

/// Collects error items under a location prefix (`["body", …]`, `["path"]`).
pub(crate) struct Checker {
    prefix: Vec<Value>,
    errors: Vec<Value>,
}

impl Checker {
    /// A checker whose locations start with `prefix`, e.g. `["body", "individual"]` or
    /// `["path"]`.
    pub(crate) fn new(prefix: &[&str]) -> Self {
        Self {
            prefix: prefix.iter().map(|segment| json!(segment)).collect(),
            errors: Vec::new(),
        }
    }

    /// `value` if nothing was recorded, else every recorded item.
    ///
    /// # Errors
    /// The recorded items.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Vec<Value>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }

    /// Records one error at `prefix + path`.
    pub(crate) fn fail(
        &mut self,
        kind: &str,
        path: &[&str],
        msg: impl Into<String>,
        input: Value,
    ) -> &mut Value {
        let mut loc = self.prefix.clone();
        loc.extend(path.iter().map(|segment| json!(segment)));
        self.errors.push(error_item(kind, loc, msg, input));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    /// An optional string field: null or absent is `None`, `""` becomes `None`, NUL is refused,
    /// and `max` bounds the length in characters.
    pub(crate) fn text(
        &mut self,
        path: &[&str],
        value: Option<&Value>,
        max: Option<usize>,
    ) -> Option<String> {
        let text = self.string(path, value)?;
        if text.is_empty() {
            return None;
        }
        if let Some(max) = max
            && !self.length(path, &text, 0, max)
        {
            return None;
        }
        Some(text)
    }

    /// Whether `text` has `min` to `max` characters; if not, records pydantic's
    /// `string_too_short` or `string_too_long` item at `path`, with the bound in `ctx`.
    fn length(&mut self, path: &[&str], text: &str, min: usize, max: usize) -> bool {
        let length = text.chars().count();
        let (kind, msg, ctx) = if length < min {
            let plural = if min == 1 { "" } else { "s" };
            (
                "string_too_short",
                format!("String should have at least {min} character{plural}"),
                json!({"min_length": min}),
            )
        } else if length > max {
            (
                "string_too_long",
                format!("String should have at most {max} characters"),
                json!({"max_length": max}),
            )
        } else {
            return true;
        };
        let item = self.fail(kind, path, msg, json!(text));
        item["ctx"] = ctx;
        false
    }

    /// A nested model field: null or absent is `None`, an object gives its fields, anything
    /// else is recorded as pydantic's `model_type` error naming `model`.
    fn object<'v>(
        &mut self,
        path: &[&str],
        value: Option<&'v Value>,
        model: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value? {
            Value::Null => None,
            Value::Object(fields) => Some(fields),
            other => {
                self.fail(
                    "model_type",
                    path,
                    format!("Input should be a valid dictionary or instance of {model}"),
                    other.clone(),
                );
                None
            }
        }
    }

    /// A string or null, refusing other types and strings with NUL.
    pub(crate) fn string(&mut self, path: &[&str], value: Option<&Value>) -> Option<String> {
        match value? {
            Value::Null => None,
            Value::String(text) if text.contains('\0') => {
                self.fail(
                    "value_error",
                    path,
                    "Value error, This value contains invalid characters",
                    json!(text),
                );
                None
            }
            Value::String(text) => Some(text.clone()),
            other => {
                self.fail(
                    "string_type",
                    path,
                    "Input should be a valid string",
                    other.clone(),
                );
                None
            }
        }
    }

    /// An email field; `nullable` allows null or absent.
    pub(crate) fn email(
        &mut self,
        path: &[&str],
        value: Option<&Value>,
        nullable: bool,
    ) -> Option<String> {
        if !nullable && matches!(value, Some(Value::Null)) {
            self.fail(
                "string_type",
                path,
                "Input should be a valid string",
                Value::Null,
            );
            return None;
        }
        let email = self.string(path, value)?;
        match syntax::email_problem(&email) {
            None => Some(email),
            Some(reason) => {
                let item = self.fail(
                    "value_error",
                    path,
                    format!("value is not a valid email address: {reason}"),
                    json!(email),
                );
                item["ctx"] = json!({"reason": reason});
                None
            }
        }
    }

    /// `locale`: the spec's pattern, then the server's normalisation.
    pub(crate) fn locale(&mut self, value: Option<&Value>) -> Option<String> {
        let locale = self.string(&["locale"], value)?;
        if !syntax::matches_locale_pattern(&locale) {
            let item = self.fail(
                "string_pattern_mismatch",
                &["locale"],
                format!("String should match pattern '{}'", syntax::LOCALE_PATTERN),
                json!(locale),
            );
            item["ctx"] = json!({"pattern": syntax::LOCALE_PATTERN});
            return None;
        }
        let normalised = syntax::normalise_locale(&locale);
        if normalised.is_none() {
            self.fail(
                "value_error",
                &["locale"],
                "Value error, Invalid locale.",
                json!(locale),
            );
        }
        normalised
    }

    /// `metadata`: at most 50 keys of 1–40 characters; values a string of 1–500 characters,
    /// an integer, a float or a bool.
    pub(crate) fn metadata(&mut self, value: Option<&Value>) -> Map<String, Value> {
        let entries = match value {
            None => return Map::new(),
            Some(Value::Object(entries)) => entries,
            Some(other) => {
                self.fail(
                    "dict_type",
                    &["metadata"],
                    "Input should be a valid dictionary",
                    other.clone(),
                );
                return Map::new();
            }
        };
        if entries.len() > MAX_METADATA_KEYS {
            let item = self.fail(
                "too_long",
                &["metadata"],
                format!(
                    "Dictionary should have at most {MAX_METADATA_KEYS} items after validation, not {}",
                    entries.len()
                ),
                Value::Object(entries.clone()),
            );
            item["ctx"] = json!({
                "field_type": "Dictionary",
                "max_length": MAX_METADATA_KEYS,
                "actual_length": entries.len(),
            });
        }
        for (key, entry) in entries {
            self.length(&["metadata", key, "[key]"], key, 1, MAX_METADATA_KEY);
            self.metadata_value(key, entry);
        }
        entries.clone()
    }

    /// One metadata value (the `str | int | float | bool` union).
    fn metadata_value(&mut self, key: &str, entry: &Value) {
        match entry {
            Value::Bool(_) | Value::Number(_) => {}
            Value::String(text) => {
                let path = ["metadata", key, "str"];
                if self.length(&path, text, 1, MAX_METADATA_VALUE) && text.contains('\0') {
                    self.fail(
                        "value_error",
                        &path,
                        "Value error, This value contains invalid characters",
                        json!(text),
                    );
                }
            }
            other => {
                let members = [
                    ("str", "string_type", "Input should be a valid string"),
                    ("int", "int_type", "Input should be a valid integer"),
                    ("float", "float_type", "Input should be a valid number"),
                    ("bool", "bool_type", "Input should be a valid boolean"),
                ];
                for (member, kind, msg) in members {
                    self.fail(kind, &["metadata", key, member], msg, other.clone());
                }
            }
        }
    }

    /// `billing_address`: null, or an object with a supported `country`.
    pub(crate) fn address(&mut self, value: Option<&Value>) -> Option<Address> {
        let fields = self.object(&["billing_address"], value, "AddressInput")?;
        let mut line = |name: &str| self.text(&["billing_address", name], fields.get(name), None);
        let (line1, line2, postal_code, city, state) = (
            line("line1"),
            line("line2"),
            line("postal_code"),
            line("city"),
            line("state"),
        );
        let country = match fields.get("country") {
            None => {
                self.fail(
                    "missing",
                    &["billing_address", "country"],
                    "Field required",
                    Value::Object(fields.clone()),
                );
                return None;
            }
            Some(Value::String(code))
                if reference::is_supported_country(&code.to_ascii_uppercase()) =>
            {
                code.to_ascii_uppercase()
            }
            Some(other) => {
                let expected = reference::COUNTRIES
                    .map(|code| format!("'{code}'"))
                    .join(", ");
                let item = self.fail(
                    "literal_error",
                    &["billing_address", "country"],
                    format!("Input should be {expected}"),
                    other.clone(),
                );
                item["ctx"] = json!({"expected": expected});
                return None;
            }
        };
        let state = match state {
            Some(state) => match reference::normalise_state(&country, &state) {
                Some(normalised) => Some(normalised),
                None => {
                    self.fail(
                        "value_error",
                        &["billing_address", "state"],
                        format!("Value error, Invalid state for country {country}."),
                        json!(state),
                    );
                    return None;
                }
            },
            None => None,
        };
        Some(Address {
            line1,
            line2,
            postal_code,
            city,
            state,
            country,
        })
    }

    /// A UUID field (of version 4 if `version4`, as `organization_id` and `customer_id`): null
    /// or absent is `None`.
    pub(crate) fn uuid(
        &mut self,
        path: &[&str],
        value: Option<&Value>,
        version4: bool,
    ) -> Option<Uuid> {
        let text = self.string(path, value)?;
        let mut loc: Vec<&str> = self.prefix.iter().filter_map(Value::as_str).collect();
        loc.extend(path);
        uuid_at(&loc, &text, version4)
            .map_err(|item| self.errors.push(item))
            .ok()
    }

    /// A string field restricted to `allowed` values (pydantic's `enum` error otherwise); null
    /// or absent is `None`.
    pub(crate) fn one_of(
        &mut self,
        path: &[&str],
        value: Option<&Value>,
        allowed: &[&'static str],
        expected: &str,
    ) -> Option<&'static str> {
        let found = match value? {
            Value::Null => return None,
            Value::String(text) => allowed.iter().find(|candidate| *candidate == text).copied(),
            _ => None,
        };
        if found.is_none() {
            let item = self.fail(
                "enum",
                path,
                format!("Input should be {expected}"),
                value.cloned().unwrap_or(Value::Null),
            );
            item["ctx"] = json!({"expected": expected});
        }
        found
    }

    /// `owner`: null, or an object with a required email.
    fn owner(&mut self, value: Option<&Value>) -> Option<Owner> {
        let fields = self.object(&["owner"], value, "MemberOwnerCreate")?;
        let name = self.text(&["owner", "name"], fields.get("name"), Some(MAX_NAME));
        let external_id = self.text(&["owner", "external_id"], fields.get("external_id"), None);
        let email = match fields.get("email") {
            None => {
                self.fail(
                    "missing",
                    &["owner", "email"],
                    "Field required",
                    Value::Object(fields.clone()),
                );
                None
            }
            value => self.email(&["owner", "email"], value, false),
        }?;
        Some(Owner {
            email,
            name,
            external_id,
        })
    }
}
