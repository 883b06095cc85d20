//! One customer's endpoints, by id or external id: get, state, update and delete, after the
//! path is validated and resolved to a live customer the token can see.

use super::call::{Call, customer_reply};
use super::reply::Reply;
use super::routes::CustomerPath;
use super::schema;
use super::state::{CustomerKey, Data, Miss};
use super::{query, removal, update};
use hyper::Method;

/// The detail of a customer lookup that found nothing.
const NOT_FOUND: &str = "Not found";

/// `GET`, `PATCH` or `DELETE` of `/v1/customers/{id}` or `/v1/customers/external/{external_id}`.
pub(crate) fn answer(call: &Call<'_>, customer: &CustomerPath) -> Reply {
    let key = match customer_key(customer) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let anonymize = if *call.method == Method::DELETE {
        match anonymize(call.query) {
            Ok(anonymize) => anonymize,
            Err(reply) => return reply,
        }
    } else {
        false
    };
    let mut data = call.state.lock();
    let index = match find(&data, call, &key) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    match *call.method {
        Method::PATCH => {
            let by_external_id = matches!(key, CustomerKey::External(_));
            if let Err(reply) = update::apply(&mut data, index, call.body, by_external_id) {
                return reply;
            }
            data.emit_customer(index, "customer.updated");
            customer_reply(200, &data.customers[index].body)
        }
        Method::DELETE => {
            removal::delete(&mut data, index, anonymize);
            Reply::empty(204)
        }
        _ => customer_reply(200, &data.customers[index].body),
    }
}

/// `GET …/state`: the customer with its active subscriptions, granted benefits and meters.
pub(crate) fn state(call: &Call<'_>, customer: &CustomerPath) -> Reply {
    let key = match customer_key(customer) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let data = call.state.lock();
    match find(&data, call, &key) {
        Ok(index) => customer_reply(200, &data.customers[index].state_body()),
        Err(reply) => reply,
    }
}

/// The key a customer path names: an id must be a UUID v4 (422 at `["path","id"]`).
///
/// # Errors
/// The 422 schema error of an invalid id.
pub(crate) fn customer_key(customer: &CustomerPath) -> Result<CustomerKey, Reply> {
    match customer {
        CustomerPath::External(external_id) => Ok(CustomerKey::External(external_id.clone())),
        CustomerPath::Id(raw) => schema::uuid_at(&["path", "id"], raw, true)
            .map(CustomerKey::Id)
            .map_err(|item| Reply::schema_error(vec![item])),
    }
}

/// The live customer the request names: 404 `"Not found"` when the token sees none, 500 when a
/// personal token sees several with that external id (Polar does not handle that case).
fn find(data: &Data, call: &Call<'_>, key: &CustomerKey) -> Result<usize, Reply> {
    data.find(call.identity, key).map_err(|miss| match miss {
        Miss::NotFound => Reply::resource_not_found(NOT_FOUND),
        Miss::Ambiguous => Reply::unhandled(),
    })
}

/// The `anonymize` query parameter of a delete (default `false`).
fn anonymize(raw_query: Option<&str>) -> Result<bool, Reply> {
    let mut anonymize = false;
    for (name, value) in query::pairs(raw_query).unwrap_or_default() {
        if name == "anonymize" {
            anonymize =
                query::boolean(&name, &value).map_err(|item| Reply::schema_error(vec![item]))?;
        }
    }
    Ok(anonymize)
}
