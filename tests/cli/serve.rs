//! The generated app, really served by gunicorn with the generated config (no Docker), and the
//! generated smoke test's polling logic exercised against it.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{generate, run_tool, tool};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn gunicorn_serves_the_app_and_the_smoke_probe_sees_it() {
    let (Some(gunicorn), Some(python)) = (tool("gunicorn"), tool("python3")) else {
        return;
    };
    let (_tmp, root) = generate("demo", &["-y", "--health-path", "/livez"]);
    let port = free_port();
    let mut server = Command::new(&gunicorn)
        .args(["-c", "docker/gunicorn.conf.py", "demo.app:app"])
        .current_dir(&root)
        .env("PORT", port.to_string())
        .env("WEB_CONCURRENCY", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let url = format!("http://127.0.0.1:{port}/livez");
    let probe = run_tool(
        &python,
        &[
            "docker/smoke_test.py",
            "--probe-url",
            &url,
            "--timeout",
            "30",
        ],
        &root,
    );
    let index = run_tool(
        &python,
        &[
            "-c",
            &format!(
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{port}/').read().decode())"
            ),
        ],
        &root,
    );

    // SIGTERM, as `docker stop` sends through tini: gunicorn must stop promptly.
    let stop = Instant::now();
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        if stop.elapsed() > Duration::from_secs(15) {
            server.kill().unwrap();
            panic!("gunicorn did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stopped_in = stop.elapsed();
    let output = server.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);

    assert!(
        probe.0,
        "smoke probe failed: {}\ngunicorn logs:\n{logs}",
        probe.1
    );
    assert!(
        probe.1.contains(&format!("smoke: healthy at {url}")),
        "{}",
        probe.1
    );
    assert!(
        index.0 && index.1.contains("\"service\":\"demo\""),
        "{}",
        index.1
    );
    assert!(
        logs.contains("\"GET /livez HTTP/1.1\" 200"),
        "no access log on stdout/stderr:\n{logs}"
    );
    assert!(logs.contains("gthread"), "not the threaded worker:\n{logs}");
    assert!(
        status.success() || status.code() == Some(0),
        "gunicorn exited with {status}"
    );
    eprintln!(
        "gunicorn stopped {:.2}s after SIGTERM",
        stopped_in.as_secs_f64()
    );
    assert!(
        stopped_in < Duration::from_secs(6),
        "gunicorn took {stopped_in:?} to stop"
    );
}

#[test]
fn the_smoke_probe_fails_clearly_when_nothing_answers() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (_tmp, root) = generate("demo", &["-y"]);
    let url = format!("http://127.0.0.1:{}/healthz", free_port());
    let (ok, text) = run_tool(
        &python,
        &[
            "docker/smoke_test.py",
            "--probe-url",
            &url,
            "--timeout",
            "1.5",
        ],
        &root,
    );
    assert!(!ok, "probe passed with nothing listening: {text}");
    assert!(text.contains("did not answer 2xx within 1.5s"), "{text}");
}

#[test]
fn the_generated_app_tests_pass() {
    let Some(pytest) = tool("pytest") else { return };
    let (_tmp, root) = generate("demo", &["-y"]);
    let (ok, text) = run_tool(&pytest, &["-q", "-p", "no:cacheprovider", "tests"], &root);
    assert!(ok && text.contains("2 passed"), "{text}");
}
