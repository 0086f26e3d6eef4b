//! SQLite for sessions, assets and orders; asset files on disk, content-addressed.
