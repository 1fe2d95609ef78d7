//! The last stage: printing a [`Report`](crate::check::Report).

pub mod human;
pub mod json;
