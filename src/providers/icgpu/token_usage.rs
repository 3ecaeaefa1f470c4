//! `data.icgpu_token_usage`: the account's token usage history, newest first: credits
//! (purchases, grants) positive, spending negative.

use super::IcGpuClient;
use crate::client::list_all_token;
use crate::framework::{Attribute, Ctx, DataSource, Diagnostics, Nesting, Schema};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct TokenUsageDataSource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenUsageModel {
    pub kind: Option<String>,
    pub entries: Option<Vec<UsageEntryModel>>,
    pub total_tokens: Option<i64>,
}

/// `TokenUsageEntry`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct UsageEntryModel {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub tokens: Option<i64>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

/// The entries of `kind` (all when `None`) and the sum of their tokens.
fn select(all: Vec<UsageEntryModel>, kind: Option<&str>) -> (Vec<UsageEntryModel>, i64) {
    let entries: Vec<UsageEntryModel> = all
        .into_iter()
        .filter(|e| kind.is_none_or(|k| e.kind.as_deref() == Some(k)))
        .collect();
    let total = entries.iter().filter_map(|e| e.tokens).sum();
    (entries, total)
}

#[async_trait]
impl DataSource for TokenUsageDataSource {
    type Client = IcGpuClient;
    type Model = TokenUsageModel;

    fn type_name(&self) -> &'static str {
        "token_usage"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The account's token usage history, newest first: every credit (purchase, grant) \
             and every spend, with the sum of the entries shown.",
        )
        .attribute(
            Attribute::string("kind")
                .optional()
                .description("Only entries of this kind, e.g. `credit`; all when omitted."),
        )
        .attribute(
            Attribute::nested(
                "entries",
                Nesting::List,
                vec![
                    Attribute::string("id").output("Entry ID."),
                    Attribute::string("kind").output("What changed the balance."),
                    Attribute::int("tokens")
                        .output("Tokens credited (positive) or spent (negative)."),
                    Attribute::string("description").output("What the entry is for."),
                    Attribute::string("created_at").output("When (RFC 3339)."),
                ],
            )
            .output("The matching entries, newest first."),
        )
        .attribute(Attribute::int("total_tokens").output("Sum of `tokens` over `entries`."))
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        config: TokenUsageModel,
    ) -> Result<TokenUsageModel, Diagnostics> {
        let req = super::api(ctx)?
            .get("/api/v1/tokens/usage")
            .describe("list token usage");
        let all: Vec<UsageEntryModel> = list_all_token(req, "usage").await?;
        let (entries, total) = select(all, config.kind.as_deref());
        Ok(TokenUsageModel {
            entries: Some(entries),
            total_tokens: Some(total),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_by_kind_and_sums_the_tokens() {
        let all = || -> Vec<UsageEntryModel> {
            serde_json::from_value(serde_json::json!([
                {"id": "u-2", "kind": "instance", "tokens": -300, "description": "inst-a"},
                {"id": "u-1", "kind": "credit", "tokens": 1000, "description": "Starting credit"}
            ]))
            .expect("parses")
        };
        let (entries, total) = select(all(), None);
        assert_eq!((entries.len(), total), (2, 700));
        let (entries, total) = select(all(), Some("credit"));
        assert_eq!(entries[0].id.as_deref(), Some("u-1"));
        assert_eq!(total, 1000);
    }
}
