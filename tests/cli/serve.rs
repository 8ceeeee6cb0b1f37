//! Every framework's example app, really served by gunicorn with the generated config (no
//! Docker), the generated smoke test's polling logic exercised against it, the example worker
//! run and stopped, and every example's own tests.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{generate, run_tool, tool};
use crate::validators::served_app;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends SIGTERM (what `docker stop` sends through tini) and waits; returns the time taken.
fn terminate(child: &mut Child) -> Duration {
    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(15) {
            child.kill().unwrap();
            panic!("the process did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn logs(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

/// Serves a generated project with gunicorn and its config; checks health, `/`, logs and stop.
fn serve(framework: &str, health_path: &str, worker_class: &str) {
    let (Some(gunicorn), Some(python)) = (tool("gunicorn"), tool("python3")) else {
        return;
    };
    let name = format!("serve-{framework}");
    let (_tmp, root) = generate(
        &name,
        &["--framework", framework, "--health-path", health_path, "-y"],
    );
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let app = served_app(&dockerfile).expect("a served app");
    let port = free_port();
    let mut server = Command::new(&gunicorn)
        .args(["-c", "docker/gunicorn.conf.py", &app])
        .current_dir(&root)
        .env("PORT", port.to_string())
        .env("WEB_CONCURRENCY", "2")
        .env("DJANGO_SECRET_KEY", "serve-test-only")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}{health_path}");
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
    let get = format!(
        "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{port}/').read().decode())"
    );
    let index = run_tool(&python, &["-c", &get], &root);
    let stopped_in = terminate(&mut server);
    let text = logs(server);
    assert!(
        probe.0,
        "{framework}: smoke probe failed: {}\ngunicorn logs:\n{text}",
        probe.1
    );
    assert!(
        probe.1.contains(&format!("smoke: healthy at {url}")),
        "{}",
        probe.1
    );
    assert!(
        index.0 && index.1.contains(&format!("\"service\": \"{name}\""))
            || index.1.contains(&format!("\"service\":\"{name}\"")),
        "{framework}: / answered {}",
        index.1
    );
    assert!(
        text.contains(&format!("GET {health_path} HTTP/1.1\" 200")),
        "{framework}: no access log:\n{text}"
    );
    assert!(
        text.contains(worker_class),
        "{framework}: not the {worker_class} worker:\n{text}"
    );
    crate::support::report(&format!(
        "{framework}: gunicorn stopped {:.2}s after SIGTERM",
        stopped_in.as_secs_f64()
    ));
    assert!(
        stopped_in < Duration::from_secs(6),
        "{framework}: gunicorn took {stopped_in:?} to stop"
    );
}

#[test]
fn flask_is_served() {
    serve("flask", "/livez", "gthread");
}

#[test]
fn django_is_served() {
    serve("django", "/healthz", "gthread");
}

#[test]
fn fastapi_is_served() {
    serve("fastapi", "/health", "uvicorn");
}

#[test]
fn a_generic_wsgi_app_is_served() {
    serve("wsgi", "/healthz", "gthread");
}

#[test]
fn a_generic_asgi_app_is_served() {
    serve("asgi", "/ping", "uvicorn");
}

#[test]
fn the_worker_keeps_running_and_stops_on_sigterm() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (_tmp, root) = generate("jobs", &["--framework", "worker", "-y"]);
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(
        record.contains("command: python -m jobs.worker"),
        "{record}"
    );
    let mut worker = Command::new(&python)
        .args(["-m", "jobs.worker"])
        .current_dir(&root)
        .env("WORKER_INTERVAL", "0.2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        worker.try_wait().unwrap().is_none(),
        "the worker exited on its own"
    );
    let stopped_in = terminate(&mut worker);
    let text = logs(worker);
    assert!(text.matches("tick in production").count() >= 3, "{text}");
    assert!(text.contains("worker stopped"), "{text}");
    assert!(
        stopped_in < Duration::from_secs(2),
        "the worker took {stopped_in:?} to stop"
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
    assert!(text.contains("not healthy within 1.5s"), "{text}");
}

fn example_tests_pass(root: &Path) {
    let Some(pytest) = tool("pytest") else { return };
    let (ok, text) = run_tool(&pytest, &["-q", "-p", "no:cacheprovider", "tests"], root);
    assert!(ok && text.contains("passed"), "{}: {text}", root.display());
}

#[test]
fn every_frameworks_example_tests_pass() {
    for (framework, extra) in [
        ("flask", &[][..]),
        ("django", &["--installer", "poetry"][..]),
        ("fastapi", &["--installer", "uv"][..]),
        ("wsgi", &["--set", "app=apps.server:create_app()"][..]),
        (
            "asgi",
            &["--set", "app=apps:application", "--installer", "flit"][..],
        ),
        ("worker", &["--installer", "pdm"][..]),
    ] {
        let mut args = vec!["--framework", framework, "--no-lock", "-y"];
        args.extend_from_slice(extra);
        let (_tmp, root) = generate("apps", &args);
        example_tests_pass(&root);
    }
}
