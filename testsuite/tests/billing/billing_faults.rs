//! The fault matrix of the billing writes other than subscription updates (those are in
//! `billing_subscriptions.rs`): checkout create, checkout update, order billing details, invoice
//! generation × each fault that may land (lost answer after commit, 504 after commit, 503, reset
//! before commit, 429 with a long Retry-After). The result is true of the mock's final state, and
//! nothing is charged.

use crate::support;

use std::time::Duration;

use polar_client::{BillingDetails, CheckoutUpdate, Error, NewCheckout, Polar};
use polar_client_mock::{Buyer, Fault, Method, MockPolar, MockProduct, Uuid};
use support::{client, mock_with_secret};

#[derive(Clone, Copy, Debug)]
enum Write {
    CreateCheckout,
    UpdateCheckout,
    OrderBillingName,
    GenerateInvoice,
}

struct World {
    mock: MockPolar,
    polar: Polar,
    checkout: String,
    order: String,
    pro: Uuid,
}

async fn world() -> World {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let pro = mock.add_product(MockProduct::one_time("Book", 900));
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]))
        .await
        .unwrap();
    let done = mock.subscribe(Buyer::new("jane@example.org"), pro).unwrap();
    // The order has billing details, so an invoice can be generated.
    let order = done.order["id"].as_str().unwrap().to_owned();
    polar
        .orders()
        .update_billing_details(
            &order,
            BillingDetails::new()
                .name("Jane")
                .address(polar_client::NewAddress::new(polar_client::Country::US)),
        )
        .await
        .unwrap();
    World {
        checkout: checkout.id().to_string(),
        order,
        mock,
        polar,
        pro,
    }
}

impl Write {
    fn target(self) -> (Method, &'static str) {
        match self {
            Self::CreateCheckout => (Method::POST, "/v1/checkouts/"),
            Self::UpdateCheckout => (Method::PATCH, "/v1/checkouts/"),
            Self::OrderBillingName => (Method::PATCH, "/v1/orders/"),
            Self::GenerateInvoice => (Method::POST, "/v1/orders/"),
        }
    }

    /// Runs the write; `Ok` carries the ID of what it made or changed.
    async fn run(self, w: &World) -> Result<String, Error> {
        match self {
            Self::CreateCheckout => w
                .polar
                .checkouts()
                .create(NewCheckout::new([w.pro]).metadata("ref", "matrix"))
                .await
                .map(|c| c.id().to_string()),
            Self::UpdateCheckout => w
                .polar
                .checkouts()
                .update(&w.checkout, CheckoutUpdate::new().metadata("step", "2"))
                .await
                .map(|c| c.id().to_string()),
            Self::OrderBillingName => w
                .polar
                .orders()
                .update_billing_details(&w.order, BillingDetails::new().name("Acme"))
                .await
                .map(|o| o.id().to_string()),
            Self::GenerateInvoice => w
                .polar
                .orders()
                .generate_invoice(&w.order)
                .await
                .map(|d| d.url().to_owned()),
        }
    }

    /// Whether the mock's state shows the write.
    fn shows(self, w: &World, made: Option<&str>) -> bool {
        match self {
            Self::CreateCheckout => {
                w.mock.checkouts().iter().any(|c| {
                    c["metadata"]["ref"] == "matrix" && made.is_none_or(|id| c["id"] == id)
                })
            }
            Self::UpdateCheckout => w
                .mock
                .checkouts()
                .iter()
                .any(|c| c["id"] == w.checkout.as_str() && c["metadata"]["step"] == "2"),
            Self::OrderBillingName => w
                .mock
                .orders()
                .iter()
                .any(|o| o["id"] == w.order.as_str() && o["billing_name"] == "Acme"),
            Self::GenerateInvoice => w
                .mock
                .orders()
                .iter()
                .any(|o| o["id"] == w.order.as_str() && o["is_invoice_generated"] == true),
        }
    }
}

#[tokio::test]
async fn fault_matrix() {
    let writes = [
        Write::CreateCheckout,
        Write::UpdateCheckout,
        Write::OrderBillingName,
        Write::GenerateInvoice,
    ];
    let faults = [
        Fault::DropAfterStore,
        Fault::ProxyErrorPageAfterStore { status: 504 },
        Fault::ServerError { status: 503 },
        Fault::DropBeforeStore,
        Fault::RateLimited {
            retry_after: Duration::from_secs(120),
        },
    ];
    for write in writes {
        for fault in &faults {
            let w = world().await;
            let orders_before = w.mock.orders().len();
            let checkouts_before = w.mock.checkouts().len();
            let (method, path) = write.target();
            w.mock.fail_next_matching(method, path, 1, fault.clone());
            let result = write.run(&w).await;
            let case = format!("{write:?} × {fault:?}: {result:?}");
            match &result {
                Ok(made) => {
                    let made = matches!(write, Write::CreateCheckout).then_some(made.as_str());
                    assert!(write.shows(&w, made), "Ok but not stored: {case}");
                    assert!(
                        !matches!(fault, Fault::RateLimited { .. }),
                        "a long Retry-After is not waited for: {case}"
                    );
                }
                Err(err) => {
                    assert!(matches!(err, Error::RateLimited { .. }), "{case}");
                    assert!(!write.shows(&w, None), "Err but stored: {case}");
                }
            }
            assert_eq!(
                w.mock.orders().len(),
                orders_before,
                "nothing charged: {case}"
            );
            let new_checkouts = w.mock.checkouts().len() - checkouts_before;
            let landed = matches!(
                fault,
                Fault::DropAfterStore | Fault::ProxyErrorPageAfterStore { .. }
            );
            let expected = match (write, result.is_ok(), landed) {
                (Write::CreateCheckout, true, true) => 2, // the lost one is a spare
                (Write::CreateCheckout, true, false) => 1,
                _ => 0,
            };
            assert_eq!(new_checkouts, expected, "{case}");
        }
    }
}
