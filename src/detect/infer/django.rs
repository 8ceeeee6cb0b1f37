//! Django: the settings module a production image runs (the repository's Dockerfile, a
//! production module beside the development one) and what those settings set.

use crate::detect::code::*;
use crate::detect::scan::Tree;
use crate::detect::{Evidence, Finding};

pub(crate) fn django(
    code: &Code,
    tree: &Tree,
    image_env: Option<&(String, Evidence)>,
) -> (Finding<String>, Finding<String>, Option<Finding<String>>) {
    let Some(manage) = tree.manage_py.first() else {
        return (Finding::none(), Finding::certain("", vec![]), None);
    };
    let dir = manage
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let root = if dir.is_empty() {
        Finding::certain("", vec![Evidence::at(manage.clone(), None, "manage.py")])
    } else {
        Finding::certain(
            dir.clone(),
            vec![Evidence::at(
                manage.clone(),
                None,
                "the Django project runs from here",
            )],
        )
    };
    let settings = code.settings_modules.iter().find(|(f, _, _)| f == manage);
    let Some((file, line, module)) = settings else {
        return (
            Finding::none().noted("manage.py does not name DJANGO_SETTINGS_MODULE; give `--set app=PROJECT.wsgi:application`"),
            root,
            None,
        );
    };
    let settings_finding = Finding::certain(
        module.clone(),
        vec![Evidence::at(
            file.clone(),
            Some(*line),
            format!("DJANGO_SETTINGS_MODULE = \"{module}\""),
        )],
    );
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let settings_file = {
        let base = module.replace('.', "/");
        [
            format!("{prefix}{base}.py"),
            format!("{prefix}{base}/__init__.py"),
        ]
    };
    let is_wsgi = |name: &str| name == "WSGI_APPLICATION";
    // Split settings (`config.settings.production` importing `from .base import *`) name it
    // in a sibling module of the package.
    let parent = module
        .rsplit_once('.')
        .map(|(p, _)| format!("{prefix}{}/", p.replace('.', "/")))
        .unwrap_or_default();
    let wsgi = code
        .django
        .iter()
        .find(|(f, _, name, _)| {
            is_wsgi(name)
                && (settings_file.contains(f)
                    || f.starts_with(settings_file[0].trim_end_matches(".py")))
        })
        .or_else(|| {
            code.django.iter().find(|(f, _, name, _)| {
                is_wsgi(name)
                    && !parent.is_empty()
                    && f.starts_with(&parent)
                    && !f[parent.len()..].contains('/')
            })
        });
    let app = match wsgi {
        Some((f, l, _, value)) => {
            let (module, attr) = value.rsplit_once('.').unwrap_or((value, "application"));
            Finding::certain(
                format!("{module}:{attr}"),
                vec![Evidence::at(
                    f.clone(),
                    Some(*l),
                    format!("WSGI_APPLICATION = \"{value}\""),
                )],
            )
        }
        None => {
            // Django's startproject puts wsgi.py beside settings.py: the nearest one up from
            // the settings module.
            let mut package = module.rsplit_once('.').map(|(p, _)| p).unwrap_or(module);
            let found = loop {
                let candidate = format!("{prefix}{}/wsgi.py", package.replace('.', "/"));
                if tree.python_files.contains(&candidate) {
                    break Some(candidate);
                }
                match package.rsplit_once('.') {
                    Some((up, _)) => package = up,
                    None => break None,
                }
            };
            match found {
                Some(wsgi_file) => Finding::certain(
                    format!("{package}.wsgi:application"),
                    vec![Evidence::at(wsgi_file, None, "Django's WSGI module")],
                )
                .noted(
                    "the settings do not name WSGI_APPLICATION: the wsgi module nearest to them",
                ),
                None => {
                    let package = module.rsplit_once('.').map(|(p, _)| p).unwrap_or(module);
                    Finding::guess(format!("{package}.wsgi:application"), vec![Evidence::at(file.clone(), Some(*line), format!("settings module `{module}`"))])
                        .noted("the settings do not name WSGI_APPLICATION and there is no wsgi.py: Django's default place, beside them")
                }
            }
        }
    };
    // gunicorn imports the WSGI module, whose own DJANGO_SETTINGS_MODULE default wins over
    // manage.py's (often the development settings).
    let wsgi_file = app
        .text()
        .and_then(|a| a.split_once(':'))
        .map(|(m, _)| format!("{prefix}{}.py", m.replace('.', "/")));
    let served = code
        .settings_modules
        .iter()
        .find(|(f, _, _)| Some(f) == wsgi_file.as_ref());
    let settings_finding = match served {
        Some((f, l, served)) if served != module => Finding::certain(
            served.clone(),
            vec![Evidence::at(
                f.clone(),
                Some(*l),
                format!("DJANGO_SETTINGS_MODULE = \"{served}\""),
            )],
        )
        .noted(format!(
            "manage.py ({file}:{line}) names `{module}`; the WSGI module the server imports names `{served}`"
        )),
        _ => settings_finding,
    };
    let settings_finding = production_settings(code, tree, &prefix, settings_finding, image_env);
    (app, root, Some(settings_finding))
}

/// Module names of production settings beside development ones, most common first.
pub(crate) const PRODUCTION_SETTINGS: [&str; 4] = ["production", "prod", "prd", "live"];

/// A production image runs production settings: the repository's own Dockerfile's
/// `DJANGO_SETTINGS_MODULE`, else a `production` module beside the chosen one when the chosen
/// one is not it.
pub(crate) fn production_settings(
    code: &Code,
    tree: &Tree,
    prefix: &str,
    chosen: Finding<String>,
    image_env: Option<&(String, Evidence)>,
) -> Finding<String> {
    let Some(module) = chosen.text().map(str::to_string) else {
        return chosen;
    };
    let file_of = |m: &str| {
        let base = format!("{prefix}{}", m.replace('.', "/"));
        [format!("{base}.py"), format!("{base}/__init__.py")]
            .into_iter()
            .find(|f| tree.python_files.contains(f))
    };
    if let Some((named, evidence)) = image_env
        && file_of(named).is_some()
    {
        if *named == module {
            return chosen;
        }
        return Finding::certain(named.clone(), vec![evidence.clone()]).noted(format!(
            "the repository's Dockerfile runs `{named}`; {} names `{module}`",
            chosen
                .evidence
                .first()
                .map_or("the code".into(), Evidence::location)
        ));
    }
    let Some((package, last)) = module.rsplit_once('.') else {
        return chosen;
    };
    if PRODUCTION_SETTINGS.contains(&last) {
        return chosen;
    }
    for candidate in PRODUCTION_SETTINGS {
        let production = format!("{package}.{candidate}");
        let Some(file) = file_of(&production) else {
            continue;
        };
        let debug = code
            .django
            .iter()
            .find(|(f, _, name, _)| *f == file && name == "DEBUG");
        // A module that says DEBUG = True is not production settings, whatever its name.
        if debug.is_some_and(|(_, _, _, value)| value == "True") {
            continue;
        }
        let evidence = match debug {
            Some((f, l, _, value)) => Evidence::at(f.clone(), Some(*l), format!("DEBUG = {value}")),
            None => Evidence::at(file.clone(), None, "the production settings module"),
        };
        let mut all = vec![evidence];
        all.extend(chosen.evidence.iter().cloned());
        return Finding::certain(production, all).noted(format!(
            "{} names `{module}`; a production image runs the production settings beside it",
            chosen
                .evidence
                .first()
                .map_or("the code".into(), Evidence::location)
        ));
    }
    chosen
}

/// Whether the settings module `module` (through what it star-imports) sets `name`.
pub fn settings_define(code: &Code, source_root: &str, module: &str, name: &str) -> bool {
    settings_value(code, source_root, module, name).is_some()
}

/// Where the settings module `module`, or a module it star-imports, sets `name`: the file, line
/// and value as written (the module's own assignment first).
pub fn settings_value(
    code: &Code,
    source_root: &str,
    module: &str,
    name: &str,
) -> Option<(String, usize, String)> {
    settings_find(code, source_root, module, |n, _| n == name)
        .map(|(f, l, _, v)| (f.clone(), *l, v.clone()))
}

/// Where the settings module `module`, or a module it star-imports, names `text` in any
/// setting's value (`"django.contrib.sites"` in INSTALLED_APPS or a list it is built from): the
/// file, line and the setting's name.
pub fn settings_mention(
    code: &Code,
    source_root: &str,
    module: &str,
    text: &str,
) -> Option<(String, usize, String)> {
    settings_find(code, source_root, module, |_, v| v.contains(text))
        .map(|(f, l, n, _)| (f.clone(), *l, n.clone()))
}

/// The first setting of `module` (or a module it star-imports) whose name and value `wanted`
/// takes, the module's own first.
fn settings_find<'c>(
    code: &'c Code,
    source_root: &str,
    module: &str,
    wanted: impl Fn(&str, &str) -> bool,
) -> Option<&'c (String, usize, String, String)> {
    settings_files(code, source_root, module)
        .iter()
        .find_map(|file| {
            code.django
                .iter()
                .find(|(f, _, n, v)| f == file && wanted(n, v))
        })
}

/// The files of the settings module `module` and of the modules it star-imports, the module's
/// own first.
fn settings_files(code: &Code, source_root: &str, module: &str) -> Vec<String> {
    let prefix = if source_root.is_empty() {
        String::new()
    } else {
        format!("{source_root}/")
    };
    let base = format!("{prefix}{}", module.replace('.', "/"));
    let mut open = vec![format!("{base}/__init__.py"), format!("{base}.py")];
    let mut seen: Vec<String> = Vec::new();
    while let Some(file) = open.pop() {
        if seen.contains(&file) || seen.len() > 32 {
            continue;
        }
        // An absolute star import names the module from the source root.
        open.extend(code.star_imports.iter().filter(|(f, _, _)| *f == file).map(
            |(_, t, absolute)| {
                if *absolute {
                    format!("{prefix}{t}")
                } else {
                    t.clone()
                }
            },
        ));
        seen.push(file);
    }
    seen
}

/// Where the settings module `module` (or a module it is in) sets `DEBUG = True`.
pub fn debug_true(code: &Code, source_root: &str, module: &str) -> Option<(String, usize)> {
    let prefix = if source_root.is_empty() {
        String::new()
    } else {
        format!("{source_root}/")
    };
    let base = format!("{prefix}{}", module.replace('.', "/"));
    let files = [format!("{base}.py"), format!("{base}/__init__.py")];
    code.django
        .iter()
        .find(|(f, _, name, value)| files.contains(f) && name == "DEBUG" && value == "True")
        .map(|(f, l, _, _)| (f.clone(), *l))
}
