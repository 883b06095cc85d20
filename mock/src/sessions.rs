//! `POST /v1/customer-sessions/`: a customer portal session for a customer named by id or
//! external id (Polar's undiscriminated union, resolved as pydantic does), or a member session
//! when the organization uses the member model.

use super::call::{Call, customer_reply};
use super::query::encode;
use super::reply::{Reply, error_item};
use super::schema::{self, Checker};
use super::stamp;
use super::state::{CustomerKey, Miss};
use super::stored::Stored;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

/// The union variant that names the customer by id.
const BY_ID: &str = "CustomerSessionCustomerIDCreate";
/// The union variant that names the customer by external id.
const BY_EXTERNAL_ID: &str = "CustomerSessionCustomerExternalIDCreate";
/// How long a session lasts.
const LIFETIME: Duration = Duration::hours(1);
/// Longest accepted `return_url`.
const MAX_URL: usize = 2083;
/// The organization slug in portal URLs.
pub(crate) const ORGANIZATION_SLUG: &str = "mock-organization";

/// A validated session request.
struct SessionRequest {
    customer: CustomerKey,
    member_id: Option<uuid::Uuid>,
    external_member_id: Option<String>,
    return_url: Option<String>,
}

/// Creates a session: 201 with its token, or 422 (schema errors, or an unknown customer or
/// member as business errors).
pub(crate) fn create(call: &Call<'_>) -> Reply {
    let request = match read(call.body) {
        Ok(request) => request,
        Err(items) => return Reply::schema_error(items),
    };
    let mut data = call.state.lock();
    let index = match data.find(call.identity, &request.customer) {
        Ok(index) => index,
        Err(Miss::Ambiguous) => return Reply::unhandled(),
        Err(Miss::NotFound) => {
            let field = match request.customer {
                CustomerKey::Id(_) => "customer_id",
                CustomerKey::External(_) => "external_customer_id",
            };
            return rule_error(field, "Customer does not exist.");
        }
    };
    let (prefix, email) = if call.state.features.member_model {
        match session_member(&data.customers[index], &request) {
            Ok(email) => ("polar_mst_", email),
            Err(reply) => return reply,
        }
    } else {
        ("polar_cst_", data.customers[index].body["email"].clone())
    };
    let token = format!("{prefix}{}", stamp::new_id().simple());
    data.session_tokens.insert(token.clone());
    let stored = &data.customers[index];
    let portal_url = format!(
        "{}/{ORGANIZATION_SLUG}/portal?customer_session_token={token}&email={}",
        call.origin,
        encode(email.as_str().unwrap_or_default())
    );
    let now = Utc::now();
    let session = json!({
        "id": stamp::new_id(),
        "created_at": stamp::timestamp(now),
        "modified_at": null,
        "token": token,
        "expires_at": stamp::timestamp(now + LIFETIME),
        "return_url": request.return_url,
        "customer_portal_url": portal_url,
        "customer_id": stored.id,
        "customer": stored.body,
    });
    customer_reply(201, &session)
}

/// The member a member session is for (its email): the named one, else an individual's owner
/// (which the mock creates with the customer).
fn session_member(stored: &Stored, request: &SessionRequest) -> Result<Value, Reply> {
    let named = match (&request.member_id, &request.external_member_id) {
        (Some(id), _) => Some(("member_id", "id", json!(id))),
        (None, Some(external_id)) => {
            Some(("external_member_id", "external_id", json!(external_id)))
        }
        (None, None) => None,
    };
    if let Some((field, key, wanted)) = named {
        return stored
            .members
            .iter()
            .find(|member| member[key] == wanted)
            .map(|member| member["email"].clone())
            .ok_or_else(|| rule_error(field, "Member does not exist for this customer."));
    }
    if stored.is_team() {
        return Err(rule_error(
            "member_id",
            "member_id is required for team customers.",
        ));
    }
    stored
        .members
        .iter()
        .find(|member| member["role"] == "owner")
        .map(|owner| owner["email"].clone())
        .ok_or_else(|| rule_error("customer_id", "No owner member found for this customer."))
}

/// Reads the body as pydantic's smart-mode union does: by id or by external id (with both
/// sent, the external id wins unless `member_id` or `return_url` is sent too); neither gives two
/// `missing` items, one per variant.
fn read(body: &Value) -> Result<SessionRequest, Vec<Value>> {
    let fields = schema::object_body(body)?;
    let external = fields
        .get("external_customer_id")
        .or_else(|| fields.get("customer_external_id"));
    let by_id = match (fields.get("customer_id"), external) {
        (None, None) => {
            return Err(vec![
                error_item(
                    "missing",
                    vec![json!("body"), json!(BY_ID), json!("customer_id")],
                    "Field required",
                    body.clone(),
                ),
                error_item(
                    "missing",
                    vec![
                        json!("body"),
                        json!(BY_EXTERNAL_ID),
                        json!("external_customer_id"),
                    ],
                    "Field required",
                    body.clone(),
                ),
            ]);
        }
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (Some(_), Some(_)) => fields.contains_key("member_id") || fields.contains_key("return_url"),
    };
    let mut check = Checker::new(&["body", if by_id { BY_ID } else { BY_EXTERNAL_ID }]);
    let value = if by_id {
        fields.get("customer_id")
    } else {
        external
    };
    let customer = if value.is_some_and(Value::is_null) {
        let field = if by_id {
            "customer_id"
        } else {
            "external_customer_id"
        };
        check.fail(
            "string_type",
            &[field],
            "Input should be a valid string",
            Value::Null,
        );
        None
    } else if by_id {
        check
            .uuid(&["customer_id"], value, true)
            .map(CustomerKey::Id)
    } else {
        check
            .string(&["external_customer_id"], value)
            .map(CustomerKey::External)
    };
    let member_id = check.uuid(&["member_id"], fields.get("member_id"), false);
    let external_member_id =
        check.string(&["external_member_id"], fields.get("external_member_id"));
    let return_url = check
        .string(&["return_url"], fields.get("return_url"))
        .and_then(|url| return_url(&mut check, &url));
    let request = customer.map(|customer| SessionRequest {
        customer,
        member_id,
        external_member_id,
        return_url,
    });
    match check.finish(request)? {
        Some(request) => Ok(request),
        None => Err(vec![error_item(
            "missing",
            vec![json!("body")],
            "Field required",
            body.clone(),
        )]),
    }
}

/// A `return_url`: an absolute http(s) URL of at most 2,083 characters, normalised as pydantic's
/// `HttpUrl` does (`https://x.com` → `https://x.com/`).
fn return_url(check: &mut Checker, url: &str) -> Option<String> {
    let path = ["return_url"];
    if url.chars().count() > MAX_URL {
        let item = check.fail(
            "url_too_long",
            &path,
            format!("URL should have at most {MAX_URL} characters"),
            json!(url),
        );
        item["ctx"] = json!({"max_length": MAX_URL});
        return None;
    }
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Some(parsed.to_string()),
        Ok(_) => {
            let item = check.fail(
                "url_scheme",
                &path,
                "URL scheme should be 'http' or 'https'",
                json!(url),
            );
            item["ctx"] = json!({"expected_schemes": "'http' or 'https'"});
            None
        }
        Err(problem) => {
            let item = check.fail(
                "url_parsing",
                &path,
                format!("Input should be a valid URL, {problem}"),
                json!(url),
            );
            item["ctx"] = json!({"error": problem.to_string()});
            None
        }
    }
}

/// A 422 business error at `["body", field]`.
fn rule_error(field: &str, msg: &str) -> Reply {
    Reply::business_error(vec![error_item(
        "value_error",
        vec![json!("body"), json!(field)],
        msg,
        Value::Null,
    )])
}
