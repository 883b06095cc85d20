//! Creating a checkout session (`checkouts:create`).

use std::future::Future;

use reqwest::Method;

use super::Checkouts;
use super::model::Checkout;
use super::new::NewCheckout;
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;

impl Checkouts {
    /// Creates a checkout session; send the buyer to [`Checkout::url`].
    ///
    /// The checkout is checked first; nothing is sent when it breaks a rule seen here.
    ///
    /// **Retries.** Polar does not deduplicate checkouts: every create makes a new one. A create
    /// costs nothing and charges no one, so failures that may pass (timeouts, lost connections,
    /// 5xx, 429) are re-sent; when an earlier attempt's answer was lost, that attempt leaves a
    /// **spare open checkout** nobody is sent to, which expires after 24 hours — harmless, but do
    /// not count checkouts as orders. To find yours, put a correlation ID in
    /// [`NewCheckout::metadata`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client_mock::MockProduct;
    /// use polar_client::{CheckoutStatus, NewCheckout};
    ///
    /// let pro = mock.add_product(MockProduct::monthly("Pro", 1900));
    /// let checkout = polar
    ///     .checkouts()
    ///     .create(
    ///         NewCheckout::new([pro])
    ///             .for_external_customer("usr_7", "jane@example.org")
    ///             .success_url("https://example.org/thanks?c={CHECKOUT_ID}"),
    ///     )
    ///     .await?;
    /// assert_eq!(checkout.status(), &CheckoutStatus::Open);
    /// assert_eq!(
    ///     checkout.success_url(),
    ///     Some(format!("https://example.org/thanks?c={}", checkout.id()).as_str())
    /// );
    /// println!("send the buyer to {}", checkout.url().unwrap_or_default());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for no products, repeated or malformed IDs, an
    /// invalid email, a success URL that is not absolute http(s), seats or trial out of range;
    /// [`Error::Validation`] for what Polar refuses (a product that does not exist, is archived
    /// or not seat-based, a customer ID that does not exist, …); otherwise every failure of
    /// [`Error`].
    pub fn create(
        &self,
        checkout: NewCheckout,
    ) -> impl Future<Output = Result<Checkout, Error>> + Send + 'static + use<> {
        let this = self.clone();
        async move {
            checkout
                .problems()
                .map_err(|problems| Error::InvalidInput { problems })?;
            let api = this.core.api();
            let request = Request {
                operation_id: "checkouts_create",
                method: Method::POST,
                path: "/v1/checkouts/",
                query: &[],
                body: Some(&checkout),
                success: 201,
            };
            this.core
                .run(Operation::replayable("checkouts:create", 201), || {
                    send(api, &request)
                })
                .await
                .result
        }
    }
}
