# Every credit to the account, newest first, and their sum.
data "icgpu_token_usage" "credits" {
  kind = "credit"
}

output "tokens_credited" {
  value = data.icgpu_token_usage.credits.total_tokens
}
