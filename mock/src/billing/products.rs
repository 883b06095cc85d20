//! Products a test seeds into the mock ([`MockProduct`], [`MockPolar::add_product`]): the mock
//! has no product endpoints; checkouts and subscription changes refer to these.

use super::super::{MockPolar, stamp};
use serde_json::{Value, json};
use uuid::Uuid;

/// A product to seed with [`MockPolar::add_product`]: a fixed price, recurring or one-time.
///
/// # Examples
/// ```
/// use polar_client_mock::{MockPolar, MockProduct};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let polar = MockPolar::start().await?;
/// let pro = polar.add_product(MockProduct::monthly("Pro", 1900));
/// let ebook = polar.add_product(MockProduct::one_time("E-book", 900));
/// let seats = polar.add_product(MockProduct::monthly("Team", 500).seat_based());
/// assert_ne!(pro, ebook);
/// # let _ = seats;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockProduct {
    name: String,
    price_amount: i64,
    recurring_interval: Option<&'static str>,
    seat_based: bool,
    trial_days: Option<u32>,
}

impl MockProduct {
    /// A product billed every month at `price_amount` cents (USD).
    pub fn monthly(name: impl Into<String>, price_amount: i64) -> Self {
        Self {
            name: name.into(),
            price_amount,
            recurring_interval: Some("month"),
            seat_based: false,
            trial_days: None,
        }
    }

    /// A product bought once at `price_amount` cents (USD).
    pub fn one_time(name: impl Into<String>, price_amount: i64) -> Self {
        Self {
            recurring_interval: None,
            ..Self::monthly(name, price_amount)
        }
    }

    /// Priced per seat (`price_amount` per seat); its subscriptions have `seats`.
    #[must_use]
    pub fn seat_based(mut self) -> Self {
        self.seat_based = true;
        self
    }

    /// With a free trial of this many days (subscriptions start `trialing`).
    #[must_use]
    pub fn trial_days(mut self, days: u32) -> Self {
        self.trial_days = Some(days);
        self
    }
}

impl MockPolar {
    /// Seeds a product and returns its id: the `Product` Polar would return, with one fixed
    /// price (`seat_based` prices are per seat).
    ///
    /// # Examples
    /// See [`MockProduct`].
    pub fn add_product(&self, product: MockProduct) -> Uuid {
        let id = stamp::new_id();
        let now = stamp::now();
        let amount_type = if product.seat_based {
            "seat_based"
        } else {
            "fixed"
        };
        let body = json!({
            "id": id,
            "created_at": now,
            "modified_at": null,
            "name": product.name,
            "description": null,
            "organization_id": self.organization_id(),
            "is_recurring": product.recurring_interval.is_some(),
            "recurring_interval": product.recurring_interval,
            "recurring_interval_count": product.recurring_interval.map(|_| 1),
            "trial_interval": product.trial_days.map(|_| "day"),
            "trial_interval_count": product.trial_days,
            "is_archived": false,
            "metadata": {},
            "prices": [{
                "id": stamp::new_id(),
                "amount_type": amount_type,
                "price_amount": product.price_amount,
                "price_currency": "usd",
                "is_archived": false,
            }],
        });
        self.state.lock().billing.products.push(body);
        id
    }

    /// Makes every charge made during a request (a product or seat change with `invoice`
    /// proration) fail as a declined card does: `402 PaymentFailed`, nothing changed.
    pub fn decline_payments(&self, decline: bool) {
        self.state.lock().billing.decline_payments = decline;
    }

    /// Every order so far (one per charge: checkouts, `invoice` prorations), oldest first.
    pub fn orders(&self) -> Vec<Value> {
        self.state.lock().billing.orders.clone()
    }

    /// Every checkout so far, oldest first, as stored (`success_url` keeps `{CHECKOUT_ID}`).
    pub fn checkouts(&self) -> Vec<Value> {
        self.state.lock().billing.checkouts.clone()
    }
}

/// The product body with this id.
pub(crate) fn find(products: &[Value], id: Uuid) -> Option<&Value> {
    let id = id.to_string();
    products.iter().find(|p| p["id"].as_str() == Some(&id))
}

/// The product's one price amount (per seat for seat-based products).
pub(crate) fn price(product: &Value) -> i64 {
    product["prices"][0]["price_amount"].as_i64().unwrap_or(0)
}

/// Whether the product is priced per seat.
pub(crate) fn is_seat_based(product: &Value) -> bool {
    product["prices"][0]["amount_type"] == "seat_based"
}
