//! Datto RMM REST API v2 connector for Vectis: sites, devices and alerts as one normalized model (being written).
