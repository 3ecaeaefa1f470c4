//! Checks run on machines a provider has created, to tell a working GPU image from a broken one:
//! the HIP probe (`probe`) and the `<member>_image_validation` resource that runs it over SSH.

pub mod image_validation;
pub mod probe;
pub mod ssh;

pub use image_validation::ImageValidationResource;
