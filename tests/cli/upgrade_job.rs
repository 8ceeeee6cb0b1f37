//! The generated scheduled upgrade job (`docker/upgrade_job.py`), run for real: the installed
//! pyscaffold, a pack with a newer tag, a git remote, and the GitHub or GitLab API served on
//! loopback by a recorder. The job must push the upgrade branch, open a request listing the
//! changelog and the files, open a conflicted upgrade as a draft, and do nothing when up to
//! date.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use assert_fs::TempDir;

use crate::support::{bin, commit_all, git, run, stderr, stdout, test_cache};

/// One request the fake API received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    pub headers: String,
    pub body: String,
}

/// Serves `[]` to every GET and a created request to everything else; records all.
pub(crate) fn fake_api() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_string();
            let path = parts.next().unwrap_or_default().to_string();
            let mut headers = String::new();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push_str(&header);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let reply = if method == "GET" {
                "[]".to_string()
            } else {
                r#"{"number": 7, "iid": 7, "html_url": "http://example.invalid/pull/7", "web_url": "http://example.invalid/mr/7"}"#.to_string()
            };
            log.lock().unwrap().push(Seen {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (url, seen)
}

/// A lock-free pack with tags v1 and v2 (v2 changes the CODEOWNERS line).
pub(crate) fn pack(dir: &Path) -> PathBuf {
    let root = dir.join("pack");
    std::fs::create_dir_all(root.join("files")).unwrap();
    let manifest = |version: &str| {
        format!(
            "name: acme\nversion: {version}\ndescription: d\nchangelog: Owners from the \
             platform team ({version})\nfiles:\n  - template: CODEOWNERS\n    path: CODEOWNERS\n"
        )
    };
    std::fs::write(root.join("pack.yaml"), manifest("1.0.0")).unwrap();
    std::fs::write(root.join("files/CODEOWNERS"), "# owners\n* @acme/one\n").unwrap();
    commit_all(&root, "v1");
    assert!(git(&root, &["tag", "v1"]).status.success());
    std::fs::write(root.join("pack.yaml"), manifest("2.0.0")).unwrap();
    std::fs::write(root.join("files/CODEOWNERS"), "# owners\n* @acme/two\n").unwrap();
    commit_all(&root, "v2");
    assert!(git(&root, &["tag", "v2"]).status.success());
    root
}

/// A project from `source` with the job, committed, with a bare `origin`.
fn project(tmp: &Path, name: &str, source: &str, ci: &str) -> (PathBuf, PathBuf) {
    let out = run(
        tmp,
        &[
            "new",
            name,
            "--pack",
            source,
            "--ci",
            ci,
            "--set",
            "upgrade_job=true",
            "-y",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let root = tmp.join(name);
    assert!(root.join("docker/upgrade_job.py").is_file());
    commit_all(&root, "generated");
    let origin = tmp.join(format!("{name}-origin.git"));
    assert!(
        git(tmp, &["init", "-q", "--bare", origin.to_str().unwrap()])
            .status
            .success()
    );
    (root, origin)
}

fn job(root: &Path, platform: &str, origin: &Path, api: &str) -> Output {
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let mut path = vec![bin_dir];
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    Command::new("python3")
        .args(["docker/upgrade_job.py", "--platform", platform, "--remote"])
        .arg(origin)
        .current_dir(root)
        .stdin(Stdio::null())
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("PYSCAFFOLD_CACHE_DIR", test_cache())
        .env("PYSCAFFOLD_CONFIG", root.join(".no-config.yaml"))
        .env_remove("PYSCAFFOLD_PACK")
        .env("GH_TOKEN", "gh-test-token")
        .env("GITHUB_REPOSITORY", "acme/svc")
        .env("GITHUB_API_URL", api)
        .env("PYSCAFFOLD_UPGRADE_TOKEN", "gl-test-token")
        .env("CI_API_V4_URL", format!("{api}/api/v4"))
        .env("CI_PROJECT_ID", "42")
        .env("CI_SERVER_URL", "http://gitlab.invalid")
        .env("CI_PROJECT_PATH", "acme/svc")
        .output()
        .unwrap()
}

pub(crate) fn body(seen: &Seen) -> serde_json::Value {
    serde_json::from_str(&seen.body).unwrap()
}

#[test]
fn the_upgrade_job_pushes_a_branch_and_opens_a_pull_request() {
    let tmp = TempDir::new().unwrap();
    let pack = pack(tmp.path());
    let (api, seen) = fake_api();
    let (root, origin) = project(
        tmp.path(),
        "svc",
        &format!("file://{}#v1", pack.display()),
        "github",
    );
    let out = job(&root, "github", &origin, &api);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // The branch on the remote holds the upgrade.
    let show = git(&origin, &["show", "pyscaffold/upgrade:CODEOWNERS"]);
    assert_eq!(stdout(&show), "# owners\n* @acme/two\n");
    let record = stdout(&git(
        &origin,
        &["show", "pyscaffold/upgrade:.pyscaffold.yml"],
    ));
    assert!(record.contains("version: \"2.0.0\""), "{record}");
    let seen_now = seen.lock().unwrap().clone();
    let post = seen_now
        .iter()
        .find(|s| s.method == "POST")
        .expect("a pull request opened");
    assert_eq!(post.path, "/repos/acme/svc/pulls");
    assert!(
        post.headers.contains("Bearer gh-test-token"),
        "{}",
        post.headers
    );
    let request = body(post);
    assert_eq!(request["head"], "pyscaffold/upgrade");
    assert_eq!(request["base"], "main");
    assert_eq!(request["draft"], false);
    let text = request["body"].as_str().unwrap();
    for part in [
        "pack acme 1.0.0 -> 2.0.0",
        "**pack acme 2.0.0**: Owners from the platform team (2.0.0)",
        "- update `CODEOWNERS`",
    ] {
        assert!(text.contains(part), "no `{part}` in:\n{text}");
    }
    // The token never reaches the repository's config.
    let config = std::fs::read_to_string(root.join(".git/config")).unwrap();
    assert!(!config.contains("gh-test-token"), "{config}");

    // Up to date: nothing is opened.
    let before = seen_now.len();
    let (current, origin2) = project(
        tmp.path(),
        "current",
        &format!("file://{}", pack.display()),
        "github",
    );
    let out = job(&current, "github", &origin2, &api);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("up-to-date; nothing to open"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&git(&origin2, &["branch", "--list"])).contains("pyscaffold/upgrade"));
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "no request when up to date"
    );
}

#[test]
fn a_conflicted_upgrade_opens_a_draft_merge_request() {
    let tmp = TempDir::new().unwrap();
    let pack = pack(tmp.path());
    let (api, seen) = fake_api();
    let (root, origin) = project(
        tmp.path(),
        "svc",
        &format!("file://{}#v1", pack.display()),
        "gitlab",
    );
    std::fs::write(root.join("CODEOWNERS"), "# owners\n* @acme/mine\n").unwrap();
    commit_all(&root, "our owners");
    let out = job(&root, "gitlab", &origin, &api);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("draft request"), "{}", stdout(&out));
    let pushed = stdout(&git(&origin, &["show", "pyscaffold/upgrade:CODEOWNERS"]));
    assert!(
        pushed.contains("<<<<<<<") && pushed.contains("@acme/mine"),
        "{pushed}"
    );
    let seen = seen.lock().unwrap().clone();
    let post = seen
        .iter()
        .find(|s| s.method == "POST")
        .expect("a merge request opened");
    assert_eq!(post.path, "/api/v4/projects/42/merge_requests");
    assert!(
        post.headers
            .to_ascii_lowercase()
            .contains("private-token: gl-test-token")
    );
    let request = body(post);
    assert!(
        request["title"]
            .as_str()
            .unwrap()
            .starts_with("Draft: Upgrade the Docker packaging"),
        "{request}"
    );
    assert_eq!(request["source_branch"], "pyscaffold/upgrade");
    let text = request["description"].as_str().unwrap();
    assert!(text.contains("## Conflicts\n\n- `CODEOWNERS`"), "{text}");
}

#[test]
fn a_failed_push_names_no_token() {
    let tmp = TempDir::new().unwrap();
    let pack = pack(tmp.path());
    let (api, _seen) = fake_api();
    let (root, _origin) = project(
        tmp.path(),
        "svc",
        &format!("file://{}#v1", pack.display()),
        "github",
    );
    let out = job(
        &root,
        "github",
        &tmp.path().join("no-such-remote.git"),
        &api,
    );
    let log = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("upgrade job: `git push` failed"), "{log}");
    assert!(log.contains("Workflows permission"), "{log}");
    // Neither the token nor its base64 form (`x-access-token:gh-test-token`).
    for secret in ["gh-test-token", "eC1hY2Nlc3MtdG9rZW46Z2gtdGVzdC10b2tlbg"] {
        assert!(!log.contains(secret), "the log shows `{secret}`:\n{log}");
    }
}
