//! Requests for operations the generated client does not have (hand-written models, query strings
//! the generator cannot express): built and sent exactly as the generated methods are — the
//! client's URL, the hooks before and after, the documented success status decoded — so they run
//! through the same retry loop and classification.
//!
//! Path segments that come from the caller must already be encoded with
//! [`progenitor_client::encode_path`] (see [`crate::path::segment`] for the checks before it).

use progenitor_client::{
    ClientHooks, ClientInfo, Error as GeneratedError, OperationInfo, ResponseValue,
};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::generated::Client;

/// One request: method, path below the base URL (`/v1/...`), query pairs, optional JSON body.
#[derive(Debug)]
pub(crate) struct Request<'a, B: ?Sized = ()> {
    /// Polar's operation id with `_` for `:` (`customers_list`), as the hooks see it.
    pub(crate) operation_id: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) query: &'a [(String, String)],
    pub(crate) body: Option<&'a B>,
    /// The documented success status; any other answer is classified by the loop.
    pub(crate) success: u16,
}

impl<'a> Request<'a> {
    /// A `GET` of `path` with `query`.
    pub(crate) fn get(
        operation_id: &'static str,
        path: &'a str,
        query: &'a [(String, String)],
    ) -> Self {
        Self {
            operation_id,
            method: Method::GET,
            path,
            query,
            body: None,
            success: 200,
        }
    }
}

/// Sends one request as a generated method would, decoding the documented success as `T` (an
/// empty `204` body as `null`, for `T = ()`).
pub(crate) async fn send<T, B>(
    api: &Client,
    request: &Request<'_, B>,
) -> Result<ResponseValue<T>, GeneratedError<()>>
where
    T: DeserializeOwned,
    B: Serialize + ?Sized,
{
    let response = exchange(api, request, "application/json").await?;
    if request.success == 204 {
        let value: T = serde_json::from_slice(b"null")
            .map_err(|e| GeneratedError::InvalidResponsePayload(bytes::Bytes::new(), e))?;
        return Ok(ResponseValue::new(
            value,
            response.status(),
            response.headers().clone(),
        ));
    }
    ResponseValue::from_response(response).await
}

/// The raw body of a documented success that is not JSON (a CSV export), read whole. The
/// client's response size limit applies as to every answer (the hooks cap the body).
#[derive(Debug)]
pub(crate) struct RawSuccess(pub(crate) bytes::Bytes);

impl<'de> serde::Deserialize<'de> for RawSuccess {
    /// Only for a success status the operation does not document, which the loop decodes as
    /// JSON: such a body is kept as its JSON text.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Self(bytes::Bytes::from(value.to_string())))
    }
}

/// Sends one request as [`send`] does, asking for `accept` (`text/csv`), and returns the
/// documented success's body as bytes.
pub(crate) async fn send_raw<B>(
    api: &Client,
    request: &Request<'_, B>,
    accept: &str,
) -> Result<ResponseValue<RawSuccess>, GeneratedError<()>>
where
    B: Serialize + ?Sized,
{
    let response = exchange(api, request, accept).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(GeneratedError::ResponseBodyError)?;
    Ok(ResponseValue::new(RawSuccess(body), status, headers))
}

/// Sends one request as [`send`] does, with a JSON body the caller serialized already (the
/// ingestor, which sizes the buffer from its batch: one allocation, no growing copies).
pub(crate) async fn send_serialized<T: DeserializeOwned>(
    api: &Client,
    request: &Request<'_>,
    json: bytes::Bytes,
) -> Result<ResponseValue<T>, GeneratedError<()>> {
    let response = exchange_with(api, request, "application/json", Some(json)).await?;
    ResponseValue::from_response(response).await
}

/// Builds the request, runs the hooks around it, and returns the answer when its status is the
/// documented success (any other is the loop's to classify).
async fn exchange<B>(
    api: &Client,
    request: &Request<'_, B>,
    accept: &str,
) -> Result<reqwest::Response, GeneratedError<()>>
where
    B: Serialize + ?Sized,
{
    exchange_with(api, request, accept, None).await
}

/// [`exchange`], with the body already serialized as JSON when `json` is given.
async fn exchange_with<B>(
    api: &Client,
    request: &Request<'_, B>,
    accept: &str,
    json: Option<bytes::Bytes>,
) -> Result<reqwest::Response, GeneratedError<()>>
where
    B: Serialize + ?Sized,
{
    let url = api.inner().url(request.path);
    let mut builder = api.client().request(request.method.clone(), url);
    if !request.query.is_empty() {
        builder = builder.query(request.query);
    }
    if let Some(json) = json {
        builder = builder
            .header(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            )
            .body(json);
    } else if let Some(body) = request.body {
        builder = builder.json(body);
    } else if request.method == reqwest::Method::POST {
        // A POST without a body (an action such as generating an invoice) still declares its
        // length: Polar's server answers 411 to a POST without `Content-Length`.
        builder = builder.header(reqwest::header::CONTENT_LENGTH, "0");
    }
    let mut built = builder.build()?;
    let info = OperationInfo {
        operation_id: request.operation_id,
    };
    api.pre(&mut built, &info).await?;
    // After the hooks, which ask every request for JSON.
    let accept = reqwest::header::HeaderValue::from_str(accept)
        .map_err(|e| GeneratedError::InvalidRequest(e.to_string()))?;
    built.headers_mut().insert(reqwest::header::ACCEPT, accept);
    let result = api.exec(built, &info).await;
    api.post(&result, &info).await?;
    let response = result?;
    if response.status().as_u16() != request.success {
        return Err(GeneratedError::UnexpectedResponse(response));
    }
    Ok(response)
}
