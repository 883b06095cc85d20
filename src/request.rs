//! Turns a validated [`NewCustomer`] into the generated request body, field by field.
//!
//! Validation has already run, so a failed conversion here means the generated schema and our
//! rules disagree; it is still reported as an [`InputProblem`], never a panic.

use std::collections::{BTreeMap, HashMap};

use crate::generated::types;
use crate::{Address, InputProblem, MetadataValue, NewCustomer, Owner};

/// Fills the fields individual and team bodies share; the caller adds `email` and `type_`.
macro_rules! create_body {
    ($body:path, $metadata_string:ty, $customer:expr, $problems:expr, { $($own:tt)* }) => {{
        let customer: &NewCustomer = $customer;
        let problems: &mut Problems = $problems;
        $body {
            billing_address: problems.take("billing_address", customer.billing_address.as_ref().map(address).transpose()),
            external_id: customer.external_id.clone(),
            locale: customer.locale.clone(),
            metadata: problems.take("metadata", metadata::<_, $metadata_string>(&customer.metadata)),
            name: problems.take("name", checked(customer.name.as_deref())),
            organization_id: problems.take("organization_id", organization_id(customer.organization_id.as_deref())),
            owner: problems.take("owner", customer.owner.as_ref().map(owner).transpose()),
            tax_id: customer.tax_id.clone(),
            $($own)*
        }
    }};
}

impl NewCustomer {
    /// The generated `CustomerCreate` this customer stands for.
    pub(crate) fn to_request(&self) -> Result<types::CustomerCreate, Vec<InputProblem>> {
        let mut problems = Problems::default();
        let body = if self.is_team() {
            types::CustomerCreate::TeamCreate(
                create_body!(types::CustomerTeamCreate, types::CustomerTeamCreateMetadataValueString, self, &mut problems, {
                    email: self.email.clone(),
                    type_: types::CustomerTeamCreateType::Team,
                }),
            )
        } else {
            types::CustomerCreate::IndividualCreate(
                create_body!(types::CustomerIndividualCreate, types::CustomerIndividualCreateMetadataValueString, self, &mut problems, {
                    email: self.email.clone().unwrap_or_default(),
                    type_: types::CustomerIndividualCreateType::Individual,
                }),
            )
        };
        if problems.0.is_empty() {
            Ok(body)
        } else {
            Err(problems.0)
        }
    }
}

/// Conversion problems collected while the body is assembled.
#[derive(Default)]
struct Problems(Vec<InputProblem>);

impl Problems {
    /// The converted value, or its default with the problem noted.
    fn take<T: Default>(&mut self, field: &str, converted: Result<T, String>) -> T {
        converted.unwrap_or_else(|message| {
            self.0.push(InputProblem::new(field, message));
            T::default()
        })
    }
}

/// A string through one of the generated length-checked newtypes.
fn checked<T>(value: Option<&str>) -> Result<Option<T>, String>
where
    for<'a> T: TryFrom<&'a str, Error = types::error::ConversionError>,
{
    value
        .map(|v| T::try_from(v).map_err(|e| e.to_string()))
        .transpose()
}

fn organization_id(value: Option<&str>) -> Result<Option<uuid::Uuid>, String> {
    value
        .map(|v| v.parse().map_err(|_| format!("{v:?} is not a UUID")))
        .transpose()
}

fn address(address: &Address) -> Result<types::AddressInput, String> {
    let country = types::CountryAlpha2Input::try_from(address.country.code())
        .map_err(|_| format!("Polar does not accept the country {}", address.country))?;
    Ok(types::AddressInput {
        country,
        line1: address.line1.clone(),
        line2: address.line2.clone(),
        postal_code: address.postal_code.clone(),
        city: address.city.clone(),
        state: address.state.clone(),
    })
}

fn owner(owner: &Owner) -> Result<types::MemberOwnerCreate, String> {
    Ok(types::MemberOwnerCreate {
        email: owner.email.clone(),
        external_id: owner.external_id.clone(),
        name: checked(owner.name.as_deref())?,
    })
}

fn metadata<V, S>(metadata: &BTreeMap<String, MetadataValue>) -> Result<HashMap<String, V>, String>
where
    V: From<S> + From<i64> + From<f64> + From<bool>,
    for<'a> S: TryFrom<&'a str, Error = types::error::ConversionError>,
{
    metadata
        .iter()
        .map(|(key, value)| {
            let value = match value {
                MetadataValue::String(s) => {
                    V::from(S::try_from(s.as_str()).map_err(|e| format!("{key}: {e}"))?)
                }
                MetadataValue::Integer(i) => V::from(*i),
                MetadataValue::Float(f) => V::from(*f),
                MetadataValue::Bool(b) => V::from(*b),
            };
            Ok((key.clone(), value))
        })
        .collect()
}
