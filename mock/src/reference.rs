//! The reference data the mock checks against: supported countries, US/CA subdivisions, tax-id formats.

use super::reply::error_item;
use serde_json::{Value, json};

/// ISO 3166-1 alpha-2 codes Polar accepts in a billing address (its `CountryAlpha2Input` enum:
/// every code except CU, IR, KP, SY and RU).
pub(crate) const COUNTRIES: [&str; 244] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG",
    "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG",
    "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN",
    "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR",
    "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN",
    "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF",
    "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL",
    "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RW", "SA", "SB", "SC", "SD",
    "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SZ",
    "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ",
    "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE",
    "YT", "ZA", "ZM", "ZW",
];

/// US states, the District of Columbia and the inhabited territories, as `US-XX` suffixes.
const US_STATES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI",
];

/// Canadian provinces and territories, as `CA-XX` suffixes.
const CA_PROVINCES: [&str; 13] = [
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
];

/// EU member states: their tax ids use the `eu_vat` format.
const EU_MEMBERS: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Tax-id formats of the other countries the mock knows about.
const OTHER_TAX_FORMATS: [(&str, &str); 20] = [
    ("AE", "ae_trn"),
    ("AU", "au_abn"),
    ("BR", "br_cnpj"),
    ("CA", "ca_bn"),
    ("CH", "ch_vat"),
    ("GB", "gb_vat"),
    ("IL", "il_vat"),
    ("IN", "in_gst"),
    ("IS", "is_vat"),
    ("JP", "jp_cn"),
    ("KR", "kr_brn"),
    ("LI", "li_uid"),
    ("MX", "mx_rfc"),
    ("NO", "no_vat"),
    ("NZ", "nz_gst"),
    ("SG", "sg_uen"),
    ("TR", "tr_tin"),
    ("TW", "tw_vat"),
    ("UA", "ua_vat"),
    ("ZA", "za_vat"),
];

/// Whether `code` (already upper-cased) is a country Polar accepts.
pub(crate) fn is_supported_country(code: &str) -> bool {
    COUNTRIES.contains(&code)
}

/// The normalised `US-XX` / `CA-XX` form of a US or Canadian state, or `None` when it is not one.
/// Other countries' states pass through unchanged.
pub(crate) fn normalise_state(country: &str, state: &str) -> Option<String> {
    let known: &[&str] = match country {
        "US" => &US_STATES,
        "CA" => &CA_PROVINCES,
        _ => return Some(state.to_owned()),
    };
    let upper = state.to_ascii_uppercase();
    let code = upper
        .strip_prefix(country)
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or(&upper);
    known.contains(&code).then(|| format!("{country}-{code}"))
}

/// The stored form and format of a tax id for a billing country, or `None` when it is invalid
/// there (or the country has no tax-id format the mock knows). A simplification of Polar's
/// checks: a US EIN has nine digits, an EU VAT number starts with its country code, other
/// formats have 5 to 20 letters or digits.
fn tax_id(value: &str, country: &str) -> Option<(String, &'static str)> {
    let compact: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if country == "US" {
        let nine_digits = compact.len() == 9 && compact.bytes().all(|b| b.is_ascii_digit());
        return nine_digits.then_some((compact, "us_ein"));
    }
    let format = if EU_MEMBERS.contains(&country) {
        // An EU VAT number starts with its country's code (Greece's is EL).
        let prefix = if country == "GR" { "EL" } else { country };
        if !compact.starts_with(prefix) {
            return None;
        }
        "eu_vat"
    } else {
        OTHER_TAX_FORMATS
            .iter()
            .find(|(code, _)| *code == country)
            .map(|(_, format)| *format)?
    };
    (5..=20)
        .contains(&compact.len())
        .then_some((compact, format))
}

/// Polar's tax-id rule: a tax id needs a billing country and must be valid there. Returns the
/// stored form and format.
///
/// # Errors
/// The business error item: `missing` at `["body","billing_address"]` without a country,
/// `invalid` at `["body","tax_id"]` (with `value` as input) when the id is not valid there.
pub(crate) fn checked_tax_id(
    value: &str,
    country: Option<&str>,
) -> Result<(String, &'static str), Value> {
    let Some(country) = country else {
        return Err(error_item(
            "missing",
            vec![json!("body"), json!("billing_address")],
            "Country is required to validate tax ID.",
            Value::Null,
        ));
    };
    tax_id(value, country).ok_or_else(|| {
        error_item(
            "invalid",
            vec![json!("body"), json!("tax_id")],
            "Invalid tax ID.",
            json!(value),
        )
    })
}
