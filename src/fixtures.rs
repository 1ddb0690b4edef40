//! The demo's reference data, built into the binary from `fixtures/`.

pub mod load;
