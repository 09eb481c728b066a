//! [`DemoError`]: why the demo stopped.

/// Why the demo stopped.
#[derive(Debug)]
pub enum DemoError {
    /// A connector failed against its embedded fake.
    Connector(vectis_core::Error),
    /// The output could not be written (a closed pipe, a full disk).
    Output(std::io::Error),
    /// The store failed (or `--store` named a bad one).
    Store(vectis_sync::Error),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoError::Connector(e) => write!(f, "{e}"),
            DemoError::Store(e) => write!(f, "{e}"),
            DemoError::Output(e) => write!(
                f,
                "could not write the output ({e}); check the disk or file stdout goes to"
            ),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<vectis_sync::Error> for DemoError {
    fn from(e: vectis_sync::Error) -> Self {
        DemoError::Store(e)
    }
}

impl From<vectis_core::Error> for DemoError {
    fn from(e: vectis_core::Error) -> Self {
        DemoError::Connector(e)
    }
}
