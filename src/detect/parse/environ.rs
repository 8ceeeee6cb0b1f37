//! Environment variables a module needs when it is imported: reads that fail when the variable
//! is not set. The smoke test starts the image without the deployment's variables (and Django's
//! collectstatic runs in the build), so each of these is a start-up requirement to name.
//!
//! - `os.environ["X"]`, unless the read is guarded: under `if "X" in os.environ`, on the
//!   left of `... and`, in `a if "X" in os.environ else b`, or in a `try` that catches
//!   `KeyError` (or everything). `.get` and `getenv` have a default (None) and never fail.
//! - django-environ: `env("X")`, `env.str("X")`, `env.db()` (DATABASE_URL), `env.cache()`
//!   (CACHE_URL), ... on an `environ.Env(...)` object, without a default (a `default=`, a
//!   method's second argument, or a `(type, default)` scheme given to `Env`).
//! - pydantic-settings: the fields without a default of a `BaseSettings` class that a module
//!   instantiates at its top level (`settings = Settings()`), named with the class's
//!   `env_prefix`.

use tree_sitter::Node;

use super::python::Source;

/// How a variable is read: says how to give it a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    Environ,
    DjangoEnviron,
    Pydantic,
}

impl Via {
    pub fn help(self, name: &str) -> String {
        match self {
            Via::Environ => format!("give it a default (`os.environ.get(\"{name}\", ...)`)"),
            Via::DjangoEnviron => format!("give it a default (`env(\"{name}\", default=...)`)"),
            Via::Pydantic => "give the settings field a default".to_string(),
        }
    }
}

/// One read that fails without the variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Read {
    pub line: usize,
    pub name: String,
    pub via: Via,
    /// The function the read is in; None at module level (it runs on import).
    pub function: Option<String>,
}

/// A pydantic-settings class: its required fields become requirements where it is
/// instantiated at a module's top level.
#[derive(Debug, Clone)]
pub struct SettingsClass {
    pub line: usize,
    pub name: String,
    /// (line, variable) of each field without a default, prefix applied, upper-cased.
    pub required: Vec<(usize, String)>,
}

/// django-environ's methods that read one variable, and the variable they read by default.
const ENV_METHODS: [(&str, Option<&str>); 20] = [
    ("str", None),
    ("bool", None),
    ("int", None),
    ("float", None),
    ("decimal", None),
    ("list", None),
    ("tuple", None),
    ("dict", None),
    ("json", None),
    ("url", None),
    ("path", None),
    ("bytes", None),
    ("parse_value", None),
    ("db", Some("DATABASE_URL")),
    ("db_url", Some("DATABASE_URL")),
    ("cache", Some("CACHE_URL")),
    ("cache_url", Some("CACHE_URL")),
    ("email", Some("EMAIL_URL")),
    ("email_url", Some("EMAIL_URL")),
    ("search_url", Some("SEARCH_URL")),
];

impl Source<'_> {
    /// Whether the read of `name` at `node` runs only when the variable is set, or its
    /// absence is caught.
    fn guarded(&self, node: Node, name: &str) -> bool {
        // A condition on the variable, or on the environment at all (`if "TOKEN" in
        // os.environ:` around the reads of a feature's other settings): the block runs only
        // where that is configured.
        let mentions = |n: Node| {
            let t = self.text(n);
            t.contains(&format!("\"{name}\""))
                || t.contains(&format!("'{name}'"))
                || t.contains("environ")
                || t.contains("getenv")
        };
        let mut child = node;
        let mut up = node.parent();
        while let Some(n) = up {
            let guard = match n.kind() {
                "if_statement" | "elif_clause" | "while_statement" => n
                    .child_by_field_name("condition")
                    .filter(|c| *c != child)
                    .is_some_and(mentions),
                // `a if cond else b`: the children are a, cond, b.
                "conditional_expression" => n
                    .named_child(1)
                    .filter(|c| *c != child)
                    .is_some_and(mentions),
                "boolean_operator" => n
                    .child_by_field_name("left")
                    .filter(|c| *c != child)
                    .is_some_and(mentions),
                "try_statement" if n.child_by_field_name("body") == Some(child) => {
                    let mut cursor = n.walk();
                    n.named_children(&mut cursor)
                        .filter(|c| c.kind() == "except_clause")
                        .any(|c| {
                            let head = self.text(c);
                            let head = head.split(':').next().unwrap_or("").trim();
                            head == "except"
                                || head.contains("KeyError")
                                || head.contains("LookupError")
                                || head.contains("Exception")
                        })
                }
                "function_definition" | "class_definition" | "module" => break,
                _ => false,
            };
            if guard {
                return true;
            }
            child = n;
            up = n.parent();
        }
        false
    }
}

fn walk<'t>(node: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        f(n);
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
}

/// The reads in one module that fail without their variable, and its settings classes.
pub fn reads(root: Node, src: &[u8]) -> (Vec<Read>, Vec<SettingsClass>) {
    let s = Source { src };
    // django-environ objects and the variables their schemes give defaults.
    let mut env_objects: Vec<String> = Vec::new();
    let mut scheme_defaults: Vec<String> = Vec::new();
    walk(root, &mut |node| {
        // `from config.env import env`: django-environ's object, made in another module.
        if node.kind() == "import_from_statement" {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let bound = match name.kind() {
                    "aliased_import" => name.child_by_field_name("alias").map(|a| s.text(a)),
                    _ => Some(s.text(name)),
                };
                let original = match name.kind() {
                    "aliased_import" => name.child_by_field_name("name").map(|a| s.text(a)),
                    _ => Some(s.text(name)),
                };
                if original.as_deref() == Some("env")
                    && let Some(bound) = bound
                {
                    env_objects.push(bound);
                }
            }
        }
        if node.kind() == "assignment"
            && let (Some(left), Some(right)) = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            )
            && right.kind() == "call"
            && right
                .child_by_field_name("function")
                .is_some_and(|f| matches!(s.text(f).as_str(), "environ.Env" | "Env"))
        {
            env_objects.push(s.text(left));
            let (_, keywords) = s.arguments(right);
            for (name, value) in keywords {
                if value.kind() == "tuple" && value.named_child_count() >= 2 {
                    scheme_defaults.push(name);
                }
            }
        }
    });
    let mut out = Vec::new();
    let mut classes = Vec::new();
    let mut push = |node: Node, name: String, via: Via| {
        if !s.guarded(node, &name) {
            out.push(Read {
                line: node.start_position().row + 1,
                name,
                via,
                function: s.function_of(node),
            });
        }
    };
    walk(root, &mut |node| match node.kind() {
        "subscript" => {
            let value = node.child_by_field_name("value").map(|v| s.text(v));
            let assigned = node.parent().is_some_and(|p| {
                matches!(p.kind(), "assignment" | "augmented_assignment")
                    && p.child_by_field_name("left") == Some(node)
                    || p.kind() == "delete_statement"
            });
            if matches!(value.as_deref(), Some("os.environ" | "environ"))
                && !assigned
                && let Some(name) = node
                    .child_by_field_name("subscript")
                    .and_then(|k| s.string(k))
            {
                push(node, name, Via::Environ);
            }
        }
        "call" => {
            let Some(function) = node.child_by_field_name("function") else {
                return;
            };
            // `os.environ.get("X").split(",")`, `int(os.getenv("X"))`: None when unset, so
            // the line fails on import.
            if matches!(
                s.text(function).as_str(),
                "os.environ.get" | "environ.get" | "os.getenv" | "getenv"
            ) {
                let (positional, keywords) = s.arguments(node);
                // Django's SECRET_KEY set to None fails every signed page.
                let used = node.parent().is_some_and(|p| {
                    p.kind() == "assignment"
                        && p.child_by_field_name("left")
                            .is_some_and(|l| s.text(l) == "SECRET_KEY")
                        || p.kind() == "attribute" && p.child_by_field_name("object") == Some(node)
                        || p.kind() == "argument_list"
                            && p.parent().is_some_and(|c| {
                                c.kind() == "call"
                                    && c.child_by_field_name("function").is_some_and(|f| {
                                        matches!(s.text(f).as_str(), "int" | "float")
                                    })
                            })
                });
                if used
                    && positional.len() == 1
                    && keywords.is_empty()
                    && let Some(name) = s.string(positional[0])
                {
                    push(node, name, Via::Environ);
                }
                return;
            }
            if env_objects.is_empty() {
                return;
            }
            let (positional, keywords) = s.arguments(node);
            let has_default = keywords.iter().any(|(k, _)| k == "default");
            let first = positional.first().and_then(|a| s.string(*a));
            let read = match function.kind() {
                // env("X", cast, default)
                "identifier" if env_objects.contains(&s.text(function)) => {
                    first.filter(|_| !has_default && positional.len() < 3)
                }
                // env.str("X", default), env.db("DATABASE_URL", default)
                "attribute" => {
                    let object = function.child_by_field_name("object").map(|o| s.text(o));
                    let method = function
                        .child_by_field_name("attribute")
                        .map(|a| s.text(a))
                        .unwrap_or_default();
                    match ENV_METHODS.iter().find(|(m, _)| *m == method) {
                        Some((_, fallback))
                            if object.is_some_and(|o| env_objects.contains(&o))
                                && !has_default
                                && positional.len() < 2 =>
                        {
                            first.or_else(|| fallback.map(str::to_string))
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(name) = read.filter(|n| !scheme_defaults.contains(n)) {
                push(node, name, Via::DjangoEnviron);
            }
        }
        "class_definition" => {
            if let Some(class) = settings_class(&s, node) {
                classes.push(class);
            }
        }
        _ => {}
    });
    out.sort();
    classes.sort_by_key(|c| c.line);
    (out, classes)
}

/// A `BaseSettings` subclass: its fields without a default.
fn settings_class(s: &Source, node: Node) -> Option<SettingsClass> {
    let bases = node
        .child_by_field_name("superclasses")
        .map(|b| s.text(b))?;
    if !bases.contains("BaseSettings") {
        return None;
    }
    let name = s.text(node.child_by_field_name("name")?);
    let body = node.child_by_field_name("body")?;
    let mut prefix = String::new();
    let mut fields = Vec::new();
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some(assign) = statement
            .named_child(0)
            .filter(|n| statement.kind() == "expression_statement" && n.kind() == "assignment")
        else {
            // `class Config: env_prefix = "APP_"` (pydantic v1 style).
            if statement.kind() == "class_definition" {
                let text = s.text(statement);
                if let Some(p) = quoted_after(&text, "env_prefix") {
                    prefix = p;
                }
            }
            continue;
        };
        let Some(left) = assign.child_by_field_name("left") else {
            continue;
        };
        let field = s.text(left);
        if field == "model_config" {
            if let Some(p) = quoted_after(&s.text(assign), "env_prefix") {
                prefix = p;
            }
            continue;
        }
        if assign.child_by_field_name("type").is_some()
            && assign.child_by_field_name("right").is_none()
            && !field.starts_with('_')
        {
            fields.push((statement.start_position().row + 1, field));
        }
    }
    Some(SettingsClass {
        line: node.start_position().row + 1,
        name,
        required: fields
            .into_iter()
            .map(|(line, f)| (line, format!("{prefix}{f}").to_ascii_uppercase()))
            .collect(),
    })
}

/// The string literal given to `key` in `text` (`env_prefix="APP_"`).
fn quoted_after(text: &str, key: &str) -> Option<String> {
    let rest = &text[text.find(key)? + key.len()..];
    let rest = rest.trim_start().strip_prefix(['=', ':'])?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &rest[1..];
    Some(inner[..inner.find(quote)?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> (Vec<Read>, Vec<SettingsClass>) {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(src, None).unwrap();
        reads(tree.root_node(), src.as_bytes())
    }

    fn names(src: &str) -> Vec<String> {
        parse(src)
            .0
            .into_iter()
            .filter(|r| r.function.is_none())
            .map(|r| r.name)
            .collect()
    }

    #[test]
    fn guarded_environ_reads_are_not_requirements() {
        let src = r#"
import os
A = os.environ["A"]
if "B" in os.environ:
    B = os.environ["B"]
C = os.environ["C"] if "C" in os.environ else None
D = "D" in os.environ and os.environ["D"]
try:
    E = os.environ["E"]
except KeyError:
    E = None
try:
    F = os.environ["F"]
except ValueError:
    F = None
if os.environ.get("G"):
    G = os.environ["G"]
H = os.environ.get("H")
HOSTS = os.environ.get("HOSTS").split(" ")
PORT = int(os.getenv("PORT_NUMBER"))
SAFE = os.environ.get("SAFE", "").split(" ")
SECRET_KEY = os.environ.get("SECRET_KEY")
os.environ["I"] = "set"
if "OTHER" in os.environ or "ALSO" in os.environ:
    J = os.environ["J"]
if DEBUG:
    K = os.environ["K"]
"#;
        assert_eq!(
            names(src),
            ["A", "F", "HOSTS", "PORT_NUMBER", "SECRET_KEY", "K"]
        );
    }

    #[test]
    fn django_environ_reads_without_a_default_are_requirements() {
        let imported = "from config.env import env\nSECRET_KEY = env(\"SECRET_KEY\")\n";
        assert_eq!(names(imported), ["SECRET_KEY"]);
        let src = r#"
import environ
env = environ.Env(DEBUG=(bool, False), ALLOWED=(list, []))
environ.Env.read_env()
DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
TIMEOUT = env("TIMEOUT", int, 30)
NAME = env.str("NAME", "x")
HOSTS = env.list("HOSTS")
ALLOWED = env.list("ALLOWED")
DATABASES = {"default": env.db()}
CACHES = {"default": env.cache(default="locmemcache://")}
REDIS = env.str("REDIS_URL", default="redis://")
OTHER = other("NOT_ENV")
def later():
    return env("IN_FUNCTION")
"#;
        assert_eq!(names(src), ["SECRET_KEY", "HOSTS", "DATABASE_URL"]);
        let all = parse(src).0;
        assert!(
            all.iter()
                .any(|r| r.name == "IN_FUNCTION" && r.function.as_deref() == Some("later"))
        );
    }

    #[test]
    fn pydantic_settings_fields_without_defaults_are_named_with_the_prefix() {
        let src = r#"
from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="app_")
    PROJECT_NAME: str
    API_V1_STR: str = "/api/v1"
    secret_key: str
    _private: int

class Plain:
    x: int

class Old(BaseSettings):
    token: str
    class Config:
        env_prefix = "OLD_"
"#;
        let (_, classes) = parse(src);
        assert_eq!(classes.len(), 2);
        assert_eq!(classes[0].name, "Settings");
        assert_eq!(
            classes[0].required,
            [
                (6, "APP_PROJECT_NAME".to_string()),
                (8, "APP_SECRET_KEY".to_string())
            ]
        );
        assert_eq!(classes[1].required, [(15, "OLD_TOKEN".to_string())]);
    }
}
