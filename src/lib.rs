//! safedesk: the terminal toolkit and REST server of a provincial
//! safety-supervision platform.
//!
//! One crate holds every part, each in its own module:
//! [`model`] (shared vocabulary, no I/O), [`store`] (every SQL query),
//! [`server`] (the axum API), [`client`] (the one typed HTTP client),
//! [`cli`] (the commands), [`tui`] (the dispatch board) and [`demo`]
//! (a seeded server with a simulated incident feed).

pub mod cli;
pub mod client;
pub mod demo;
pub mod fixtures;
pub mod import;
pub mod model;
pub mod server;
pub mod store;
pub mod tui;
