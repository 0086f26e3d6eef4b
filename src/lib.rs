//! memoreez: a few facts about a person in, a printable keepsake out.
//!
//! Data flows one way: facts -> concepts -> cut-out -> raw mesh -> printable solid -> slice stats ->
//! order. Each arrow is a stage behind a small trait (see [`pipeline`]); the headless CLI and the TUI are
//! front ends over the same pipeline.

pub mod config;
pub mod domain;
pub mod fab;
pub mod grid2d;
pub mod ideation;
pub mod imagegen;
pub mod logging;
pub mod matting;
pub mod mesh;
pub mod models;
pub mod net;
pub mod pipeline;
pub mod render;
pub mod serve;
pub mod shapegen;
pub mod stage;
pub mod store;
pub mod tui;
