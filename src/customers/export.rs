//! Exporting every customer at once (`customers:export`): Polar's CSV of all live customers, in
//! one request, with no paging.

use std::future::Future;

use super::Customers;
use crate::core::request::{Request, send_raw};
use crate::core::run::Operation;
use crate::error::Error;

impl Customers {
    /// Every live customer of the organization, as Polar's CSV export (`text/csv`, UTF-8, one
    /// header row): one request, no paging, so nothing is skipped or repeated the way a walk
    /// over pages can be while customers change — the way to get every customer at once.
    ///
    /// Polar's columns: `ID`, `External ID`, `Created At` (ISO 8601 with `+00:00`), `Email`,
    /// `Name`, `Tax ID`, the billing address (`Billing Address Line 1`, …, `Country`) and
    /// `Metadata` (a JSON object as text). The body is read whole, within the client's response
    /// size limit ([`PolarBuilder::max_response_bytes`](crate::PolarBuilder::max_response_bytes));
    /// raise it for a large organization. A read, retried like [`Customers::get`].
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// let csv = polar.customers().export().await?;
    /// let rows = csv.split(|&byte| byte == b'\n').filter(|line| !line.is_empty()).count();
    /// println!("{} customers", rows.saturating_sub(1));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::ResponseTooLarge`] when the CSV exceeds the response size limit; otherwise the
    /// errors of [`Customers::get`] but [`Error::NotFound`].
    pub fn export(&self) -> impl Future<Output = Result<Vec<u8>, Error>> + Send + 'static + use<> {
        let core = self.core.clone();
        async move {
            let api = core.api();
            let request = Request::get("customers_export", "/v1/customers/export", &[]);
            let csv = core
                .run(Operation::read("customers:export"), || {
                    send_raw(api, &request, "text/csv")
                })
                .await
                .result?;
            Ok(csv.0.to_vec())
        }
    }
}
