//! The health route: a GET route that needs no database, login or request data, served under
//! the prefixes of every registration up to the app.

use crate::detect::code::*;
use crate::detect::{Evidence, Finding};

/// A route as the app serves it: its full path (blueprint and router prefixes applied) and
/// what shows it.
pub(crate) struct Served {
    path: String,
    evidence: Vec<Evidence>,
    certain: bool,
    note: &'static str,
}

/// Where `route` is served. A route on a blueprint or router gets the prefix it is registered
/// with (Flask: the registration's `url_prefix` replaces the blueprint's own; FastAPI: the
/// `include_router` prefix comes before the router's).
pub(crate) fn served(
    code: &Code,
    route: &Route,
    django: bool,
    source_root: &str,
) -> Option<Served> {
    let at = Evidence::at(route.file.clone(), Some(route.line), route.text.clone());
    let guess = |note| Served {
        path: route.path.clone(),
        evidence: vec![at.clone()],
        certain: false,
        note,
    };
    if django {
        // Served under the prefixes of the include() lines from ROOT_URLCONF down; a URLconf
        // no include() chain reaches serves nothing.
        let module = module_of(&route.file, source_root);
        let (prefix, mut evidence) = django_prefix(code, &module, source_root, 0)?;
        evidence.insert(0, at);
        return Some(Served {
            path: format!("/{prefix}{}", route.path.trim_start_matches('/')),
            evidence,
            certain: true,
            note: "a route of the root URLconf (under the prefixes of the include() lines shown)",
        });
    }
    served_app(code, route, guess)
}

/// The URL prefix Django serves URLconf `module` under, with the include() lines behind it.
pub(crate) fn django_prefix(
    code: &Code,
    module: &str,
    source_root: &str,
    depth: usize,
) -> Option<(String, Vec<Evidence>)> {
    let root = code
        .django
        .iter()
        .find(|(_, _, name, _)| name == "ROOT_URLCONF")
        .map(|(_, _, _, value)| value.as_str());
    let included = code.includes.iter().any(|i| i.target == module);
    if root == Some(module) || (root.is_none() && !included) {
        return Some((String::new(), Vec::new()));
    }
    if depth > 8 {
        return None;
    }
    code.includes
        .iter()
        .filter(|i| i.target == module)
        .find_map(|include| {
            let parent = module_of(&include.file, source_root);
            let (prefix, mut evidence) = django_prefix(code, &parent, source_root, depth + 1)?;
            evidence.push(Evidence::at(
                include.file.clone(),
                Some(include.line),
                include.text.clone(),
            ));
            Some((format!("{prefix}{}", include.prefix), evidence))
        })
}

/// Where a Flask, FastAPI or other app's route is served.
pub(crate) fn served_app(
    code: &Code,
    route: &Route,
    guess: impl Fn(&'static str) -> Served,
) -> Option<Served> {
    let at = Evidence::at(route.file.clone(), Some(route.line), route.text.clone());
    // A route table names the path whole: no prefix is set elsewhere.
    if route.on == "routes" {
        return Some(Served {
            certain: true,
            ..guess(
                "a route registered in a route table; the smoke test expects a 2xx answer there",
            )
        });
    }
    let on_app = code.apps.iter().any(|a| a.attr == route.on && !a.factory)
        || code.app_names.contains(&route.on);
    if on_app {
        return Some(Served {
            certain: true,
            note: "",
            ..guess("")
        });
    }
    let unknown =
        "the route is on a blueprint or router whose prefix is set elsewhere; check the path";
    let Some(router) = code
        .routers
        .iter()
        .find(|r| r.name == route.on && r.file == route.file)
    else {
        return Some(guess(unknown));
    };
    let chain = mounted_prefix(code, router, 0)?;
    if chain.computed {
        return Some(Served {
            evidence: [vec![at], chain.evidence].concat(),
            ..guess(
                "the prefix the route is registered with is computed, not written out; check the path",
            )
        });
    }
    Some(Served {
        path: join_path(&chain.prefix, &route.path),
        evidence: [vec![at], chain.evidence].concat(),
        certain: chain.certain,
        note: "the route's path with the prefixes its blueprint or router is registered with",
    })
}

/// Where a blueprint's or router's routes are served: the prefixes of every registration up to
/// the app.
pub(crate) struct Chain {
    prefix: String,
    evidence: Vec<Evidence>,
    /// One registration at each level, no name shared by two routers.
    certain: bool,
    /// A prefix is computed from something other than a constant: unknown here.
    computed: bool,
}

pub(crate) fn mounted_prefix(code: &Code, router: &Router, depth: usize) -> Option<Chain> {
    if depth > 8 {
        return None;
    }
    // `blog.bp` names the router of `blog.py` (or `blog/__init__.py`); a bare `bp` any router
    // of that name.
    let stem = {
        let path = router.file.trim_end_matches(".py");
        let path = path.strip_suffix("/__init__").unwrap_or(path);
        path.rsplit('/').next().unwrap_or(path).to_string()
    };
    let same_name = code
        .routers
        .iter()
        .filter(|r| r.name == router.name)
        .count();
    let mounts: Vec<&Mount> = code
        .mounts
        .iter()
        .filter(|m| match m.target.rsplit_once('.') {
            Some((qualifier, last)) => {
                last == router.name && qualifier.rsplit('.').next() == Some(stem.as_str())
            }
            None => m.target == router.name,
        })
        .collect();
    // A blueprint or router registered nowhere serves nothing.
    let mount = mounts.first()?;
    let mut evidence = vec![Evidence::at(
        router.file.clone(),
        Some(router.line),
        router.text.clone(),
    )];
    evidence.extend(router.prefix_from.iter().cloned());
    evidence.push(Evidence::at(
        mount.file.clone(),
        Some(mount.line),
        mount.text.clone(),
    ));
    evidence.extend(mount.prefix_from.iter().cloned());
    if mount.computed || router.computed {
        return Some(Chain {
            prefix: String::new(),
            evidence: evidence.split_off(evidence.len() - 1 - mount.prefix_from.len()),
            certain: false,
            computed: true,
        });
    }
    // Flask: a prefix given when registering replaces the blueprint's own; FastAPI: the
    // registration's comes before the router's.
    let own = if router.blueprint {
        mount
            .prefix
            .clone()
            .or(router.prefix.clone())
            .unwrap_or_default()
    } else {
        join_path(
            mount.prefix.as_deref().unwrap_or(""),
            router.prefix.as_deref().unwrap_or(""),
        )
    };
    let bare = !mount.target.contains('.');
    let certain = mounts.len() == 1 && !(bare && same_name > 1);
    // Registered on another blueprint or router: its prefixes come first.
    let parent = code
        .routers
        .iter()
        .filter(|r| r.name == mount.on)
        .min_by_key(|r| r.file != mount.file);
    match parent {
        Some(parent) => {
            let up = mounted_prefix(code, parent, depth + 1)?;
            evidence.extend(up.evidence);
            Some(Chain {
                prefix: join_path(&up.prefix, &own),
                evidence,
                certain: certain && up.certain,
                computed: up.computed,
            })
        }
        None => Some(Chain {
            prefix: own,
            evidence,
            certain,
            computed: false,
        }),
    }
}

/// `/api/v1` + `/utils/` → `/api/v1/utils/`; an empty part adds nothing.
pub(crate) fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!(
            "{}/{}",
            prefix.trim_end_matches('/'),
            path.trim_start_matches('/')
        ),
    }
}

/// A GET route that needs no database, login or request data; paths with a trailing slash
/// are valid. None: the smoke test checks liveness (any HTTP answer below 500) instead.
/// `sites`: where the Django settings install the sites framework, whose admin login page
/// looks the current site up in the database (so it is no health route).
pub fn health_route(
    code: &Code,
    framework: Option<&str>,
    source_root: &str,
    sites: Option<Evidence>,
) -> Finding<String> {
    let django = framework == Some("django");
    let app_wide = code
        .apps
        .iter()
        .find(|a| !a.factory && code.guarded.contains(&a.attr));
    if let Some(app) = app_wide {
        return Finding::none()
            .noted(format!(
                "every route of `{}` runs the app's dependencies first (`dependencies=[...]`), so \
                 none answers a bare GET: the health check accepts any HTTP answer below 500 \
                 (liveness)",
                app.attr
            ))
            .with_evidence(vec![Evidence::at(
                app.file.clone(),
                Some(app.line),
                app.text.clone(),
            )]);
    }
    let routes: Vec<Served> = code
        .routes
        .iter()
        .filter(|r| !code.guarded.contains(&r.on))
        .filter(|r| r.clean && (r.on == "urlpatterns") == django && r.on != "admin")
        .filter_map(|r| served(code, r, django, source_root))
        .collect();
    // Django's admin login page, when the admin is installed: a page every Django project
    // with the admin serves without a database query (no session cookie, no user to load).
    let admin: Vec<Served> = code
        .routes
        .iter()
        .filter(|r| django && r.on == "admin")
        .filter_map(|r| served(code, r, true, source_root))
        .map(|mut s| {
            s.note = "Django's admin login page: it answers a GET without a database";
            s
        })
        .collect();
    let healthy = |r: &&Served| {
        let p = r.path.to_ascii_lowercase();
        ["health", "ping", "status", "live", "ready"]
            .iter()
            .any(|w| p.contains(w))
    };
    let admin_route = admin.first().filter(|_| sites.is_none());
    let chosen = routes
        .iter()
        .find(healthy)
        .or(admin_route)
        .or_else(|| routes.iter().find(|r| r.path == "/"));
    match chosen {
        Some(route) if route.certain => {
            let finding = Finding::certain(route.path.clone(), route.evidence.clone());
            if route.note.is_empty() {
                finding
            } else {
                finding.noted(route.note)
            }
        }
        Some(route) => {
            Finding::guess(route.path.clone(), route.evidence.clone()).noted(route.note)
        }
        None => match (admin.first(), sites) {
            (Some(login), Some(sites)) => Finding::none()
                .noted(format!(
                    "Django's admin login page ({}) looks the current site up in the database \
                     when the sites framework is installed, and no other GET route needs no \
                     database, login or request data: the health check accepts any HTTP \
                     answer below 500 on a path no route serves (liveness)",
                    login.path
                ))
                .with_evidence(vec![sites]),
            _ => Finding::none().noted(
                "no GET route that needs no database, login or request data: the health check accepts any HTTP answer below 500 (liveness)",
            ),
        },
    }
}
