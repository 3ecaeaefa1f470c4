//! `amd_credits` data source: the account's GPU credit balance.

use crate::framework::schema::{Attribute, Schema};
use crate::providers::common::Reading;
use serde::{Deserialize, Serialize};

/// `Credits` (camelCase in the API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditsModel {
    pub balance: Option<f64>,
    pub used: Option<f64>,
    pub total: Option<f64>,
    pub currency: Option<String>,
    #[serde(alias = "expiresAt")]
    pub expires_at: Option<String>,
}

/// `GET /credits`.
pub const CREDITS: Reading<CreditsModel> =
    Reading::new("credits", "/credits", "read AMD credit balance", schema);

fn schema() -> Schema {
    Schema::new("The AMD Developer Cloud account's GPU credit balance and usage.")
        .attribute(Attribute::number("balance").output("Remaining credit balance."))
        .attribute(Attribute::number("used").output("Credits consumed."))
        .attribute(Attribute::number("total").output("Total credits allocated."))
        .attribute(
            Attribute::string("currency").output("Currency of the credit values, e.g. `USD`."),
        )
        .attribute(Attribute::string("expires_at").output("When the credits expire (RFC 3339)."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spec_example() {
        let m: CreditsModel = serde_json::from_str(
            r#"{"balance":450.00,"used":550.00,"total":1000.00,"currency":"USD","expiresAt":"2026-12-31T23:59:59Z"}"#,
        )
        .expect("example");
        assert_eq!(m.balance, Some(450.0));
        assert_eq!(m.expires_at.as_deref(), Some("2026-12-31T23:59:59Z"));
    }
}
