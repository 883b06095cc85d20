//! Orders through the public API against the mock over loopback HTTP: finding a checkout's
//! order, filters, billing details rules, invoice generation (202, then polled until it exists)
//! and receipts.

use crate::support;

use futures_util::TryStreamExt;
use polar_client::{BillingDetails, BillingReason, Country, Error, NewAddress, OrderStatus};
use polar_client_mock::{Buyer, Fault, Method, MockProduct};
use support::{client, mock_with_secret, requests_seen};

#[tokio::test]
async fn orders_of_a_checkout_and_their_documents() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let pro = mock.add_product(MockProduct::monthly("Pro", 1900));
    let book = mock.add_product(MockProduct::one_time("Book", 900));
    let sub = mock.subscribe(Buyer::new("jane@example.org"), pro).unwrap();
    let bought = mock
        .subscribe(Buyer::new("jane@example.org"), book)
        .unwrap();
    let checkout_id = sub.checkout["id"].as_str().unwrap();
    let customer_id = sub.customer["id"].as_str().unwrap();

    let of_checkout: Vec<_> = polar
        .orders()
        .list()
        .checkout_id(checkout_id)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(of_checkout.len(), 1);
    let order = &of_checkout[0];
    assert_eq!(order.status(), &OrderStatus::Paid);
    assert_eq!(
        order.billing_reason(),
        Some(&BillingReason::SubscriptionCreate)
    );
    assert_eq!(order.total_amount(), Some(1900));
    let all: Vec<_> = polar
        .orders()
        .list()
        .customer_id(customer_id)
        .page_size(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0].id().as_str(),
        bought.order["id"].as_str().unwrap(),
        "newest first"
    );
    let by_subscription: Vec<_> = polar
        .orders()
        .list()
        .subscription_id(sub.subscription.as_ref().unwrap()["id"].as_str().unwrap())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_subscription.len(), 1);
    let fetched = polar.orders().get(order.id()).await.unwrap();
    assert_eq!(&fetched, order);

    // No billing details yet: Polar refuses the invoice (a string-detail 422).
    let err = polar
        .orders()
        .generate_invoice(order.id())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.polar_error_code(), Some("MissingInvoiceBillingDetails"));
    let err = polar.orders().invoice(order.id()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));

    // Billing details, then the country is fixed.
    let updated = polar
        .orders()
        .update_billing_details(
            order.id(),
            BillingDetails::new().name("Acme Inc.").address(
                NewAddress::new(Country::US)
                    .line1("1 Main Street")
                    .state("NY"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(updated.billing_name(), Some("Acme Inc."));
    let err = polar
        .orders()
        .update_billing_details(
            order.id(),
            BillingDetails::new().address(NewAddress::new(Country::FR)),
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.field_errors().iter().map(|e| e.field()).collect();
    assert!(fields.contains(&"billing_address.country"), "{fields:?}");

    // Generate: 202, then polled until the job has rendered it (a lost answer is re-sent).
    mock.fail_next_matching(Method::POST, "/v1/orders/", 1, Fault::DropAfterStore);
    let invoice = polar.orders().generate_invoice(order.id()).await.unwrap();
    assert!(invoice.url().ends_with(".pdf"));
    assert!(requests_seen(&mock, "GET", "/v1/orders/") >= 2, "polled");
    assert!(
        polar
            .orders()
            .get(order.id())
            .await
            .unwrap()
            .is_invoice_generated()
    );
    assert_eq!(polar.orders().invoice(order.id()).await.unwrap(), invoice);

    let receipt = polar.orders().receipt(order.id()).await.unwrap();
    assert!(receipt.url().contains("receipt"));

    let err = polar.orders().get("nope").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    let err = polar
        .orders()
        .update_billing_details(order.id(), BillingDetails::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
}
