//! ConnectWise Manage REST API 3.0 connector for Vectis: companies, configurations and tickets (being written).
