# A spending alert is imported by its ID.
terraform import icgpu_spending_alert.low_balance alert-abc123
