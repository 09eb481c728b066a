//! Datto RMM fake (being written).
