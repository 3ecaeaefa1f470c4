# The tokens left in the account.
data "icgpu_token_balance" "now" {}

output "tokens_left" {
  value = data.icgpu_token_balance.now.balance
}
