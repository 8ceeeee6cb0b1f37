//! Parsers: the repository's files as text in, facts out, each with unit tests on small
//! inputs. Nothing here reads a file or draws a conclusion; the inference modules do.

pub mod dockerfile;
pub mod environ;
pub mod manifests;
pub mod python;
pub mod requirements;
pub mod start;
pub mod versions;
pub mod wheels;
pub mod writes;
