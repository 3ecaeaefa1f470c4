# A VM is imported by its ID; reboot_trigger is null after an import.
terraform import icgpu_vm.example vm-abc123
