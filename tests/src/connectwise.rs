//! ConnectWise Manage fake (being written).
