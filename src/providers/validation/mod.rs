//! Checks run on machines a provider has created, to tell a working GPU image from a broken one.

pub mod probe;
