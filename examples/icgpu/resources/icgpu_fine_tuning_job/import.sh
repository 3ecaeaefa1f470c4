# A fine-tuning job is imported by its ID.
terraform import icgpu_fine_tuning_job.example ftjob-xyz789
