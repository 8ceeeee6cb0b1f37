//! Inference: facts the parsers found, turned into findings with their evidence, one file per
//! finding (or per few findings that share their facts). Reading happens before (the walk in
//! `scan`, the manifests in `deps`, the code in `code`); nothing here parses text.

pub mod app;
pub mod collectstatic;
pub mod django;
pub mod framework;
pub mod health_path;
pub mod installer;
pub mod package;
pub mod packages;
pub mod python_version;
pub mod start;
pub mod writable_paths;

pub(crate) use app::*;
pub(crate) use collectstatic::*;
pub(crate) use django::*;
pub(crate) use framework::*;
pub(crate) use health_path::*;
pub(crate) use installer::*;
pub(crate) use package::*;
pub(crate) use packages::*;
pub(crate) use python_version::*;
pub(crate) use start::*;
pub(crate) use writable_paths::*;
