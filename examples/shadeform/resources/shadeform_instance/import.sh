# Import an existing instance by its Shadeform ID.
terraform import shadeform_instance.vllm d290f1ee-6c54-4b01-90e6-d701748f0851
