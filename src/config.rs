//! Config file + environment + flags -> one Config.
