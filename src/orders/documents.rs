//! An order's invoice and receipt (`orders:generate_invoice`, `orders:invoice`,
//! `orders:receipt`): generation is asynchronous on Polar's side, so these calls poll, within the
//! call's overall deadline.

use std::future::Future;

use reqwest::Method;
use tokio::time::Instant;
use uuid::Uuid;

use super::model::DocumentUrl;
use super::{Orders, path_of};
use crate::core::request::{Request, send};
use crate::core::run::{Operation, run_within, time_left, wait_within};
use crate::error::Error;
use crate::id::OrderId;
use crate::ids::checked_uuid;

impl Orders {
    /// Generates the order's invoice and waits for it: `POST …/invoice` (Polar answers `202` and
    /// renders it in the background), then `GET …/invoice` until it exists, with the retry
    /// policy's backoff, all within the policy's
    /// [`overall_deadline`](crate::RetryPolicy::overall_deadline).
    ///
    /// Asking again is harmless (Polar does nothing when the invoice matches the order), so
    /// failures that may pass are re-sent.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// let invoice = polar.orders().generate_invoice("7d1f0c8e-2b3a-4c5d-8e9f-0a1b2c3d4e5f").await?;
    /// println!("download from {}", invoice.url());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent); [`Error::RequestRejected`] with status 422
    /// (`MissingInvoiceBillingDetails`: set them with
    /// [`Orders::update_billing_details`]) or 409 (`OrderNotEligibleForInvoice`: a draft or void
    /// order); [`Error::NotFound`] naming the invoice when it was not ready within the deadline
    /// (it is still being generated: ask again later with [`Orders::invoice`]); otherwise every
    /// failure of [`Error`].
    pub fn generate_invoice<I: Into<OrderId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<DocumentUrl, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: OrderId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            let api = this.core.api();
            let path = path_of(&id, "/invoice");
            let request = Request {
                operation_id: "orders_generate_invoice",
                method: Method::POST,
                path: &path,
                query: &[],
                body: None::<&()>,
                // Polar answers 202 with an empty body; that arrives as an unlisted success and
                // decodes as `()`.
                success: 204,
            };
            let finished = this
                .core
                .run(
                    Operation::replayable("orders:generate_invoice", 202),
                    || send::<(), ()>(api, &request),
                )
                .await;
            finished
                .result
                .map_err(|e| e.looking_for(|| format!("order {id}")))?;
            this.poll_document(&id, "/invoice", "orders:invoice", finished.started)
                .await
        }
    }

    /// The order's invoice, if it has been generated.
    ///
    /// # Errors
    /// [`Error::NotFound`] when no invoice exists yet (`InvoiceDoesNotExist`) or no such order;
    /// otherwise every failure of [`Error`].
    pub fn invoice<I: Into<OrderId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<DocumentUrl, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: OrderId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            this.read_document(&id, "/invoice", "orders:invoice", None)
                .await
                .and_then(|found| found.ok_or_else(|| not_ready(&id, "invoice")))
        }
    }

    /// The order's receipt, polled while Polar renders it (`202`), within the overall deadline.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the order never got a receipt (`ReceiptNotAllocated`: it was never
    /// paid) or the receipt was not rendered within the deadline; otherwise every failure of
    /// [`Error`].
    pub fn receipt<I: Into<OrderId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<DocumentUrl, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: OrderId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            this.poll_document(&id, "/receipt", "orders:receipt", Instant::now())
                .await
        }
    }

    /// Reads a document until it exists (a `404` for an invoice, an empty `202` for a receipt,
    /// mean "not yet"), waiting the policy's backoff between reads, within the overall deadline
    /// of the call that started at `started`.
    async fn poll_document(
        &self,
        id: &Uuid,
        tail: &'static str,
        name: &'static str,
        started: Instant,
    ) -> Result<DocumentUrl, Error> {
        let state = self.core.state();
        let policy = state.retry;
        let mut round = 1;
        loop {
            if time_left(state, started).is_zero() {
                return Err(not_ready(id, &tail[1..]));
            }
            let found = match self.read_document(id, tail, name, Some(started)).await {
                Ok(found) => found,
                Err(Error::NotFound { message, .. })
                    if tail == "/invoice" && message.contains("No invoice") =>
                {
                    None
                }
                Err(error) => return Err(error),
            };
            if let Some(document) = found {
                return Ok(document);
            }
            round += 1;
            if !wait_within(state, started, policy.backoff_before(round.min(8))).await {
                return Err(not_ready(id, &tail[1..]));
            }
        }
    }

    /// One read of a document through the retry loop: `Some` when it exists, `None` for an
    /// empty `202` (still rendering).
    async fn read_document(
        &self,
        id: &Uuid,
        tail: &str,
        name: &'static str,
        within: Option<Instant>,
    ) -> Result<Option<DocumentUrl>, Error> {
        let api = self.core.api();
        let path = path_of(id, tail);
        let request = Request::get("orders_document", &path, &[]);
        run_within(self.core.state(), Operation::read(name), within, || {
            send::<Option<DocumentUrl>, ()>(api, &request)
        })
        .await
        .result
    }
}

/// The error of a document not available (yet).
fn not_ready(id: &Uuid, what: &str) -> Error {
    Error::NotFound {
        resource: Some(format!("{what} of order {id}")),
        message: format!("the {what} is not ready yet; it is still being generated"),
        request_id: None,
    }
}
