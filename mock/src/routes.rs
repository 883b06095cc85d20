//! Routing as Polar's server does it: the path is percent-decoded first (so `%2F` splits
//! segments), parameters are whole non-empty segments, a path that matches with the wrong method
//! is 405, and a miss whose slash-toggled twin matches is a 307 to it.

use super::query::percent_decode;
use hyper::Method;

/// How a path names a customer, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CustomerPath {
    /// `/v1/customers/{id}`: the raw id, validated as a UUID v4 later.
    Id(String),
    /// `/v1/customers/external/{external_id}`.
    External(String),
}

/// An endpoint of the API, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/v1/customers/`: list (GET) and create (POST).
    Customers,
    /// `/v1/customer-sessions/`: create (POST).
    Sessions,
    /// One customer: get, update, delete.
    Customer(CustomerPath),
    /// `…/state`: the customer state.
    State(CustomerPath),
    /// `…/members`: create a member.
    Members(CustomerPath),
    /// `…/members/{member_id or member_external_id}`: get, update, delete a member.
    Member(CustomerPath, String),
    /// `/v1/events/ingest`: ingest usage events (POST).
    EventsIngest,
    /// `/v1/events/`: list usage events (GET).
    Events,
    /// `/v1/events/{id}`: get a usage event.
    Event(String),
    /// `/v1/meters/`: list meters (GET).
    Meters,
    /// `/v1/meters/{id}`: get a meter.
    Meter(String),
    /// `/v1/meters/{id}/quantities`.
    MeterQuantities(String),
    /// `/v1/customer-meters/`: list customer meters.
    CustomerMeters,
    /// `/v1/customer-meters/{id}`.
    CustomerMeter(String),
    /// `/v1/subscriptions/`: list.
    Subscriptions,
    /// `/v1/subscriptions/{id}`: get, update, revoke.
    Subscription(String),
    /// `/v1/checkouts/`: list and create.
    Checkouts,
    /// `/v1/checkouts/{id}`: get, update.
    Checkout(String),
    /// `/v1/orders/`: list.
    Orders,
    /// `/v1/orders/{id}`: get, update.
    Order(String),
    /// `/v1/orders/{id}/invoice`: generate (POST), get.
    OrderInvoice(String),
    /// `/v1/orders/{id}/receipt`: get.
    OrderReceipt(String),
}

impl Endpoint {
    /// The methods this endpoint answers.
    fn methods(&self) -> &'static [Method] {
        match self {
            Self::Customers => &[Method::GET, Method::POST],
            Self::Sessions | Self::Members(_) | Self::EventsIngest => &[Method::POST],
            Self::State(_)
            | Self::Events
            | Self::Event(_)
            | Self::Meters
            | Self::Meter(_)
            | Self::MeterQuantities(_)
            | Self::CustomerMeters
            | Self::CustomerMeter(_) => &[Method::GET],
            Self::Customer(_) | Self::Member(..) | Self::Subscription(_) => {
                &[Method::GET, Method::PATCH, Method::DELETE]
            }
            Self::Subscriptions | Self::Orders => &[Method::GET],
            Self::Checkouts => &[Method::GET, Method::POST],
            Self::Checkout(_) => &[Method::GET, Method::PATCH],
            Self::Order(_) => &[Method::GET, Method::PATCH],
            Self::OrderInvoice(_) => &[Method::GET, Method::POST],
            Self::OrderReceipt(_) => &[Method::GET],
        }
    }
}

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Routing {
    /// To this endpoint.
    Found(Endpoint),
    /// The path exists, not for this method: 405 with these methods in `Allow`.
    MethodNotAllowed(&'static [Method]),
    /// 307 to this raw path (the request's path with its trailing slash toggled).
    Redirect(String),
    /// 404 `{"detail":"Not Found"}`.
    NotFound,
}

/// Routes a request by method and raw (still percent-encoded) path.
pub(crate) fn resolve(method: &Method, raw_path: &str) -> Routing {
    match endpoint(raw_path) {
        Some(endpoint) if endpoint.methods().contains(method) => Routing::Found(endpoint),
        Some(endpoint) => Routing::MethodNotAllowed(endpoint.methods()),
        None => {
            let toggled = match raw_path.strip_suffix('/') {
                Some(unslashed) => unslashed.to_owned(),
                None => format!("{raw_path}/"),
            };
            if endpoint(&toggled).is_some() {
                Routing::Redirect(toggled)
            } else {
                Routing::NotFound
            }
        }
    }
}

/// The endpoint a raw path names, if any.
fn endpoint(raw_path: &str) -> Option<Endpoint> {
    let path = percent_decode(raw_path)?;
    let rest = path.strip_prefix("/v1/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        ["customers", ""] => Some(Endpoint::Customers),
        ["customer-sessions", ""] => Some(Endpoint::Sessions),
        ["events", "ingest"] => Some(Endpoint::EventsIngest),
        ["events", ""] => Some(Endpoint::Events),
        ["events", id] => Some(Endpoint::Event(param(id)?)),
        ["meters", ""] => Some(Endpoint::Meters),
        ["meters", id] => Some(Endpoint::Meter(param(id)?)),
        ["meters", id, "quantities"] => Some(Endpoint::MeterQuantities(param(id)?)),
        ["customer-meters", ""] => Some(Endpoint::CustomerMeters),
        ["customer-meters", id] => Some(Endpoint::CustomerMeter(param(id)?)),
        ["subscriptions", ""] => Some(Endpoint::Subscriptions),
        ["subscriptions", id] => Some(Endpoint::Subscription(param(id)?)),
        ["checkouts", ""] => Some(Endpoint::Checkouts),
        ["checkouts", id] => Some(Endpoint::Checkout(param(id)?)),
        ["orders", ""] => Some(Endpoint::Orders),
        ["orders", id] => Some(Endpoint::Order(param(id)?)),
        ["orders", id, "invoice"] => Some(Endpoint::OrderInvoice(param(id)?)),
        ["orders", id, "receipt"] => Some(Endpoint::OrderReceipt(param(id)?)),
        ["customers", "external", external_id, tail @ ..] => {
            customer_endpoint(CustomerPath::External(param(external_id)?), tail)
        }
        ["customers", id, tail @ ..] => customer_endpoint(CustomerPath::Id(param(id)?), tail),
        _ => None,
    }
}

/// The endpoint under a customer's path.
fn customer_endpoint(customer: CustomerPath, tail: &[&str]) -> Option<Endpoint> {
    match tail {
        [] => Some(Endpoint::Customer(customer)),
        ["state"] => Some(Endpoint::State(customer)),
        ["members"] => Some(Endpoint::Members(customer)),
        ["members", member] => Some(Endpoint::Member(customer, param(member)?)),
        _ => None,
    }
}

/// A path parameter: a whole, non-empty segment.
fn param(segment: &str) -> Option<String> {
    (!segment.is_empty()).then(|| segment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_like_polars_router() {
        let id = || CustomerPath::Id("abc".to_owned());
        let external = |x: &str| CustomerPath::External(x.to_owned());
        let cases = [
            (
                Method::GET,
                "/v1/customers/",
                Routing::Found(Endpoint::Customers),
            ),
            (
                Method::POST,
                "/v1/customers",
                Routing::Redirect("/v1/customers/".to_owned()),
            ),
            (
                Method::GET,
                "/v1/customers/abc",
                Routing::Found(Endpoint::Customer(id())),
            ),
            (
                Method::GET,
                "/v1/customers/abc/",
                Routing::Redirect("/v1/customers/abc".to_owned()),
            ),
            (
                Method::GET,
                "/v1/customers/abc/state",
                Routing::Found(Endpoint::State(id())),
            ),
            (
                Method::GET,
                "/v1/customers/external/abc%2Fstate",
                Routing::Found(Endpoint::State(external("abc"))),
            ),
            (
                Method::GET,
                "/v1/customers/external/a%2Fb",
                Routing::NotFound,
            ),
            (
                Method::GET,
                "/v1/customers/external/",
                Routing::Redirect("/v1/customers/external".to_owned()),
            ),
            (
                Method::GET,
                "/v1/customers/external",
                Routing::Found(Endpoint::Customer(CustomerPath::Id("external".to_owned()))),
            ),
            (
                Method::PATCH,
                "/v1/customers/external/x%20y/members/m",
                Routing::Found(Endpoint::Member(external("x y"), "m".to_owned())),
            ),
            (
                Method::DELETE,
                "/v1/customers/",
                Routing::MethodNotAllowed(&[Method::GET, Method::POST]),
            ),
            (Method::GET, "/v1/products/", Routing::NotFound),
            (Method::GET, "/v1/customers//state", Routing::NotFound),
        ];
        for (method, path, expected) in cases {
            assert_eq!(resolve(&method, path), expected, "{method} {path}");
        }
    }
}
