# A webhook is imported by its ID; its secret cannot be recovered (it is null after import).
terraform import icgpu_webhook.example wh-abc123
