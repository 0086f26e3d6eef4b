//! Price of a print.
