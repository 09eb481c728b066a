//! Kaseya VSA X REST API v3 connector for Vectis: organizations, devices and notifications (being written).
