//! Changing an order's billing details (`orders:update`).

use std::future::Future;

use reqwest::Method;
use serde::Serialize;

use super::model::Order;
use super::{Orders, path_of};
use crate::address::NewAddress;
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::OrderId;
use crate::ids::checked_uuid;

/// The billing details of an order, for [`Orders::update_billing_details`]: only what is set is
/// sent. Polar replaces the whole address, and once an order has an address its country and
/// state may not change.
///
/// ```
/// use polar_client::{BillingDetails, Country, NewAddress};
///
/// let details = BillingDetails::new()
///     .name("Acme Inc.")
///     .address(NewAddress::new(Country::US).line1("1 Main Street").state("NY"));
/// # let _ = details;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[must_use]
pub struct BillingDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_address: Option<NewAddress>,
}

impl BillingDetails {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The name on the invoice.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.billing_name = Some(name.into());
        self
    }

    /// The address on the invoice (replaces the whole address).
    pub fn address(mut self, address: impl Into<NewAddress>) -> Self {
        self.billing_address = Some(address.into());
        self
    }
}

impl Orders {
    /// Sets the name and/or address an order's invoice shows. The same details again change
    /// nothing, so failures that may pass are re-sent. Generate the invoice again afterwards
    /// ([`Orders::generate_invoice`]): the old one no longer matches.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use polar_client::BillingDetails;
    ///
    /// let order = polar
    ///     .orders()
    ///     .update_billing_details("7d1f0c8e-2b3a-4c5d-8e9f-0a1b2c3d4e5f", BillingDetails::new().name("Acme"))
    ///     .await?;
    /// # let _ = order;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID or nothing is set;
    /// [`Error::Validation`] at `billing_address.country` / `billing_address.state` when the
    /// order's address would move to another country or state; otherwise every failure of
    /// [`Error`].
    pub fn update_billing_details<I: Into<OrderId>>(
        &self,
        id: I,
        details: BillingDetails,
    ) -> impl Future<Output = Result<Order, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: OrderId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            if details == BillingDetails::default() {
                return Err(Error::InvalidInput {
                    problems: vec![crate::validate::InputProblem::new(
                        "billing_name",
                        "nothing to change: set a name or an address.",
                    )],
                });
            }
            let api = this.core.api();
            let path = path_of(&id, "");
            let request = Request {
                operation_id: "orders_update",
                method: Method::PATCH,
                path: &path,
                query: &[],
                body: Some(&details),
                success: 200,
            };
            this.core
                .run(Operation::replayable("orders:update", 200), || {
                    send(api, &request)
                })
                .await
                .result
                .map_err(|e| e.looking_for(|| format!("order {id}")))
        }
    }
}
