//! pyscaffold's integration tests: one binary, shared helpers in `support`.
//!
//! Generated projects are checked against golden trees, by the real tools that consume them
//! (installed by `scripts/install-validators.sh`), by serving the example app with the generated
//! gunicorn config, and through a real terminal.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

mod corpus;
mod detect;
mod detect_scenarios;
mod docker_e2e;
mod docker_registry;
mod docker_secrets;
mod errors;
mod fleet;
mod freeze_script;
mod golden;
mod hardening;
mod help;
mod init;
mod interactive;
mod interrupted;
mod module_graph;
mod new_cmd;
mod packs;
mod pinned_actions;
mod pipelines;
mod progress;
mod readme;
mod release_script;
mod render_digests;
mod scenarios;
mod serve;
mod supply_chain;
mod support;
mod upgrade;
mod upgrade_job;
mod upgrade_props;
mod validators;
mod wheel;
