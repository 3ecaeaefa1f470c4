import {
  to = gpuai_availability_notification.h100
  id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
}
