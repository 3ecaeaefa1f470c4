resource "icgpu_webhook" "example" {
  url = "https://your-app.example.com/webhook"
  events = [
    "instance.created",
    "instance.preempted",
    "instance.error",
    "balance.low",
  ]
}

# The signing secret is returned only when the webhook is created.
output "webhook_secret" {
  value     = icgpu_webhook.example.secret
  sensitive = true
}
