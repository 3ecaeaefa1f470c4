# Token packages with at least 10M tokens, and the price per million tokens of each.
data "icgpu_token_packages" "large" {
  min_tokens = 10000000
}

output "usd_per_million_tokens" {
  value = {
    for p in data.icgpu_token_packages.large.token_packages :
    p.name => p.price_usd_cents / 100 / (p.tokens / 1000000)
  }
}
