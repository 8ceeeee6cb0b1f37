//! Where a pack comes from: a folder, or a git repository at a ref, fetched into a cache.
//!
//! Fetching runs the `git` command, so the user's own git setup authenticates: credential
//! helpers, the ssh agent and `~/.ssh/config`, proxies and `insteadOf` rewrites all apply, and
//! nothing in a pack or an answers file ever carries a credential. The fetched repository is
//! kept bare under the cache folder, one per source; a commit once fetched is read from there
//! (with libgit2) without the network, so a pack works offline once cached.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, anyhow};
use semver::Version;

use crate::error::{bad_input, redact};
use crate::record::sha256_hex;

/// A pack's files: path (with `/`) → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A pack source as given (`--pack`, `PYSCAFFOLD_PACK`, the config file, `extends`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A folder, read as it is.
    Folder(PathBuf),
    /// A git repository (URL or local path) at a ref; `None`: the newest version tag.
    Git {
        url: String,
        reference: Option<String>,
    },
}

impl Source {
    /// Parses `SOURCE[#REF]`. A URL (`https://`, `ssh://`, `git://`, `file://`, `user@host:path`)
    /// or a path with `#REF` is a git source; a plain path is a folder. A relative path is
    /// taken relative to `base` (the folder of the pack that `extends` it), else to the current
    /// directory.
    pub fn parse(text: &str, base: Option<&Path>) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(bad_input(
                "the pack source is empty",
                "give a folder or a git URL, e.g. `--pack ../acme-pack` or \
                 `--pack https://git.example.com/platform/pack.git#v1.2.0`",
            ));
        }
        let (location, reference) = match text.rsplit_once('#') {
            Some((location, reference)) => {
                if reference.is_empty() || reference.contains(char::is_whitespace) {
                    return Err(bad_input(
                        format!("`{}` names an empty or invalid ref after `#`", redact(text)),
                        "write the tag, branch or commit after `#`, e.g. `SOURCE#v1.2.0`",
                    ));
                }
                (location, Some(reference.to_string()))
            }
            None => (text, None),
        };
        if is_url(location) {
            return Ok(Source::Git {
                url: location.to_string(),
                reference,
            });
        }
        let path = match base {
            Some(base) if Path::new(location).is_relative() => base.join(location),
            _ => PathBuf::from(location),
        };
        match reference {
            Some(reference) => Ok(Source::Git {
                url: absolute(&path).display().to_string(),
                reference: Some(reference),
            }),
            None => Ok(Source::Folder(path)),
        }
    }

    /// How the record and messages name the source: no userinfo, query or fragment.
    pub fn display(&self) -> String {
        match self {
            Source::Folder(path) => absolute(path).display().to_string(),
            Source::Git { url, .. } => public_url(url),
        }
    }
}

fn is_url(text: &str) -> bool {
    ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|scheme| text.starts_with(scheme))
        || scp_like(text)
}

/// `git@host:group/repo.git`: ssh in scp syntax (a `:` before any `/`, after a `user@host`).
fn scp_like(text: &str) -> bool {
    match (text.find(':'), text.find('/')) {
        (Some(colon), slash) => {
            let head = &text[..colon];
            head.contains('@') && slash.is_none_or(|s| s > colon) && !head.contains('\\')
        }
        _ => false,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `url` without a password or token: for http(s) the whole userinfo and any query go (the
/// credential helper supplies them); for ssh the user stays, it is not a secret.
pub fn public_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        // scp-like: `user:password@host:path` keeps only the user.
        return match url.split_once('@') {
            Some((user, rest)) => format!("{}@{rest}", user.split(':').next().unwrap_or(user)),
            None => url.to_string(),
        };
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = match authority.rsplit_once('@') {
        Some((userinfo, host)) if scheme == "ssh" => {
            format!("{}@{host}", userinfo.split(':').next().unwrap_or(userinfo))
        }
        Some((_, host)) => host.to_string(),
        None => authority.to_string(),
    };
    format!("{scheme}://{host}{path}")
}

/// An http(s) URL without its `user:password@`, and that userinfo as a Basic authorization
/// header for git.
fn split_credentials(url: &str) -> (String, Option<String>) {
    use base64::Engine as _;
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    if !scheme.starts_with("http") {
        return (url.to_string(), None);
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(userinfo.as_bytes());
    (
        format!("{scheme}://{host}{path}"),
        Some(format!("Authorization: Basic {encoded}")),
    )
}

/// A pack's files as read, and what identifies them.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub files: Files,
    /// The commit read (git sources).
    pub commit: Option<String>,
    /// The ref it was read at, as given or the newest version tag (git sources).
    pub reference: Option<String>,
    /// The SHA-256 of the files (folder sources).
    pub sha256: Option<String>,
    /// What fetching said that the user should know (offline, a cached copy used).
    pub notes: Vec<String>,
    /// The folder, for a folder source: `extends` is resolved against it.
    pub folder: Option<PathBuf>,
}

/// Reads `source`, fetching a git source into the cache first.
pub fn fetch(source: &Source) -> Result<Fetched> {
    match source {
        Source::Folder(path) => read_folder(path),
        Source::Git { url, reference } => {
            let cache = Cache::open(url)?;
            let mut notes = Vec::new();
            if let Err(e) = cache.update(url) {
                if !cache.has_refs()? {
                    return Err(e);
                }
                notes.push(format!(
                    "cannot fetch pack `{}` ({}); using the copy cached earlier",
                    public_url(url),
                    first_line(&e.to_string())
                ));
            }
            let (reference, commit) = cache.resolve(url, reference.as_deref())?;
            let files = cache.read(&commit, url)?;
            Ok(Fetched {
                files,
                commit: Some(commit),
                reference: Some(reference),
                sha256: None,
                notes,
                folder: None,
            })
        }
    }
}

/// Reads the git source `url` at the recorded `commit`, fetching only when the cache does not
/// have it yet.
pub fn fetch_commit(url: &str, commit: &str) -> Result<Files> {
    let cache = Cache::open(url)?;
    if !cache.has_commit(commit) {
        cache.update(url)?;
        if !cache.has_commit(commit) {
            return Err(bad_input(
                format!("pack `{}` has no commit {commit} any more", public_url(url)),
                "the project records a pack commit that is gone (a force-push?), and upgrade \
                 needs it to rebuild what was generated; restore it in the pack's repository \
                 (e.g. push the old tag again); nothing was written",
            ));
        }
    }
    cache.read(commit, url)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// The SHA-256 of a pack's files, as its record names a folder pack: the SHA-256 of
/// `<sha256>  <path>` lines, sorted by path.
pub fn files_digest(files: &Files) -> String {
    let listing: String = files
        .iter()
        .map(|(path, bytes)| format!("{}  {path}\n", sha256_hex(bytes)))
        .collect();
    sha256_hex(listing.as_bytes())
}

/// A folder's files, refusing symbolic links (a link could read outside the pack); `.git` is
/// skipped.
pub fn read_folder(path: &Path) -> Result<Fetched> {
    // A link to the pack folder is fine; links inside it are not.
    let path = &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !path.is_dir() {
        return Err(bad_input(
            format!(
                "the pack folder `{}` does not exist",
                crate::error::quoted_path(path)
            ),
            "give the folder that holds the pack's `pack.yaml`, or a git URL",
        ));
    }
    let mut files = Files::new();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git");
    for entry in walker {
        let entry = entry.with_context(|| format!("cannot read the pack `{}`", path.display()))?;
        let rel = entry
            .path()
            .strip_prefix(path)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        if entry.path_is_symlink() {
            return Err(bad_input(
                format!(
                    "pack `{}`: `{rel}` is a symbolic link; a pack is plain files, so nothing it \
                     holds can point outside it",
                    path.display()
                ),
                "replace the link with the file itself",
            ));
        }
        if let Some(name) = rel
            .strip_prefix("presets/")
            .and_then(|n| n.strip_suffix(".yaml"))
            .filter(|n| !n.contains('/'))
        {
            // Its author means it as a preset, and pyscaffold would not read it: say so while
            // the pack is a folder being worked on (a released tag is read as it was).
            return Err(bad_input(
                format!(
                    "pack `{}`: `{rel}` is not read: a preset file's name ends in `.yml`",
                    path.display()
                ),
                format!("rename it to `presets/{name}.yml`"),
            ));
        }
        if entry.file_type().is_file() && is_pack_file(&rel) {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            check_size(&path.display().to_string(), &rel, size)?;
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("cannot read `{}`", entry.path().display()))?;
            files.insert(rel, bytes);
        }
    }
    Ok(Fetched {
        sha256: Some(files_digest(&files)),
        files,
        commit: None,
        reference: None,
        notes: Vec::new(),
        folder: Some(absolute(path)),
    })
}

/// The largest pack file read: templates are text, and a pack of generated-file templates is
/// kilobytes; a bigger file is a mistake (a build artefact under `files/`).
pub const MAX_PACK_FILE_BYTES: u64 = 8 * 1024 * 1024;

fn check_size(pack: &str, rel: &str, size: u64) -> Result<()> {
    if size > MAX_PACK_FILE_BYTES {
        return Err(bad_input(
            format!(
                "pack `{pack}`: `{rel}` is {} MiB; a pack file may be at most {} MiB",
                size / (1024 * 1024),
                MAX_PACK_FILE_BYTES / (1024 * 1024)
            ),
            "keep only templates, presets and pack.yaml in the pack (templates are text)",
        ));
    }
    Ok(())
}

/// The files of a pack that shape what it generates: the manifest, presets and templates.
/// Others (a README, `pack-test.yml`, `.DS_Store`) do not count.
pub fn is_pack_file(path: &str) -> bool {
    path == super::PACK_FILE
        || path.starts_with("files/")
        || (path.starts_with("presets/") && path.ends_with(".yml"))
}

/// Where fetched packs are kept: `$PYSCAFFOLD_CACHE_DIR`, else `$XDG_CACHE_HOME/pyscaffold`,
/// else `~/.cache/pyscaffold`.
pub fn cache_dir() -> Result<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env("PYSCAFFOLD_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = env("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("pyscaffold"));
    }
    if let Some(home) = env("HOME") {
        return Ok(PathBuf::from(home).join(".cache").join("pyscaffold"));
    }
    Err(bad_input(
        "no folder to cache packs in: neither HOME, XDG_CACHE_HOME nor PYSCAFFOLD_CACHE_DIR is set",
        "set PYSCAFFOLD_CACHE_DIR to a writable folder",
    ))
}

/// One source's bare repository in the cache.
struct Cache {
    dir: PathBuf,
}

impl Cache {
    fn open(url: &str) -> Result<Self> {
        let key = sha256_hex(public_url(url).as_bytes());
        let dir = cache_dir()?
            .join("packs")
            .join(format!("{}.git", &key[..24]));
        if !dir.join("HEAD").exists() {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the pack cache `{}`", dir.display()))?;
            git2::Repository::init_bare(&dir)
                .with_context(|| format!("cannot create the pack cache `{}`", dir.display()))?;
        }
        Ok(Self { dir })
    }

    fn repo(&self) -> Result<git2::Repository> {
        git2::Repository::open_bare(&self.dir)
            .with_context(|| format!("cannot open the pack cache `{}`", self.dir.display()))
    }

    /// Fetches every branch and tag of `url` with the `git` command, once per process.
    fn update(&self, url: &str) -> Result<()> {
        static FETCHED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let mut fetched = FETCHED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if fetched.iter().any(|u| u == url) {
            return Ok(());
        }
        self.fetch(url)?;
        fetched.push(url.to_string());
        Ok(())
    }

    fn fetch(&self, url: &str) -> Result<()> {
        let mut command = Command::new("git");
        // Credentials written in the URL go to git as a header in its environment, so they
        // are in no process list or message; without them the user's git setup answers.
        let (plain, header) = split_credentials(url);
        if let Some(header) = header {
            command
                .env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", "http.extraHeader")
                .env("GIT_CONFIG_VALUE_0", header);
        }
        command
            .arg("--git-dir")
            .arg(&self.dir)
            .args([
                "fetch",
                "--quiet",
                "--force",
                "--prune",
                "--no-write-fetch-head",
                "--",
            ])
            .arg(&plain)
            .args(["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"])
            // Never wait for a password on a terminal nobody watches; the user's credential
            // helper and ssh agent still answer.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSH_COMMAND", ssh_command());
        let output = match command.output() {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(bad_input(
                    "fetching a git pack needs the `git` command, which is not on PATH",
                    "install git, or use a pack folder (`--pack DIR`)",
                ));
            }
            Err(e) => return Err(e).context("cannot run `git fetch`"),
        };
        if output.status.success() {
            return Ok(());
        }
        let said = redact(String::from_utf8_lossy(&output.stderr).trim());
        Err(bad_input(
            format!(
                "cannot fetch pack `{}`: {}",
                crate::error::quoted(&public_url(url)),
                one_line(&said)
            ),
            "check the URL and that `git ls-remote URL` works for you (private packs \
             authenticate through your git setup: ssh agent or credential helper); nothing was \
             written",
        ))
    }

    fn has_refs(&self) -> Result<bool> {
        Ok(self.repo()?.references()?.next().is_some())
    }

    fn has_commit(&self, commit: &str) -> bool {
        self.repo()
            .ok()
            .and_then(|r| {
                let oid = git2::Oid::from_str(commit).ok()?;
                r.find_commit(oid).ok().map(|_| ())
            })
            .is_some()
    }

    /// The ref to read (as given, else the newest version tag) and its commit.
    fn resolve(&self, url: &str, reference: Option<&str>) -> Result<(String, String)> {
        let repo = self.repo()?;
        let tags = version_tags(&repo)?;
        let releases: Vec<&(Version, String)> =
            tags.iter().filter(|(v, _)| v.pre.is_empty()).collect();
        let newest = releases.last().copied().or(tags.last());
        let reference = match reference {
            Some(r) => r.to_string(),
            None => match newest {
                Some((_, name)) => name.clone(),
                None => {
                    return Err(bad_input(
                        format!(
                            "pack `{}` has no version tag (like `v1.2.0`)",
                            public_url(url)
                        ),
                        "tag a release of the pack (`git tag v1.0.0 && git push --tags`), or \
                         name a branch or commit with `SOURCE#REF`",
                    ));
                }
            },
        };
        let candidates = [
            format!("refs/tags/{reference}"),
            format!("refs/heads/{reference}"),
            reference.clone(),
        ];
        for name in &candidates {
            if let Ok(object) = repo.revparse_single(name)
                && let Ok(commit) = object.peel_to_commit()
            {
                return Ok((reference, commit.id().to_string()));
            }
        }
        let known: Vec<String> = tags.iter().rev().take(8).map(|(_, n)| n.clone()).collect();
        Err(bad_input(
            format!(
                "pack `{}` has no tag, branch or commit `{reference}`",
                public_url(url)
            ),
            if known.is_empty() {
                "give an existing branch or commit after `#`".to_string()
            } else {
                format!("its version tags, newest first: {}", known.join(", "))
            },
        ))
    }

    /// Every file of `commit`'s tree; symbolic links and submodules are refused.
    fn read(&self, commit: &str, url: &str) -> Result<Files> {
        let repo = self.repo()?;
        let oid =
            git2::Oid::from_str(commit).map_err(|e| anyhow!("bad commit id {commit}: {e}"))?;
        let tree = repo.find_commit(oid)?.tree()?;
        let mut files = Files::new();
        let mut problem = None;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let path = format!("{dir}{}", entry.name().unwrap_or_default());
            match entry.filemode() {
                0o120000 => {
                    problem = Some(format!("`{path}` is a symbolic link"));
                    git2::TreeWalkResult::Abort
                }
                0o160000 => {
                    problem = Some(format!("`{path}` is a submodule"));
                    git2::TreeWalkResult::Abort
                }
                0o100644 | 0o100755 if !is_pack_file(&path) => git2::TreeWalkResult::Ok,
                0o100644 | 0o100755 => {
                    match entry.to_object(&repo).ok().and_then(|o| o.into_blob().ok()) {
                        Some(blob) if blob.size() as u64 > MAX_PACK_FILE_BYTES => {
                            problem = Some(format!(
                                "`{path}` is {} MiB; a pack file may be at most {} MiB",
                                blob.size() as u64 / (1024 * 1024),
                                MAX_PACK_FILE_BYTES / (1024 * 1024)
                            ));
                            return git2::TreeWalkResult::Abort;
                        }
                        Some(blob) => {
                            files.insert(path, blob.content().to_vec());
                        }
                        None => problem = Some(format!("`{path}` cannot be read")),
                    }
                    git2::TreeWalkResult::Ok
                }
                _ => git2::TreeWalkResult::Ok,
            }
        })
        .ok();
        if let Some(problem) = problem {
            return Err(bad_input(
                format!(
                    "pack `{}` at {}: {problem}; a pack is plain files, so nothing it holds can \
                     point outside it",
                    public_url(url),
                    &commit[..12.min(commit.len())]
                ),
                "replace it with the file itself and tag a new release",
            ));
        }
        Ok(files)
    }
}

/// How many version tags of the cached git source `url` lie after `from`, up to `to`
/// (0 for a folder source or an uncached one).
pub fn releases_between(url: &str, from: &Version, to: &Version) -> usize {
    let Ok(cache) = Cache::open(url) else {
        return 0;
    };
    let Ok(repo) = cache.repo() else { return 0 };
    version_tags(&repo)
        .map(|tags| tags.iter().filter(|(v, _)| v > from && v <= to).count())
        .unwrap_or(0)
}

/// The `changelog` line of every release of the cached git source `url` after `from` up to
/// and including `to`, oldest first, read from each version tag's `pack.yaml`.
pub fn changelogs_between(url: &str, from: &Version, to: &Version) -> Vec<(Version, String)> {
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        changelog: Option<String>,
    }
    let Ok(cache) = Cache::open(url) else {
        return Vec::new();
    };
    let Ok(repo) = cache.repo() else {
        return Vec::new();
    };
    let mut out: Vec<(Version, String)> = Vec::new();
    for (version, tag) in version_tags(&repo).unwrap_or_default() {
        if &version <= from || &version > to || !version.pre.is_empty() {
            continue;
        }
        let text = repo
            .revparse_single(&format!("refs/tags/{tag}:{}", super::PACK_FILE))
            .ok()
            .and_then(|o| o.into_blob().ok())
            .and_then(|b| String::from_utf8(b.content().to_vec()).ok());
        let entry = text.and_then(|t| crate::yaml::from_str::<Entry>(&t).ok());
        if let Some(line) = entry.and_then(|e| e.changelog)
            && !out.iter().any(|(v, _)| v == &version)
        {
            out.push((version, line));
        }
    }
    out
}

/// The version tags of the git repository at `path` (a pack author's checkout), oldest first.
pub fn local_version_tags(path: &Path) -> Result<Vec<(Version, String)>> {
    let repo = git2::Repository::open(path).map_err(|_| {
        bad_input(
            format!("`{}` is not a git repository", path.display()),
            "`pack test` upgrades projects from every released tag of the pack: run it in the \
             pack's git checkout",
        )
    })?;
    version_tags(&repo)
}

/// Every tag that reads as a version (`v1`, `1.2`, `v1.2.3`), oldest first.
fn version_tags(repo: &git2::Repository) -> Result<Vec<(Version, String)>> {
    let mut tags: Vec<(Version, String)> = repo
        .tag_names(None)?
        .iter()
        .filter_map(|name| {
            let name = name.ok().flatten()?;
            Some((tag_version(name)?, name.to_string()))
        })
        .collect();
    tags.sort();
    Ok(tags)
}

/// The version a tag names: `v1.2.3`, `1.2.3`, `v1.2` and `v1` (as 1.2.0 and 1.0.0).
pub fn tag_version(tag: &str) -> Option<Version> {
    let text = tag.strip_prefix('v').unwrap_or(tag);
    if let Ok(version) = Version::parse(text) {
        return Some(version);
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 2 || parts.iter().any(|p| p.parse::<u64>().is_err()) {
        return None;
    }
    Version::parse(&format!("{text}{}", ".0".repeat(3 - parts.len()))).ok()
}

/// ssh without a prompt for an unknown host or a passphrase when nobody can answer.
fn ssh_command() -> String {
    std::env::var("GIT_SSH_COMMAND").unwrap_or_else(|_| {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            "ssh".to_string()
        } else {
            "ssh -o BatchMode=yes".to_string()
        }
    })
}

/// Git's message on one line: a line that continues the sentence before it (it starts in
/// lower case, or the one before ends without a stop) joins it with a space, others with `; `.
fn one_line(said: &str) -> String {
    let mut out = String::new();
    for line in said.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            let continues = line.starts_with(|c: char| c.is_lowercase())
                && !line.starts_with("fatal:")
                || out.ends_with('.');
            out.push_str(if continues { " " } else { "; " });
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gits_message_reads_as_one_line_of_sentences() {
        let said = "fatal: 'pk' does not appear to be a git repository\nfatal: Could not read from \
                    remote repository.\n\nPlease make sure you have the correct access rights\nand \
                    the repository exists.\n";
        assert_eq!(
            one_line(said),
            "fatal: 'pk' does not appear to be a git repository; fatal: Could not read from remote \
             repository. Please make sure you have the correct access rights and the repository \
             exists."
        );
        assert_eq!(one_line("a\nB"), "a; B");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn sources_parse_as_folders_or_git() {
        assert_eq!(
            Source::parse("https://h/p.git#v1", None).unwrap(),
            Source::Git {
                url: "https://h/p.git".into(),
                reference: Some("v1".into())
            }
        );
        assert!(matches!(
            Source::parse("git@host:group/pack.git", None).unwrap(),
            Source::Git {
                reference: None,
                ..
            }
        ));
        assert!(matches!(
            Source::parse("../pack", None).unwrap(),
            Source::Folder(_)
        ));
        assert!(matches!(
            Source::parse("../pack#v2", None).unwrap(),
            Source::Git { .. }
        ));
        assert!(Source::parse("x#", None).is_err());
    }

    #[test]
    fn recorded_urls_carry_no_credentials() {
        assert_eq!(
            public_url("https://ci-token:s3cret@git.example.com/p/pack.git?private_token=x"),
            "https://git.example.com/p/pack.git"
        );
        assert_eq!(
            public_url("ssh://git:pw@host:22/p.git"),
            "ssh://git@host:22/p.git"
        );
        assert_eq!(public_url("git@host:p/pack.git"), "git@host:p/pack.git");
        assert_eq!(public_url("file:///srv/pack"), "file:///srv/pack");
    }

    #[test]
    fn credentials_leave_the_url_for_a_header() {
        let (url, header) = split_credentials("https://ci:s3cret@git.example.com/p.git");
        assert_eq!(url, "https://git.example.com/p.git");
        assert_eq!(header.as_deref(), Some("Authorization: Basic Y2k6czNjcmV0"));
        assert_eq!(split_credentials("git@host:p.git").1, None);
    }

    #[test]
    fn tags_read_as_versions() {
        assert_eq!(tag_version("v1"), Some(Version::new(1, 0, 0)));
        assert_eq!(tag_version("v1.2"), Some(Version::new(1, 2, 0)));
        assert_eq!(tag_version("2.0.1"), Some(Version::new(2, 0, 1)));
        assert_eq!(tag_version("release"), None);
        assert_eq!(tag_version("v1.x"), None);
    }
}
