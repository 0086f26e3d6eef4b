//! One module per screen: its state, how it handles actions, its keys, and how it draws.

pub mod checkout;
pub mod gallery;
pub mod input;
pub mod sessions;
pub mod studio;
