//! The app: what the start commands name when the code defines it, else the app object or a
//! factory that can be called bare; Django's through its settings.

use crate::detect::code::*;
use crate::detect::infer::*;
use crate::detect::parse::start::Target;
use crate::detect::scan::Tree;
use crate::detect::{Evidence, Finding};

/// The entry point (`module:attr`, `module:factory()`, Django's WSGI module), the folder it runs
/// from (the source root: the project root, `src`, or the Django project's folder) and, for
/// Django, the settings module.
pub fn entry_point(
    code: &Code,
    tree: &Tree,
    framework: &Finding<String>,
    targets: &[Target],
    image_settings: Option<&(String, Evidence)>,
) -> (Finding<String>, Finding<String>, Option<Finding<String>>) {
    let (mut app, root, settings) = chosen(code, tree, framework, targets, image_settings);
    // A start command whose target is not taken is said: the repository may be started with
    // something the image does not run.
    let taken = |t: &Target| app.evidence.first() == Some(&t.evidence);
    let passed_over: Vec<String> = targets
        .iter()
        .filter(|t| !taken(t) && framework.text() != Some("django"))
        .map(|t| {
            let why = match module_file(tree, &t.module) {
                None => "no module of the repository".to_string(),
                Some((file, _)) if defined(code, &file, &t.attr).is_none() => {
                    format!("`{file}` does not define `{}`", t.attr)
                }
                Some(_) => "it calls a factory with arguments".to_string(),
            };
            format!(
                "{} names `{}` ({why})",
                t.evidence.location(),
                t.reference()
            )
        })
        .collect();
    if !passed_over.is_empty() {
        let said = format!(
            "{}: the code's app is served instead",
            passed_over.join("; ")
        );
        app.note = Some(match app.note.take() {
            Some(note) => format!("{note}; {said}"),
            None => said,
        });
    }
    (app, root, settings)
}

fn chosen(
    code: &Code,
    tree: &Tree,
    framework: &Finding<String>,
    targets: &[Target],
    image_settings: Option<&(String, Evidence)>,
) -> (Finding<String>, Finding<String>, Option<Finding<String>>) {
    let framework_name = framework.text().unwrap_or("");
    if framework_name == "django" {
        return django(code, tree, image_settings);
    }
    // What the repository is started with today beats a guess from the code, when the code
    // defines what it names (a call with arguments aside: the image calls factories bare).
    for target in targets {
        let Some((file, root)) = module_file(tree, &target.module) else {
            continue;
        };
        let factory = code
            .apps
            .iter()
            .find(|a| a.file == file && a.attr == target.attr && a.factory);
        if target.called && factory.is_none_or(|f| !f.required.is_empty()) {
            continue;
        }
        if let Some((line, text)) = defined(code, &file, &target.attr) {
            let mut evidence = vec![target.evidence.clone()];
            evidence.push(Evidence::at(file.clone(), Some(line), text));
            return (
                Finding::certain(target.reference(), evidence),
                source_root_finding(root, &file),
                None,
            );
        }
    }
    if framework_name == "worker" || framework.value.is_none() && code.apps.is_empty() {
        let root = Finding::certain("", vec![]);
        return (
            Finding::none().noted("no app object found in the code"),
            root,
            None,
        );
    }
    let wanted = |a: &&AppObject| framework_name.is_empty() || a.framework == framework_name;
    let objects: Vec<&AppObject> = code
        .apps
        .iter()
        .filter(wanted)
        .filter(|a| !a.factory)
        .collect();
    let factories: Vec<&AppObject> = code
        .apps
        .iter()
        .filter(wanted)
        .filter(|a| a.factory)
        .collect();
    // An object assigned at module level wins; a factory when there is none, and only one
    // that can be called without arguments.
    let (callable, needs_arguments): (Vec<&AppObject>, Vec<&AppObject>) =
        factories.into_iter().partition(|a| a.required.is_empty());
    let candidates = if objects.is_empty() {
        callable
    } else {
        objects
    };
    if candidates.is_empty()
        && let Some(factory) = needs_arguments.first()
    {
        return (
            Finding::none()
                .noted(format!(
                    "the app factory `{}` takes {} without a default, so the server cannot call \
                     it bare; give `--set app=MODULE:ATTRIBUTE` naming a module-level app (e.g. a \
                     `wsgi.py` with `app = {}(...)`)",
                    factory.attr,
                    factory
                        .required
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    factory.attr
                ))
                .with_evidence(vec![Evidence::at(
                    factory.file.clone(),
                    Some(factory.line),
                    factory.text.clone(),
                )]),
            source_root_finding(
                if has_src_layout(&factory.file) {
                    "src"
                } else {
                    ""
                },
                &factory.file,
            ),
            None,
        );
    }
    let reference = |a: &AppObject| {
        let root = if has_src_layout(&a.file) { "src" } else { "" };
        let module = module_of(&a.file, root);
        (
            format!("{module}:{}{}", a.attr, if a.factory { "()" } else { "" }),
            root,
        )
    };
    let evidence = |a: &AppObject| Evidence::at(a.file.clone(), Some(a.line), a.text.clone());
    match candidates.as_slice() {
        [] => (
            Finding::none().noted(format!(
                "no {} app object or factory found in the code; give `--set app=MODULE:ATTRIBUTE`",
                if framework_name.is_empty() {
                    "web"
                } else {
                    framework_name
                }
            )),
            Finding::certain("", vec![]),
            None,
        ),
        [one] => {
            let (reference, root) = reference(one);
            let root_finding = source_root_finding(root, &one.file);
            (
                Finding::certain(reference, vec![evidence(one)]),
                root_finding,
                None,
            )
        }
        many => {
            // Prefer apps not in a module named like a script or example, else ambiguous.
            let refs: Vec<String> = many.iter().map(|a| reference(a).0).collect();
            (
                Finding::ambiguous(refs, many.iter().map(|a| evidence(a)).collect())
                    .noted("more than one app in the code: give `--set app=MODULE:ATTRIBUTE`"),
                source_root_finding(reference(many[0]).1, &many[0].file),
                None,
            )
        }
    }
}

/// The file of `module` in the project (at its root or under `src/`), and that source root.
pub(crate) fn module_file(tree: &Tree, module: &str) -> Option<(String, &'static str)> {
    let path = module.replace('.', "/");
    ["", "src"].into_iter().find_map(|root| {
        let prefix = if root.is_empty() {
            String::new()
        } else {
            format!("{root}/")
        };
        [
            format!("{prefix}{path}.py"),
            format!("{prefix}{path}/__init__.py"),
        ]
        .into_iter()
        .find(|f| tree.python_files.contains(f))
        .map(|f| (f, root))
    })
}

/// Where `file` binds `name` at its top level: the line and its text.
pub(crate) fn defined(code: &Code, file: &str, name: &str) -> Option<(usize, String)> {
    code.module_names
        .iter()
        .find(|(f, _, n)| f == file && n == name)
        .map(|(_, line, _)| (*line, name.to_string()))
}

pub(crate) fn source_root_finding(root: &str, file: &str) -> Finding<String> {
    if root.is_empty() {
        Finding::certain("", vec![])
    } else {
        Finding::certain(
            root,
            vec![Evidence::at(
                file,
                None,
                format!("the app's package lives under `{root}/`"),
            )],
        )
    }
}
