//! authlint: a static analyzer for WSO2 Identity Server and Asgardeo sign-in flows.
//!
//! The pipeline, one module per stage:
//! 1. [`discover`]: which files to read;
//! 2. [`document`] and [`load`]: parse YAML/JSON and load applications and identity providers
//!    into one [`model::FlowModel`];
//! 3. [`analysis`] and [`script`]: follow each application's flow (its script, or the steps in
//!    order) and record where each step can run, in which states;
//! 4. [`rules`]: judgements over those facts, one file per rule;
//! 5. [`report`]: human and JSON output.
//!
//! [`check`] runs the stages in order; [`cli`] is the command line.

// Loaders return a `Diagnostic` as their error: it is large, but errors are rare and a box at
// every `?` would only add noise.
#![allow(clippy::result_large_err)]

pub mod analysis;
pub mod baseline;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod document;
pub mod fix;
pub mod graph;
pub mod load;
pub mod model;
pub mod remedy;
pub mod report;
pub mod rules;
pub mod scalar_map;
pub mod script;
pub mod server;
pub mod source;
pub mod suppress;
pub mod tenants;
pub mod untrusted;
pub mod workers;
