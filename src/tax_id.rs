//! [`TaxId`] and [`TaxIdFormat`]: the tax identifier Polar returns on a customer, decoded leniently.

use serde::Deserialize;
use serde::de::Deserializer;
use serde::ser::{SerializeTuple, Serializer};

use crate::MetadataValue;
use crate::loose::Loose;
use crate::open_enum::{FromWire, open_enum};

open_enum! {
    /// The kind of a tax identifier (Polar's `TaxIDFormat`, which follows Stripe's list).
    ///
    /// Formats this version of the crate does not know decode as [`TaxIdFormat::Other`].
    ///
    /// ```
    /// use polar_client::TaxIdFormat;
    ///
    /// assert_eq!(TaxIdFormat::UsEin.code(), "us_ein");
    /// assert_eq!(TaxIdFormat::EuVat.to_string(), "eu_vat");
    /// ```
    pub enum TaxIdFormat ("Tax-id format") {
        AdNrt => "ad_nrt", AeTrn => "ae_trn", ArCuit => "ar_cuit", AuAbn => "au_abn",
        AuArn => "au_arn", BgUic => "bg_uic", BhVat => "bh_vat", BoTin => "bo_tin",
        BrCnpj => "br_cnpj", BrCpf => "br_cpf", CaBn => "ca_bn", CaGstHst => "ca_gst_hst",
        CaPstBc => "ca_pst_bc", CaPstMb => "ca_pst_mb", CaPstSk => "ca_pst_sk", CaQst => "ca_qst",
        ChUid => "ch_uid", ChVat => "ch_vat", ClTin => "cl_tin", CnTin => "cn_tin",
        CoNit => "co_nit", CrTin => "cr_tin", DeStn => "de_stn", DoRcn => "do_rcn",
        EcRuc => "ec_ruc", EgTin => "eg_tin", EsCif => "es_cif", EuOssVat => "eu_oss_vat",
        EuVat => "eu_vat", GbVat => "gb_vat", GeVat => "ge_vat", HkBr => "hk_br",
        HrOib => "hr_oib", HuTin => "hu_tin", IdNpwp => "id_npwp", IlVat => "il_vat",
        InGst => "in_gst", IsVat => "is_vat", JpCn => "jp_cn", JpRn => "jp_rn",
        JpTrn => "jp_trn", KePin => "ke_pin", KrBrn => "kr_brn", KzBin => "kz_bin",
        LiUid => "li_uid", MkVat => "mk_vat", MxRfc => "mx_rfc", MyFrp => "my_frp",
        MyItn => "my_itn", MySst => "my_sst", NgTin => "ng_tin", NoVat => "no_vat",
        NoVoec => "no_voec", NzGst => "nz_gst", OmVat => "om_vat", PeRuc => "pe_ruc",
        PhTin => "ph_tin", RoTin => "ro_tin", RsPib => "rs_pib", RuInn => "ru_inn",
        RuKpp => "ru_kpp", SaVat => "sa_vat", SgGst => "sg_gst", SgUen => "sg_uen",
        SiTin => "si_tin", SvNit => "sv_nit", ThVat => "th_vat", TrTin => "tr_tin",
        TwVat => "tw_vat", UaVat => "ua_vat", UsEin => "us_ein", UyRuc => "uy_ruc",
        VeRif => "ve_rif", VnTin => "vn_tin", ZaVat => "za_vat", MuTan => "mu_tan",
    }
    /// A format this version of the crate does not list, exactly as Polar sent it.
    Other
    expecting "a tax-id format string"
}

/// A customer's tax identifier as Polar returns it: the number and its format.
///
/// On the wire it is a two-element array, `["911144442", "us_ein"]`. (When creating a customer you
/// send the number alone, see [`NewCustomer::tax_id`](crate::NewCustomer::tax_id); Polar works out
/// the format from the billing country.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaxId {
    value: String,
    format: TaxIdFormat,
}

impl TaxId {
    /// The identifier itself, e.g. `"911144442"`.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Its format, e.g. [`TaxIdFormat::UsEin`].
    pub fn format(&self) -> &TaxIdFormat {
        &self.format
    }
}

impl serde::Serialize for TaxId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut pair = serializer.serialize_tuple(2)?;
        pair.serialize_element(&self.value)?;
        pair.serialize_element(&self.format)?;
        pair.end()
    }
}

/// Reads a customer's `tax_id`: a `[value, format]` pair of strings gives `Some`; `null` and every
/// other shape (an object, a one-element array, numbers) give `None` instead of failing the customer.
pub(crate) fn lenient<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<TaxId>, D::Error> {
    let Loose::List(items) = Loose::deserialize(deserializer)? else {
        return Ok(None);
    };
    Ok(match <[Loose; 2]>::try_from(items) {
        Ok(
            [
                Loose::Scalar(MetadataValue::String(value)),
                Loose::Scalar(MetadataValue::String(format)),
            ],
        ) => Some(TaxId {
            value,
            format: TaxIdFormat::from_wire(&format),
        }),
        _ => None,
    })
}
