# Notify the account's webhooks when the token balance drops below 100,000 tokens.
resource "icgpu_spending_alert" "low_balance" {
  name       = "Low balance warning"
  threshold  = 100000
  notify_via = "webhook"
}
