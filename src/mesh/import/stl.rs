//! STL in, binary or ASCII (the reader in [`crate::mesh::io`] tells them apart, including binary
//! files whose header starts with "solid").

use super::{Format, ImportError};
use crate::mesh::io::{read_stl_soup, MeshIoError};
use crate::mesh::Mesh;

pub(super) fn read(bytes: &[u8]) -> Result<Mesh, ImportError> {
    read_stl_soup(bytes).map_err(|e| match e {
        MeshIoError::Empty => ImportError::Empty,
        MeshIoError::Truncated(detail) => ImportError::Truncated { format: Format::Stl, detail },
        MeshIoError::NotStl(detail) => ImportError::Malformed { format: Format::Stl, detail },
        MeshIoError::NoTriangles => ImportError::NoTriangles { format: Format::Stl },
        MeshIoError::Io { path, source } => ImportError::Io { path: path.into(), source },
    })
}
