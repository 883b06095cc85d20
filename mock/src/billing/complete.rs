//! Completing a checkout as the buyer would ([`MockPolar::complete_checkout`]): the customer is
//! resolved as Polar's confirm does, then the success path of
//! `CheckoutService.handle_success` runs — subscription, paid order, webhooks in Polar's order.

use super::super::state::Data;
use super::super::stored::Stored;
use super::super::{MockPolar, customer, schema, stamp};
use super::checkouts::{past_expiry, served};
use super::orders;
use chrono::{Duration, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Who completes a checkout in [`MockPolar::complete_checkout`]: what the buyer types into
/// Polar's checkout form.
///
/// # Examples
/// ```
/// use polar_client_mock::Buyer;
///
/// let buyer = Buyer::new("jane@example.org").name("Jane Doe");
/// # let _ = buyer;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    email: String,
    name: Option<String>,
}

impl Buyer {
    /// A buyer paying with this email.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            name: None,
        }
    }

    /// The buyer's name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// What [`MockPolar::complete_checkout`] left behind.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedCheckout {
    /// The checkout, now `succeeded`.
    pub checkout: Value,
    /// The customer who paid (found or created).
    pub customer: Value,
    /// The subscription, for a recurring product.
    pub subscription: Option<Value>,
    /// The order, created already `paid`.
    pub order: Value,
}

impl MockPolar {
    /// Completes an open checkout as the buyer would, with Polar's semantics:
    ///
    /// - **which customer**: a checkout created with `customer_id` uses that customer; else the
    ///   buyer's email is looked up first (case-insensitively) and, when a customer has it, that
    ///   customer is used and the checkout's `external_customer_id` is **silently not applied**;
    ///   else, when a customer with the `external_customer_id` now exists, the completion fails
    ///   (`CheckoutCustomerExternalIdMismatch`); else a customer is created with the email and the
    ///   external id;
    /// - `customer_metadata` is merged into the customer's metadata (`customer.updated`);
    /// - a recurring product gets an `active` (or `trialing`) subscription carrying the
    ///   checkout's metadata, and an order is created already `paid`;
    /// - events in Polar's order: `checkout.updated` (confirmed), `subscription.created`,
    ///   `subscription.active`, `order.created` (status already `paid`), `order.updated`,
    ///   `order.paid`, then `checkout.updated` (`succeeded`) **last**, then
    ///   `customer.state_changed`.
    ///
    /// # Errors
    /// A description (Polar's error code first) when the checkout does not exist, is not open,
    /// has expired, or names a deleted or mismatching customer.
    ///
    /// # Examples
    /// ```
    /// use polar_client_mock::{Buyer, MockPolar, MockProduct};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = MockPolar::start().await?;
    /// let pro = mock.add_product(MockProduct::monthly("Pro", 1900));
    /// let completed = mock.subscribe(Buyer::new("jane@example.org"), pro)?;
    /// assert_eq!(completed.order["status"], "paid");
    /// assert_eq!(completed.checkout["status"], "succeeded");
    /// # Ok(())
    /// # }
    /// ```
    pub fn complete_checkout(
        &self,
        checkout_id: Uuid,
        buyer: Buyer,
    ) -> Result<CompletedCheckout, String> {
        let mut data = self.state.lock();
        complete(&mut data, self.organization_id(), checkout_id, &buyer)
    }

    /// A shortcut for tests: creates a checkout for `product` and completes it as `buyer`
    /// ([`MockPolar::complete_checkout`]), all without a client.
    ///
    /// # Errors
    /// As [`MockPolar::complete_checkout`], and when no product has this id.
    ///
    /// # Examples
    /// See [`MockPolar::complete_checkout`].
    pub fn subscribe(&self, buyer: Buyer, product: Uuid) -> Result<CompletedCheckout, String> {
        let mut data = self.state.lock();
        let Some(body) = super::products::find(&data.billing.products, product).cloned() else {
            return Err("ProductDoesNotExist".to_owned());
        };
        let now = Utc::now();
        let id = stamp::new_id();
        let checkout = json!({
            "id": id,
            "created_at": stamp::timestamp(now),
            "status": "open",
            "client_secret": format!("polar_c_{}", stamp::new_id().simple()),
            "expires_at": stamp::timestamp(now + Duration::hours(24)),
            "organization_id": self.organization_id(),
            "product_id": body["id"],
            "products": [body],
            "amount": super::products::price(&body),
            "seats": super::products::is_seat_based(&body).then_some(1),
            "currency": "usd",
            "customer_id": null,
            "external_customer_id": null,
            "customer_email": buyer.email,
            "metadata": {},
            "customer_metadata": {},
        });
        data.billing.checkouts.push(checkout);
        complete(&mut data, self.organization_id(), id, &buyer)
    }

    /// Moves a checkout's `expires_at` into the past while leaving its status `open`: what
    /// Polar's API shows until its expiry cron (every 15 minutes) runs. `false` when no checkout
    /// has this id.
    pub fn age_checkout_past_expiry(&self, checkout_id: Uuid) -> bool {
        let mut data = self.state.lock();
        let id = checkout_id.to_string();
        match data
            .billing
            .checkouts
            .iter_mut()
            .find(|c| c["id"].as_str() == Some(&id))
        {
            Some(checkout) => {
                checkout["expires_at"] = json!(stamp::timestamp(Utc::now() - Duration::minutes(5)));
                true
            }
            None => false,
        }
    }
}

/// The confirm and success paths, under one lock.
fn complete(
    data: &mut Data,
    organization_id: Uuid,
    checkout_id: Uuid,
    buyer: &Buyer,
) -> Result<CompletedCheckout, String> {
    let id = checkout_id.to_string();
    let index = data
        .billing
        .checkouts
        .iter()
        .position(|c| c["id"].as_str() == Some(&id))
        .ok_or_else(|| "ResourceNotFound: no such checkout".to_owned())?;
    let checkout = data.billing.checkouts[index].clone();
    if checkout["status"] != "open" {
        return Err(format!(
            "NotOpenCheckout: Checkout {id} is not open: {}",
            checkout["status"].as_str().unwrap_or("")
        ));
    }
    if past_expiry(&checkout) {
        return Err("ExpiredCheckoutError: the checkout has expired".to_owned());
    }
    let customer_index = resolve_customer(data, organization_id, &checkout, buyer)?;
    // customer_metadata is merged into the customer's metadata.
    if let Some(extra) = checkout["customer_metadata"]
        .as_object()
        .filter(|m| !m.is_empty())
    {
        let body = &mut data.customers[customer_index].body;
        if !body["metadata"].is_object() {
            body["metadata"] = json!({});
        }
        if let Some(metadata) = body["metadata"].as_object_mut() {
            metadata.extend(extra.clone());
        }
        body["modified_at"] = json!(stamp::now());
        data.emit_customer(customer_index, "customer.updated");
    }
    let customer_id = data.customers[customer_index].id;
    let now = Utc::now();
    {
        let stored = &mut data.billing.checkouts[index];
        stored["customer_id"] = json!(customer_id);
        stored["customer_email"] = json!(buyer.email);
        stored["status"] = json!("confirmed");
        stored["modified_at"] = json!(stamp::timestamp(now));
    }
    let confirmed = served(&data.billing.checkouts[index]);
    data.events.emit("checkout.updated", confirmed);
    let product = checkout["products"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["id"] == checkout["product_id"]))
        .cloned()
        .unwrap_or(Value::Null);
    let amount = checkout["amount"].as_i64().unwrap_or(0);
    let subscription = (product["is_recurring"] == true).then(|| {
        let trial_days = checkout["trial_interval_count"]
            .as_i64()
            .or_else(|| product["trial_interval_count"].as_i64())
            .filter(|_| checkout["allow_trial"] != false);
        let period_end = now + Duration::days(trial_days.unwrap_or(30));
        json!({
            "id": stamp::new_id(),
            "created_at": stamp::timestamp(now),
            "modified_at": null,
            "status": if trial_days.is_some() { "trialing" } else { "active" },
            "amount": amount,
            "currency": "usd",
            "recurring_interval": product["recurring_interval"],
            "recurring_interval_count": 1,
            "current_period_start": stamp::timestamp(now),
            "current_period_end": stamp::timestamp(period_end),
            "trial_start": trial_days.map(|_| stamp::timestamp(now)),
            "trial_end": trial_days.map(|_| stamp::timestamp(period_end)),
            "cancel_at_period_end": false,
            "canceled_at": null,
            "started_at": stamp::timestamp(now),
            "ends_at": null,
            "ended_at": null,
            "customer_id": customer_id,
            "product_id": product["id"],
            "discount_id": checkout["discount_id"],
            "checkout_id": checkout_id,
            "seats": checkout["seats"],
            "customer_cancellation_reason": null,
            "customer_cancellation_comment": null,
            "metadata": checkout["metadata"],
            "custom_field_data": {},
            "pending_update": null,
            "meters": [],
        })
    });
    if let Some(subscription) = &subscription {
        data.customers[customer_index]
            .subscriptions
            .push(subscription.clone());
        data.events
            .emit("subscription.created", subscription.clone());
        data.events
            .emit("subscription.active", subscription.clone());
    }
    let paid = if subscription
        .as_ref()
        .is_some_and(|s| s["status"] == "trialing")
    {
        0
    } else {
        amount
    };
    let mut order = orders::render(
        json!(customer_id),
        product["id"].clone(),
        subscription
            .as_ref()
            .map_or(Value::Null, |s| s["id"].clone()),
        json!(checkout_id),
        paid,
        if subscription.is_some() {
            "subscription_create"
        } else {
            "purchase"
        },
    );
    order["metadata"] = checkout["metadata"].clone();
    data.billing.orders.push(order.clone());
    data.events.emit("order.created", order.clone());
    data.events.emit("order.updated", order.clone());
    data.events.emit("order.paid", order.clone());
    {
        let stored = &mut data.billing.checkouts[index];
        stored["status"] = json!("succeeded");
        stored["subscription_id"] = subscription
            .as_ref()
            .map_or(Value::Null, |s| s["id"].clone());
    }
    let succeeded = served(&data.billing.checkouts[index]);
    data.events.emit("checkout.updated", succeeded.clone());
    data.emit_state_changed(customer_index);
    Ok(CompletedCheckout {
        checkout: succeeded,
        customer: data.customers[customer_index].body.clone(),
        subscription,
        order,
    })
}

/// Which customer pays, as Polar's confirm decides (see [`MockPolar::complete_checkout`]).
fn resolve_customer(
    data: &mut Data,
    organization_id: Uuid,
    checkout: &Value,
    buyer: &Buyer,
) -> Result<usize, String> {
    let live = |stored: &Stored| !stored.deleted && stored.organization_id == organization_id;
    if let Some(id) = checkout["customer_id"].as_str() {
        return data
            .customers
            .iter()
            .position(|s| s.id.to_string() == id && live(s))
            .ok_or_else(|| {
                "CheckoutCustomerDeleted: the checkout's customer was deleted".to_owned()
            });
    }
    let email = buyer.email.to_lowercase();
    if let Some(index) = data
        .customers
        .iter()
        .position(|s| live(s) && s.email_key().as_deref() == Some(email.as_str()))
    {
        // The external id, if any, is silently not applied.
        return Ok(index);
    }
    let external_id = checkout["external_customer_id"].as_str().map(str::to_owned);
    if let Some(external_id) = &external_id
        && data
            .customers
            .iter()
            .any(|s| live(s) && s.external_id() == Some(external_id.as_str()))
    {
        return Err("CheckoutCustomerExternalIdMismatch: A customer with this external ID already exists but with a different email address.".to_owned());
    }
    let mut fields = Map::new();
    fields.insert("email".to_owned(), json!(buyer.email));
    if let Some(name) = &buyer.name {
        fields.insert("name".to_owned(), json!(name));
    }
    if let Some(external_id) = &external_id {
        fields.insert("external_id".to_owned(), json!(external_id));
    }
    let new = schema::validate(&Value::Object(fields))
        .map_err(|items| format!("RequestValidationError: {}", Value::Array(items)))?;
    let id = stamp::new_id();
    let body = customer::render(&new, id, organization_id, None);
    data.customers.push(Stored {
        id,
        organization_id,
        deleted: false,
        body,
        members: Vec::new(),
        subscriptions: Vec::new(),
        benefits: Vec::new(),
        meters: Vec::new(),
    });
    let index = data.customers.len() - 1;
    data.emit_customer(index, "customer.created");
    Ok(index)
}
