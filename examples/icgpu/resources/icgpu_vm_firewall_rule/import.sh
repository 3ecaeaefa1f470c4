# A firewall rule is imported by its network's ID and its own, separated by a slash.
terraform import icgpu_vm_firewall_rule.ssh net-abc123/fwr-def456
