data "amd_credits" "account" {}

output "credits_left" {
  value = "${data.amd_credits.account.balance} ${data.amd_credits.account.currency}"
}
