# A notification request is imported by its id.
terraform import gpuai_availability_notification.h100 7c9e6679-7425-40de-944b-e07fc1f90ae7
