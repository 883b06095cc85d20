//! [`Country`]: ISO 3166-1 alpha-2 country codes as Polar knows them, open to codes added later.

use std::str::FromStr;

use crate::open_enum::{FromWire, open_enum};

open_enum! {
    /// A country, by its ISO 3166-1 alpha-2 code (the codes of Polar's `CountryAlpha2` schema).
    ///
    /// Used both in the billing address you send ([`NewAddress`](crate::NewAddress)) and in the
    /// one Polar returns ([`Address`](crate::Address)). A code this version of the crate does not
    /// know (Polar adds codes over time, e.g. `XK`) is kept as [`Country::Other`], upper-cased, so
    /// a customer carrying it still decodes.
    /// Polar refuses to bill some countries: see [`Country::is_supported_for_billing`].
    ///
    /// Build `Other` only through [`str::parse`]: `Country::Other("US".into())` is not equal to
    /// [`Country::US`].
    ///
    /// ```
    /// use polar_client::Country;
    ///
    /// let us: Country = " us ".parse()?;
    /// assert_eq!(us, Country::US);
    /// assert_eq!(us.to_string(), "US");
    /// assert_eq!("xk".parse::<Country>()?, Country::Other("XK".into()));
    /// assert!("USA".parse::<Country>().is_err());
    /// # Ok::<(), polar_client::ParseCountryError>(())
    /// ```
    #[allow(clippy::upper_case_acronyms)]
    pub enum Country ("Country code") {
        AD => "AD", AE => "AE", AF => "AF", AG => "AG", AI => "AI", AL => "AL", AM => "AM", AO => "AO",
        AQ => "AQ", AR => "AR", AS => "AS", AT => "AT", AU => "AU", AW => "AW", AX => "AX", AZ => "AZ",
        BA => "BA", BB => "BB", BD => "BD", BE => "BE", BF => "BF", BG => "BG", BH => "BH", BI => "BI",
        BJ => "BJ", BL => "BL", BM => "BM", BN => "BN", BO => "BO", BQ => "BQ", BR => "BR", BS => "BS",
        BT => "BT", BV => "BV", BW => "BW", BY => "BY", BZ => "BZ", CA => "CA", CC => "CC", CD => "CD",
        CF => "CF", CG => "CG", CH => "CH", CI => "CI", CK => "CK", CL => "CL", CM => "CM", CN => "CN",
        CO => "CO", CR => "CR", CU => "CU", CV => "CV", CW => "CW", CX => "CX", CY => "CY", CZ => "CZ",
        DE => "DE", DJ => "DJ", DK => "DK", DM => "DM", DO => "DO", DZ => "DZ", EC => "EC", EE => "EE",
        EG => "EG", EH => "EH", ER => "ER", ES => "ES", ET => "ET", FI => "FI", FJ => "FJ", FK => "FK",
        FM => "FM", FO => "FO", FR => "FR", GA => "GA", GB => "GB", GD => "GD", GE => "GE", GF => "GF",
        GG => "GG", GH => "GH", GI => "GI", GL => "GL", GM => "GM", GN => "GN", GP => "GP", GQ => "GQ",
        GR => "GR", GS => "GS", GT => "GT", GU => "GU", GW => "GW", GY => "GY", HK => "HK", HM => "HM",
        HN => "HN", HR => "HR", HT => "HT", HU => "HU", ID => "ID", IE => "IE", IL => "IL", IM => "IM",
        IN => "IN", IO => "IO", IQ => "IQ", IR => "IR", IS => "IS", IT => "IT", JE => "JE", JM => "JM",
        JO => "JO", JP => "JP", KE => "KE", KG => "KG", KH => "KH", KI => "KI", KM => "KM", KN => "KN",
        KP => "KP", KR => "KR", KW => "KW", KY => "KY", KZ => "KZ", LA => "LA", LB => "LB", LC => "LC",
        LI => "LI", LK => "LK", LR => "LR", LS => "LS", LT => "LT", LU => "LU", LV => "LV", LY => "LY",
        MA => "MA", MC => "MC", MD => "MD", ME => "ME", MF => "MF", MG => "MG", MH => "MH", MK => "MK",
        ML => "ML", MM => "MM", MN => "MN", MO => "MO", MP => "MP", MQ => "MQ", MR => "MR", MS => "MS",
        MT => "MT", MU => "MU", MV => "MV", MW => "MW", MX => "MX", MY => "MY", MZ => "MZ", NA => "NA",
        NC => "NC", NE => "NE", NF => "NF", NG => "NG", NI => "NI", NL => "NL", NO => "NO", NP => "NP",
        NR => "NR", NU => "NU", NZ => "NZ", OM => "OM", PA => "PA", PE => "PE", PF => "PF", PG => "PG",
        PH => "PH", PK => "PK", PL => "PL", PM => "PM", PN => "PN", PR => "PR", PS => "PS", PT => "PT",
        PW => "PW", PY => "PY", QA => "QA", RE => "RE", RO => "RO", RS => "RS", RU => "RU", RW => "RW",
        SA => "SA", SB => "SB", SC => "SC", SD => "SD", SE => "SE", SG => "SG", SH => "SH", SI => "SI",
        SJ => "SJ", SK => "SK", SL => "SL", SM => "SM", SN => "SN", SO => "SO", SR => "SR", SS => "SS",
        ST => "ST", SV => "SV", SX => "SX", SY => "SY", SZ => "SZ", TC => "TC", TD => "TD", TF => "TF",
        TG => "TG", TH => "TH", TJ => "TJ", TK => "TK", TL => "TL", TM => "TM", TN => "TN", TO => "TO",
        TR => "TR", TT => "TT", TV => "TV", TW => "TW", TZ => "TZ", UA => "UA", UG => "UG", UM => "UM",
        US => "US", UY => "UY", UZ => "UZ", VA => "VA", VC => "VC", VE => "VE", VG => "VG", VI => "VI",
        VN => "VN", VU => "VU", WF => "WF", WS => "WS", YE => "YE", YT => "YT", ZA => "ZA", ZM => "ZM",
        ZW => "ZW",
    }
    /// A two-letter code this version of the crate does not list (upper-cased).
    ///
    /// Polar rejects such a code in a billing address you send; it can appear in customers Polar returns.
    Other
}

impl Country {
    /// Whether Polar accepts this country in a billing address you send.
    ///
    /// False for the countries Polar cannot bill (CU, IR, KP, SY, RU — the codes missing from its
    /// `CountryAlpha2Input` schema) and for every [`Country::Other`] code.
    pub fn is_supported_for_billing(&self) -> bool {
        !matches!(
            self,
            Self::CU | Self::IR | Self::KP | Self::SY | Self::RU | Self::Other(_)
        )
    }
}

/// The text given to [`Country::from_str`] was not a two-letter country code.
///
/// Returned when the trimmed input is not exactly two ASCII letters (`"USA"`, `""`, `"1A"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a two-letter ISO 3166-1 alpha-2 country code")]
pub struct ParseCountryError {
    input: String,
}

impl FromStr for Country {
    type Err = ParseCountryError;

    /// Parses a code case-insensitively, ignoring surrounding whitespace, as Polar's server does.
    ///
    /// # Errors
    ///
    /// [`ParseCountryError`] unless the trimmed input is two ASCII letters. Unknown two-letter codes
    /// are not an error: they give [`Country::Other`], upper-cased.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let trimmed = input.trim();
        if trimmed.len() != 2 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ParseCountryError {
                input: input.to_owned(),
            });
        }
        let upper = trimmed.to_ascii_uppercase();
        Ok(Self::known(&upper).unwrap_or(Self::Other(upper)))
    }
}

impl FromWire for Country {
    const EXPECTING: &'static str = "a country code string";

    /// Exact codes first (what Polar sends), then the lenient parse; anything else is kept verbatim.
    fn from_wire(code: &str) -> Self {
        Self::known(code)
            .or_else(|| code.parse().ok())
            .unwrap_or_else(|| Self::Other(code.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_text() {
        for code in ["AD", "US", "ZW", "RU", "XK"] {
            let country: Country = code.parse().unwrap();
            assert_eq!(country.code(), code);
            assert_eq!(Country::from_wire(code), country);
        }
        assert_eq!(Country::from_wire("US"), Country::US);
        assert_eq!(
            Country::from_wire("Germany"),
            Country::Other("Germany".into())
        );
    }

    #[test]
    fn every_listed_code_decodes_to_its_own_variant() {
        assert_eq!(Country::CODES.len(), Country::KNOWN.len());
        for (code, variant) in Country::CODES.iter().zip(Country::KNOWN) {
            assert_eq!(&Country::known(code).unwrap(), variant);
            assert_eq!(variant.code(), *code);
        }
        for unknown in ["", "A", "XK", "us", "USA", "ZZ"] {
            assert_eq!(Country::known(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn billing_support_excludes_sanctioned_and_unknown_codes() {
        assert!(Country::US.is_supported_for_billing());
        for blocked in [
            Country::CU,
            Country::IR,
            Country::KP,
            Country::SY,
            Country::RU,
        ] {
            assert!(!blocked.is_supported_for_billing(), "{blocked}");
        }
        assert!(!Country::Other("XK".into()).is_supported_for_billing());
    }

    #[test]
    fn parse_rejects_anything_but_two_letters() {
        for bad in ["", "U", "USA", "1A", "é1", "U S"] {
            assert!(bad.parse::<Country>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "USA".parse::<Country>().unwrap_err().to_string(),
            "`USA` is not a two-letter ISO 3166-1 alpha-2 country code"
        );
    }
}
