//! `data.icgpu_token_packages`: the public list of token packages on sale, with USD prices.

use super::IcGpuClient;
use crate::client::list_all_token;
use crate::framework::{validators, Attribute, Ctx, DataSource, Diagnostics, Nesting, Schema};
use crate::providers::common::filter;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct TokenPackagesDataSource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenPackagesModel {
    pub name: Option<String>,
    pub min_tokens: Option<i64>,
    pub token_packages: Option<Vec<TokenPackageModel>>,
}

/// `TokenPackage`, which the API spells in camelCase.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TokenPackageModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub tokens: Option<i64>,
    #[serde(alias = "priceUsdCents")]
    pub price_usd_cents: Option<i64>,
    pub description: Option<String>,
}

/// The packages that pass the optional filters (`name` compares case-insensitively).
fn filter(packages: Vec<TokenPackageModel>, q: &TokenPackagesModel) -> Vec<TokenPackageModel> {
    packages
        .into_iter()
        .filter(|p| filter::is_text(&q.name, &p.name))
        .filter(|p| filter::at_least(q.min_tokens, p.tokens))
        .collect()
}

#[async_trait]
impl DataSource for TokenPackagesDataSource {
    type Client = IcGpuClient;
    type Model = TokenPackagesModel;

    fn type_name(&self) -> &'static str {
        "token_packages"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The token packages on sale (tokens are the platform's prepaid credit), with their \
             USD price. A public endpoint: works without a token.",
        )
        .attribute(
            Attribute::string("name")
                .optional()
                .description("Only the package with this name (case-insensitive), e.g. `Pro`."),
        )
        .attribute(
            Attribute::int("min_tokens")
                .optional()
                .validator(validators::at_least(0.0))
                .description("Only packages crediting at least this many tokens."),
        )
        .attribute(
            Attribute::nested(
                "token_packages",
                Nesting::List,
                vec![
                    Attribute::string("id").output("Package ID (`pkg-...`)."),
                    Attribute::string("name").output("Display name."),
                    Attribute::int("tokens").output("Tokens credited."),
                    Attribute::int("price_usd_cents").output("Price in US cents."),
                    Attribute::string("description").output("What the package offers."),
                ],
            )
            .output("The matching packages, in the platform's catalogue order."),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        config: TokenPackagesModel,
    ) -> Result<TokenPackagesModel, Diagnostics> {
        let req = super::public_api(ctx)
            .get("/api/v1/token-packages")
            .public()
            .describe("list token packages");
        let all: Vec<TokenPackageModel> = list_all_token(req, "tokenPackages").await?;
        let token_packages = filter(all, &config);
        Ok(TokenPackagesModel {
            token_packages: Some(token_packages),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_name_and_size() {
        let all: Vec<TokenPackageModel> = serde_json::from_value(serde_json::json!([
            {"id": "pkg-starter", "name": "Starter", "tokens": 1000000, "priceUsdCents": 1000, "description": "1M tokens"},
            {"id": "pkg-pro", "name": "Pro", "tokens": 10000000, "priceUsdCents": 9000, "description": "10M tokens"}
        ]))
        .expect("spec example parses");
        let q = TokenPackagesModel {
            name: Some("pro".into()),
            ..Default::default()
        };
        let out = filter(all.clone(), &q);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].price_usd_cents, Some(9000));
        let q = TokenPackagesModel {
            min_tokens: Some(2_000_000),
            ..Default::default()
        };
        assert_eq!(filter(all.clone(), &q)[0].id.as_deref(), Some("pkg-pro"));
        assert_eq!(filter(all, &TokenPackagesModel::default()).len(), 2);
    }
}
