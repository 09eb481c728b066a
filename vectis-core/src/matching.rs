//! Customer matching RMM → PSA (being written).
