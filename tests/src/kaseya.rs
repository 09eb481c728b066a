//! Kaseya VSA X fake (being written).
