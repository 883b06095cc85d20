//! Customer members (`/v1/customers/{id}/members[/{member_id}]` and the external-id variants):
//! the organization's member feature, one member for individuals, create idempotent by email,
//! ownership transfer, the only-owner rules, and `member.*` events.

use super::call::Call;
use super::customers::customer_key;
use super::reply::{Reply, error_item};
use super::routes::CustomerPath;
use super::schema::{self, Checker, MAX_NAME};
use super::stamp;
use super::state::{CustomerKey, Data, Miss};
use super::stored::new_member;
use hyper::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// The roles a member can be created with (`owner` only comes with the customer or a transfer).
const CREATE_ROLES: [&str; 2] = ["member", "billing_manager"];
/// pydantic's wording of [`CREATE_ROLES`].
const CREATE_ROLES_EXPECTED: &str =
    "<MemberRole.member: 'member'> or <MemberRole.billing_manager: 'billing_manager'>";
/// Every role.
const ROLES: [&str; 3] = ["owner", "billing_manager", "member"];
/// pydantic's wording of [`ROLES`].
const ROLES_EXPECTED: &str = "<MemberRole.owner: 'owner'>, <MemberRole.billing_manager: 'billing_manager'> or <MemberRole.member: 'member'>";
/// The detail of a member lookup that found nothing.
const MEMBER_NOT_FOUND: &str = "Member not found";

/// `POST …/members`: 201 with the new member, or with the existing one of the same email.
pub(crate) fn create(call: &Call<'_>, customer: &CustomerPath) -> Reply {
    let key = match customer_key(customer) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let new = match read_create(call.body) {
        Ok(new) => new,
        Err(items) => return Reply::schema_error(items),
    };
    let mut data = call.state.lock();
    let index = match find_customer(&data, call, &key, "Customer not found") {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    if !call.state.features.members() {
        return Reply::not_permitted("Member management is not enabled for this organization");
    }
    let stored = &mut data.customers[index];
    if !stored.is_team() && !stored.members.is_empty() {
        return Reply::not_permitted(
            "Individual customers can only have one member (the owner). Upgrade to a team customer to add more members.",
        );
    }
    let wanted = new.email.trim().to_lowercase();
    if let Some(existing) = stored
        .members
        .iter()
        .find(|member| member["email"].as_str().map(str::to_lowercase) == Some(wanted.clone()))
    {
        return Reply::json(201, existing);
    }
    if new.external_id.is_some()
        && stored
            .members
            .iter()
            .any(|member| member["external_id"].as_str() == new.external_id.as_deref())
    {
        return Reply::unhandled();
    }
    let member = new_member(
        stored.id,
        Some(new.email.trim().to_owned()),
        new.name,
        new.external_id,
        new.role,
    );
    stored.members.push(member.clone());
    data.events.emit("member.created", member.clone());
    Reply::json(201, &member)
}

/// `GET`, `PATCH` or `DELETE` of one member, by member id or member external id.
pub(crate) fn answer(call: &Call<'_>, customer: &CustomerPath, member: &str) -> Reply {
    let (key, member_key) = match member_keys(customer, member) {
        Ok(keys) => keys,
        Err(reply) => return reply,
    };
    let mut data = call.state.lock();
    let index = match find_customer(&data, call, &key, MEMBER_NOT_FOUND) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    let stored = &data.customers[index];
    let Some(position) = stored
        .members
        .iter()
        .position(|candidate| match &member_key {
            MemberKey::Id(id) => candidate["id"] == json!(id),
            MemberKey::External(external_id) => candidate["external_id"] == json!(external_id),
        })
    else {
        return Reply::resource_not_found(MEMBER_NOT_FOUND);
    };
    match *call.method {
        Method::PATCH => update(&mut data, index, position, call.body),
        Method::DELETE => delete(&mut data, index, position),
        _ => Reply::json(200, &stored.members[position]),
    }
}

/// How a path names a member.
enum MemberKey {
    Id(Uuid),
    External(String),
}

/// The customer and member keys of a member path; by id, both ids are validated together (the
/// customer's as a UUID v4, the member's as any UUID).
fn member_keys(customer: &CustomerPath, member: &str) -> Result<(CustomerKey, MemberKey), Reply> {
    match customer {
        CustomerPath::External(external_id) => Ok((
            CustomerKey::External(external_id.clone()),
            MemberKey::External(member.to_owned()),
        )),
        CustomerPath::Id(raw) => {
            match (
                schema::uuid_at(&["path", "id"], raw, true),
                schema::uuid_at(&["path", "member_id"], member, false),
            ) {
                (Ok(id), Ok(member_id)) => Ok((CustomerKey::Id(id), MemberKey::Id(member_id))),
                (id, member_id) => Err(Reply::schema_error(
                    [id.err(), member_id.err()].into_iter().flatten().collect(),
                )),
            }
        }
    }
}

/// The live customer of a member request: 404 with `detail` when the token sees none, 409 when a
/// personal token sees several with that external id.
fn find_customer(
    data: &Data,
    call: &Call<'_>,
    key: &CustomerKey,
    detail: &str,
) -> Result<usize, Reply> {
    data.find(call.identity, key).map_err(|miss| match miss {
        Miss::NotFound => Reply::resource_not_found(detail),
        Miss::Ambiguous => Reply::ambiguous_external_customer_id(),
    })
}

/// A `MemberCreate` body that passed schema validation.
struct NewMember {
    email: String,
    name: Option<String>,
    external_id: Option<String>,
    role: &'static str,
}

/// The `MemberCreate` body: email (required), name, external id and role (default `member`).
fn read_create(body: &Value) -> Result<NewMember, Vec<Value>> {
    let fields = schema::object_body(body)?;
    let mut check = Checker::new(&["body"]);
    let email = match fields.get("email") {
        None => {
            check.fail("missing", &["email"], "Field required", body.clone());
            None
        }
        value => check.email(&["email"], value, false),
    };
    let name = check.text(&["name"], fields.get("name"), Some(MAX_NAME));
    let external_id = check.text(&["external_id"], fields.get("external_id"), None);
    let role = check.one_of(
        &["role"],
        fields.get("role"),
        &CREATE_ROLES,
        CREATE_ROLES_EXPECTED,
    );
    // A missing or invalid email has recorded its error, so the default is never used.
    let email = email.unwrap_or_default();
    check.finish(NewMember {
        email,
        name,
        external_id,
        role: role.unwrap_or("member"),
    })
}

/// `PATCH` of a member: name, email and role (`null`, absent and an empty name leave a field);
/// `role: "owner"` transfers ownership. Records `member.updated` for the member when something
/// changed (for a transfer, only the promoted member).
fn update(data: &mut Data, index: usize, position: usize, body: &Value) -> Reply {
    let fields = match schema::object_body(body) {
        Ok(fields) => fields,
        Err(items) => return Reply::schema_error(items),
    };
    let mut check = Checker::new(&["body"]);
    let name = check.text(&["name"], fields.get("name"), Some(MAX_NAME));
    let email = match fields.get("email") {
        None | Some(Value::Null) => None,
        value => check.email(&["email"], value, false),
    };
    let role = check.one_of(&["role"], fields.get("role"), &ROLES, ROLES_EXPECTED);
    if let Err(items) = check.finish(()) {
        return Reply::schema_error(items);
    }
    let stored = &mut data.customers[index];
    let member = &stored.members[position];
    let is_owner = member["role"] == "owner";
    let mut errors = Vec::new();
    if role.is_some_and(|role| role != "owner") && is_owner {
        errors.push(error_item(
            "value_error",
            vec![json!("body"), json!("role")],
            "Cannot change role. Customer must have exactly one owner.",
            json!(role),
        ));
    }
    let email = email.filter(|email| member["email"].as_str() != Some(email.as_str()));
    if let Some(email) = &email {
        let message = if !stored.is_team() {
            Some(
                "Cannot change the email of an individual customer's owner. Update the customer's email instead.",
            )
        } else if stored.members.iter().enumerate().any(|(other, candidate)| {
            other != position
                && candidate["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase())
        }) {
            Some("A member with this email already exists for this customer.")
        } else {
            None
        };
        if let Some(message) = message {
            errors.push(error_item(
                "value_error",
                vec![json!("body"), json!("email")],
                message,
                json!(email),
            ));
        }
    }
    if !errors.is_empty() {
        return Reply::business_error(errors);
    }
    let promote = role == Some("owner") && !is_owner;
    if promote {
        for other in stored
            .members
            .iter_mut()
            .filter(|other| other["role"] == "owner")
        {
            other["role"] = json!("billing_manager");
            other["modified_at"] = json!(stamp::now());
        }
    }
    let member = &mut stored.members[position];
    let mut changed = false;
    let mut set = |field: &str, value: Option<String>| {
        if let Some(value) = value
            && member[field] != json!(value)
        {
            member[field] = json!(value);
            changed = true;
        }
    };
    set("name", name);
    set("email", email);
    set("role", role.map(str::to_owned));
    if changed {
        member["modified_at"] = json!(stamp::now());
    }
    let member = member.clone();
    if changed {
        data.events.emit("member.updated", member.clone());
    }
    Reply::json(200, &member)
}

/// `DELETE` of a member: 204 and `member.deleted`, unless it is the only owner.
fn delete(data: &mut Data, index: usize, position: usize) -> Reply {
    let members = &mut data.customers[index].members;
    if members[position]["role"] == "owner" {
        return Reply::business_error(vec![error_item(
            "value_error",
            vec![json!("body")],
            "Cannot delete the only owner. Transfer ownership first.",
            Value::Null,
        )]);
    }
    let member = members.remove(position);
    data.events.emit("member.deleted", member);
    Reply::empty(204)
}
