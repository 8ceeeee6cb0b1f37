//! Re-embeds `templates/` and `presets/` whenever a file or folder in them changes, so a new
//! template file is picked up without a clean build (include_dir alone does not track new files).

fn main() {
    for root in ["templates", "presets"] {
        for entry in walkdir::WalkDir::new(root).into_iter().flatten() {
            println!("cargo::rerun-if-changed={}", entry.path().display());
        }
    }
}
