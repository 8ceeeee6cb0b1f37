//! The repository's Python, parsed with tree-sitter: app objects (`app = Flask(__name__)`),
//! app factories (`def create_app()`), routes and what their handlers touch, Django's settings
//! module and `WSGI_APPLICATION`, and the paths the app writes when it starts (Flask's
//! instance folder, a relative sqlite file).
//!
//! Only files that could hold one of those are parsed: a cheap byte search for the names
//! involved picks them, the parser decides. What the facts mean (the app, the health route,
//! the writable paths, Django's settings) is inferred in `infer`.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

use tree_sitter::{Node, Parser};

use super::parse::{environ, writes};
use super::scan::Tree;

/// (file, line, variable, how it is read) of an environment read that fails without it.
pub type EnvRead = (String, usize, String, environ::Via);
use super::{Evidence, join, read_optional};

/// Calls that construct an app, by framework.
const CONSTRUCTORS: [(&str, &str); 8] = [
    ("Flask", "flask"),
    ("FastAPI", "fastapi"),
    ("Starlette", "asgi"),
    ("Quart", "asgi"),
    ("Litestar", "asgi"),
    ("App", "wsgi"),
    ("API", "wsgi"),
    ("Bottle", "wsgi"),
];

/// Words that pick a file for parsing.
const MARKERS: [&str; 26] = [
    "Flask",
    "FastAPI",
    "Starlette",
    "Quart",
    "Litestar",
    "falcon",
    "Bottle",
    "DJANGO_SETTINGS_MODULE",
    "WSGI_APPLICATION",
    "urlpatterns",
    "instance_path",
    "sqlite",
    "Blueprint",
    "APIRouter",
    "environ[",
    "environ.Env",
    "import env",
    "environ.get(",
    "getenv(",
    "BaseSettings",
    "DEBUG",
    "import *",
    "mkdir",
    "makedirs",
    "FileHandler",
    "basicConfig",
];

/// Names in a handler that mean it needs a database or a login.
const NEEDS_MORE: [&str; 12] = [
    "db",
    "session",
    "query",
    "cursor",
    "execute",
    "objects",
    "current_user",
    "login_required",
    "get_db",
    "Depends",
    "request",
    "render_template",
];

#[derive(Debug, Clone)]
pub struct AppObject {
    pub file: String,
    pub line: usize,
    pub attr: String,
    pub framework: &'static str,
    pub factory: bool,
    /// A factory's parameters that have no default: it cannot be called bare.
    pub required: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub file: String,
    pub line: usize,
    pub path: String,
    /// The object the decorator is on: the app, or a blueprint/router (whose prefix is unknown).
    pub on: String,
    pub clean: bool,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Code {
    pub apps: Vec<AppObject>,
    pub routes: Vec<Route>,
    /// (file, line, settings module) from `os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`.
    pub settings_modules: Vec<(String, usize, String)>,
    /// (file, line, name, value) of `WSGI_APPLICATION`, `ASGI_APPLICATION`, `ROOT_URLCONF`.
    pub django: Vec<(String, usize, String, String)>,
    /// (file, line, text) of a `makedirs(app.instance_path)`-like call.
    pub instance: Vec<(String, usize, String)>,
    /// (file, line, URL) of a relative `sqlite:///...` URL.
    pub sqlite: Vec<(String, usize, String)>,
    pub uses_flask_sqlalchemy: bool,
    /// (file, line, top-level module) of each absolute import in the app's modules.
    pub imports: Vec<(String, usize, String)>,
    /// (file, line, variable) of each `os.environ["NAME"]` read at start (at module level or
    /// in an app factory): no default, so the app fails without it.
    pub required_env: Vec<EnvRead>,
    /// The same inside other functions, with the function's name.
    env_in_functions: Vec<(EnvRead, String)>,
    /// (file, line, name, value) of module-level string constants (`PREFIX = "/api"`) and
    /// class attributes with a literal default (name `Settings.API_V1_STR`).
    pub constants: Vec<(String, usize, String, String)>,
    /// (file, file it star-imports): `from .base import *` in `settings/production.py` names
    /// `settings/base.py`.
    /// The third part says the import is absolute (named from the source root).
    pub star_imports: Vec<(String, String, bool)>,
    /// Apps and routers whose every route runs a dependency first (FastAPI's
    /// `dependencies=[...]` on the app, the router or its `include_router`).
    pub guarded: Vec<String>,
    /// Files and folders written on import or in an app factory, by file.
    pub writes: Vec<(String, writes::Write)>,
    /// pydantic-settings classes, by file: required where instantiated at a top level.
    settings_classes: Vec<(String, environ::SettingsClass)>,
    /// Django's `path("prefix/", include("module"))`.
    pub includes: Vec<Include>,
    /// Names an app object is assigned to anywhere (`app = Flask(__name__)` in a factory too).
    pub app_names: Vec<String>,
    /// `bp = Blueprint(..., url_prefix=...)`, `router = APIRouter(prefix=...)`.
    pub routers: Vec<Router>,
    /// `app.register_blueprint(blog.bp, url_prefix=...)`, `app.include_router(router, ...)`.
    pub mounts: Vec<Mount>,
    /// (file, line, name) of each name a module binds at its top level (assignments, `def`).
    pub module_names: Vec<(String, usize, String)>,
    /// Module-level `name = callee(...)` whose callee is not a framework's constructor: an
    /// app object when the callee is an app factory (`app = create_app(os.getenv(...))`).
    calls: Vec<(String, AppObject)>,
}

/// A Flask blueprint or FastAPI router.
#[derive(Debug, Clone)]
pub struct Router {
    pub file: String,
    pub line: usize,
    pub name: String,
    pub prefix: Option<String>,
    /// The prefix is given, but computed (`url_prefix=PREFIX`): unknown here.
    pub computed: bool,
    /// A computed prefix as written (`settings.API_V1_STR`), resolved from constants later.
    pub prefix_expr: Option<String>,
    /// Where a resolved prefix's value is written.
    pub prefix_from: Vec<Evidence>,
    /// Flask's blueprint: a prefix given when registering replaces its own.
    pub blueprint: bool,
    pub text: String,
}

/// A Django URLconf including another under a prefix.
#[derive(Debug, Clone)]
pub struct Include {
    pub file: String,
    pub line: usize,
    /// As written: `blog/` (empty for the root).
    pub prefix: String,
    /// The included module: `blog.urls`.
    pub target: String,
    pub text: String,
}

/// A blueprint or router registered on an app (or on another router).
#[derive(Debug, Clone)]
pub struct Mount {
    pub file: String,
    pub line: usize,
    /// What is registered, as written: `bp`, `blog.bp`.
    pub target: String,
    /// What it is registered on, as written: `app`, or a parent blueprint.
    pub on: String,
    pub prefix: Option<String>,
    /// The prefix is given, but computed: unknown here.
    pub computed: bool,
    /// A computed prefix as written, resolved from constants later.
    pub prefix_expr: Option<String>,
    /// Where a resolved prefix's value is written.
    pub prefix_from: Vec<Evidence>,
    pub text: String,
}

fn is_test(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.split('/')
        .any(|p| matches!(p, "tests" | "test" | "migrations" | "docs"))
        || name.starts_with("test_")
        || name == "conftest.py"
        || name == "setup.py"
        || name == "noxfile.py"
}

/// Reads the repository's Python: the files holding a framework's words, and `also` (modules a
/// start command names) whatever they hold.
pub fn analyse(root: &Path, tree: &Tree, also: &[String]) -> Result<Code> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| anyhow!("cannot load the Python grammar: {e}"))?;
    let mut code = Code::default();
    for rel in tree.python_files.iter().filter(|r| !is_test(r)) {
        let Some(text) = read_optional(&join(root, rel))? else {
            continue;
        };
        if !MARKERS.iter().any(|m| text.contains(m)) && !also.contains(rel) {
            continue;
        }
        let parsed = parser
            .parse(&text, None)
            .with_context(|| format!("cannot parse `{rel}`"))?;
        // A module Python cannot import is not where the app lives.
        if parsed.root_node().has_error() {
            continue;
        }
        File {
            rel,
            src: text.as_bytes(),
            code: &mut code,
        }
        .module(parsed.root_node());
    }
    code.imports.sort();
    // A settings class instantiated at a module's top level reads its fields on import.
    for (file, class) in std::mem::take(&mut code.settings_classes) {
        if code.calls.iter().any(|(callee, _)| *callee == class.name) {
            for (line, name) in class.required {
                code.required_env
                    .push((file.clone(), line, name, environ::Via::Pydantic));
            }
        }
    }
    // Prefixes written as constants (`prefix=settings.API_V1_STR`) get their values.
    let instances: Vec<(String, String)> = code
        .calls
        .iter()
        .map(|(class, object)| (object.attr.clone(), class.clone()))
        .collect();
    let constants = code.constants.clone();
    let resolve = |expr: &str| constant(&constants, &instances, expr);
    for mount in &mut code.mounts {
        if let Some((value, from)) = mount.prefix_expr.as_deref().and_then(resolve) {
            mount.prefix = Some(value);
            mount.computed = false;
            mount.prefix_from = vec![from];
        }
    }
    for router in &mut code.routers {
        if let Some((value, from)) = router.prefix_expr.as_deref().and_then(resolve) {
            router.prefix = Some(value);
            router.computed = false;
            router.prefix_from = vec![from];
        }
    }
    // `app = create_app(...)` at module level is an app object of the factory's framework.
    let calls = std::mem::take(&mut code.calls);
    for (callee, mut call) in calls {
        if let Some(factory) = code.apps.iter().find(|a| a.factory && a.attr == callee) {
            call.framework = factory.framework;
            code.app_names.push(call.attr.clone());
            code.apps.push(call);
        }
    }
    // An app factory runs at start too.
    let factories: Vec<String> = code
        .apps
        .iter()
        .filter(|a| a.factory)
        .map(|a| a.attr.clone())
        .collect();
    let in_factories: Vec<EnvRead> = code
        .env_in_functions
        .iter()
        .filter(|(_, function)| factories.contains(function))
        .map(|(read, _)| read.clone())
        .collect();
    code.required_env.extend(in_factories);
    // Writes at import or in a factory happen at start; others only when a request asks.
    code.writes
        .retain(|(_, w)| w.function.as_ref().is_none_or(|f| factories.contains(f)));
    code.required_env.sort();
    Ok(code)
}

/// The value of a constant as a prefix names it: `PREFIX` (a module constant), `config.PREFIX`
/// (a module's), `Settings.API_V1_STR` or `settings.API_V1_STR` (a class attribute, through an
/// instance made at a module's top level). Only when one constant fits.
fn constant(
    constants: &[(String, usize, String, String)],
    instances: &[(String, String)],
    expr: &str,
) -> Option<(String, Evidence)> {
    let mut wanted = vec![expr.to_string()];
    if let Some((object, attr)) = expr.rsplit_once('.') {
        let object = object.rsplit('.').next().unwrap_or(object);
        wanted.push(format!("{object}.{attr}"));
        for (instance, class) in instances {
            if instance == object {
                wanted.push(format!("{class}.{attr}"));
            }
        }
        // `config.PREFIX`: the module constant of that name.
        wanted.push(attr.to_string());
    }
    wanted.iter().find_map(|name| {
        let found: Vec<_> = constants.iter().filter(|(_, _, n, _)| n == name).collect();
        match found.as_slice() {
            [(file, line, _, value)] => Some((
                value.clone(),
                Evidence::at(file.clone(), Some(*line), value.clone()),
            )),
            _ => None,
        }
    })
}

struct File<'a> {
    rel: &'a str,
    src: &'a [u8],
    code: &'a mut Code,
}

impl File<'_> {
    fn text(&self, node: Node) -> String {
        node.utf8_text(self.src).unwrap_or("").to_string()
    }

    fn line(node: Node) -> usize {
        node.start_position().row + 1
    }

    /// The called name's last part: `flask.Flask` → `Flask`.
    fn callee(&self, call: Node) -> String {
        call.child_by_field_name("function")
            .map(|f| self.text(f).rsplit('.').next().unwrap_or("").to_string())
            .unwrap_or_default()
    }

    fn constructor(&self, node: Node) -> Option<&'static str> {
        (node.kind() == "call")
            .then(|| self.callee(node))
            .and_then(|name| {
                CONSTRUCTORS
                    .iter()
                    .find(|(c, _)| *c == name)
                    .map(|(_, f)| *f)
            })
    }

    /// The source line `node` starts on, trimmed: evidence quoted as the file has it.
    fn line_text(&self, node: Node) -> String {
        self.source_line(Self::line(node))
    }

    /// Line `line` (1-based) of the file, trimmed.
    fn source_line(&self, line: usize) -> String {
        String::from_utf8_lossy(self.src)
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// The value given as keyword `key` to `call` (`url_prefix=...`), if any.
    fn keyword<'t>(&self, call: Node<'t>, key: &str) -> Option<Node<'t>> {
        let args = call.child_by_field_name("arguments")?;
        let mut cursor = args.walk();
        let found = args.named_children(&mut cursor).find(|a| {
            a.kind() == "keyword_argument"
                && a.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == key)
        })?;
        found.child_by_field_name("value")
    }

    /// Whether keyword `key` is given to `call` as something other than a string literal.
    fn keyword_computed(&self, call: Node, key: &str) -> bool {
        self.keyword(call, key)
            .is_some_and(|v| self.string(v).is_none())
    }

    fn has_keyword(&self, call: Node, key: &str) -> bool {
        self.keyword(call, key).is_some()
    }

    /// A name or attribute given as keyword `key` to `call`: `prefix=settings.API_V1_STR`.
    fn keyword_expression(&self, call: Node, key: &str) -> Option<String> {
        let value = self.keyword(call, key)?;
        matches!(value.kind(), "identifier" | "attribute").then(|| self.text(value))
    }

    /// The string given as keyword `key` to `call`: `url_prefix="/api"`.
    fn keyword_string(&self, call: Node, key: &str) -> Option<String> {
        self.string(self.keyword(call, key)?)
    }

    fn first_string(&self, args: Node) -> Option<String> {
        let mut cursor = args.walk();
        let first = args.named_children(&mut cursor).next()?;
        self.string(first)
    }

    fn string(&self, node: Node) -> Option<String> {
        if node.kind() != "string" {
            return None;
        }
        let mut cursor = node.walk();
        let content: String = node
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "string_content")
            .map(|c| self.text(c))
            .collect();
        Some(content)
    }

    fn module(&mut self, root: Node) {
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            match statement.kind() {
                "expression_statement" => self.assignment(statement),
                "import_from_statement" => self.imported_names(statement),
                "class_definition" => self.class_constants(statement),
                "function_definition" => self.function(statement, statement),
                "decorated_definition" => {
                    if let Some(def) = statement.child_by_field_name("definition") {
                        self.route(statement, def);
                        if def.kind() == "function_definition" {
                            self.function(def, statement);
                        }
                    }
                }
                _ => {}
            }
        }
        self.everywhere(root);
    }

    fn assignment(&mut self, statement: Node) {
        // A Django app list that grows (`INSTALLED_APPS += [...]`, `.append(...)`,
        // `.insert(...)`): recorded as written, so an app it adds is found as in the list.
        if let Some(expr) = statement.named_child(0) {
            let target = match expr.kind() {
                "augmented_assignment" => expr.child_by_field_name("left"),
                "call" => expr
                    .child_by_field_name("function")
                    .filter(|f| f.kind() == "attribute")
                    .and_then(|f| f.child_by_field_name("object")),
                _ => None,
            };
            if let Some(list) = target.filter(|t| t.kind() == "identifier") {
                let name = self.text(list);
                if name.ends_with("_APPS") {
                    let text = self.text(statement);
                    self.code
                        .django
                        .push((self.rel.into(), Self::line(statement), name, text));
                    return;
                }
            }
        }
        let Some(assign) = statement
            .named_child(0)
            .filter(|n| n.kind() == "assignment")
        else {
            return;
        };
        let (Some(left), Some(right)) = (
            assign.child_by_field_name("left"),
            assign.child_by_field_name("right"),
        ) else {
            return;
        };
        if left.kind() != "identifier" {
            return;
        }
        let name = self.text(left);
        self.code
            .module_names
            .push((self.rel.into(), Self::line(statement), name.clone()));
        if let Some(value) = self.string(right) {
            self.code
                .constants
                .push((self.rel.into(), Self::line(statement), name.clone(), value));
        }
        if let Some(framework) = self.constructor(right) {
            self.code.apps.push(AppObject {
                file: self.rel.into(),
                line: Self::line(statement),
                attr: name.clone(),
                framework,
                factory: false,
                required: vec![],
                text: self.text(statement),
            });
        } else if right.kind() == "call" {
            // Whether the callee is an app factory is known once every file is read.
            let callee = self.callee(right);
            if !callee.is_empty() {
                self.code.calls.push((
                    callee,
                    AppObject {
                        file: self.rel.into(),
                        line: Self::line(statement),
                        attr: name.clone(),
                        framework: "",
                        factory: false,
                        required: vec![],
                        text: self.text(statement),
                    },
                ));
            }
        }
        // The app lists too (`INSTALLED_APPS`, and `DJANGO_APPS` it may be built from), as
        // written.
        let apps = name.ends_with("_APPS");
        if (apps
            || matches!(
                name.as_str(),
                "WSGI_APPLICATION"
                    | "ASGI_APPLICATION"
                    | "ROOT_URLCONF"
                    | "STATIC_ROOT"
                    | "DEBUG"
                    | "SECRET_KEY"
                    | "ALLOWED_HOSTS"
                    | "SECURE_SSL_REDIRECT"
            ))
            && let Some(value) = self.string(right).or_else(|| {
                (apps
                    || matches!(
                        name.as_str(),
                        "STATIC_ROOT"
                            | "DEBUG"
                            | "SECRET_KEY"
                            | "ALLOWED_HOSTS"
                            | "SECURE_SSL_REDIRECT"
                    ))
                .then(|| self.text(right))
            })
        {
            self.code
                .django
                .push((self.rel.into(), Self::line(statement), name, value));
        }
    }

    /// A top-level function that constructs an app and returns it is a factory.
    fn function(&mut self, def: Node, outer: Node) {
        let Some(name) = def.child_by_field_name("name").map(|n| self.text(n)) else {
            return;
        };
        let Some(body) = def.child_by_field_name("body") else {
            return;
        };
        let mut framework = None;
        let mut returns = false;
        self.visit(body, &mut |file, node| {
            if let Some(f) = file.constructor(node) {
                framework.get_or_insert(f);
            }
            if node.kind() == "return_statement" {
                returns = true;
            }
        });
        self.code
            .module_names
            .push((self.rel.into(), Self::line(outer), name.clone()));
        if let Some(framework) = framework.filter(|_| returns) {
            let required = self.required_parameters(def);
            let header = self
                .text(def)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            self.code.apps.push(AppObject {
                file: self.rel.into(),
                line: Self::line(outer),
                attr: name,
                framework,
                factory: true,
                required,
                text: header,
            });
        }
    }

    /// `API_V1_STR: str = "/api/v1"` in a class body: `Settings.API_V1_STR`.
    fn class_constants(&mut self, class: Node) {
        let (Some(name), Some(body)) = (
            class.child_by_field_name("name").map(|n| self.text(n)),
            class.child_by_field_name("body"),
        ) else {
            return;
        };
        self.code
            .module_names
            .push((self.rel.into(), Self::line(class), name.clone()));
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            if let Some(assign) = statement
                .named_child(0)
                .filter(|n| statement.kind() == "expression_statement" && n.kind() == "assignment")
                && let (Some(left), Some(right)) = (
                    assign.child_by_field_name("left"),
                    assign.child_by_field_name("right"),
                )
                && left.kind() == "identifier"
                && let Some(value) = self.string(right)
            {
                self.code.constants.push((
                    self.rel.into(),
                    Self::line(statement),
                    format!("{name}.{}", self.text(left)),
                    value,
                ));
            }
        }
    }

    /// `from app import app as application`: the names it binds at module level; `from .base
    /// import *` is recorded as a star import of the module it names.
    fn imported_names(&mut self, statement: Node) {
        let mut walker = statement.walk();
        if statement
            .named_children(&mut walker)
            .any(|c| c.kind() == "wildcard_import")
            && let Some(module) = statement.child_by_field_name("module_name")
            && let Some(target) = star_target(self.rel, &self.text(module))
        {
            self.code
                .star_imports
                .push((self.rel.into(), target.0, target.1));
        }
        let mut cursor = statement.walk();
        let names: Vec<String> = statement
            .children_by_field_name("name", &mut cursor)
            .filter_map(|n| match n.kind() {
                "aliased_import" => n.child_by_field_name("alias").map(|a| self.text(a)),
                "dotted_name" => Some(self.text(n)),
                _ => None,
            })
            .collect();
        for name in names {
            self.code
                .module_names
                .push((self.rel.into(), Self::line(statement), name));
        }
    }

    /// A function's parameters without a default (`*args`, `**kwargs`, `self` aside).
    fn required_parameters(&self, def: Node) -> Vec<String> {
        let Some(params) = def.child_by_field_name("parameters") else {
            return vec![];
        };
        let mut cursor = params.walk();
        params
            .named_children(&mut cursor)
            .filter_map(|p| match p.kind() {
                "identifier" => Some(self.text(p)),
                "typed_parameter" => p.named_child(0).map(|n| self.text(n)),
                _ => None,
            })
            .filter(|name| name != "self" && name != "cls")
            .collect()
    }

    /// `@app.route("/path")`, `@app.get("/path")`, `@bp.route("/", methods=["GET"])`.
    fn route(&mut self, decorated: Node, def: Node) {
        let mut cursor = decorated.walk();
        let decorators: Vec<Node> = decorated
            .named_children(&mut cursor)
            .filter(|n| n.kind() == "decorator")
            .collect();
        let all = decorators
            .iter()
            .map(|d| self.text(*d))
            .collect::<Vec<_>>()
            .join("\n");
        for decorator in &decorators {
            let Some(call) = decorator.named_child(0).filter(|n| n.kind() == "call") else {
                continue;
            };
            let Some(function) = call
                .child_by_field_name("function")
                .filter(|f| f.kind() == "attribute")
            else {
                continue;
            };
            let method = function
                .child_by_field_name("attribute")
                .map(|a| self.text(a))
                .unwrap_or_default();
            let on = function
                .child_by_field_name("object")
                .map(|o| self.text(o))
                .unwrap_or_default();
            let Some(args) = call.child_by_field_name("arguments") else {
                continue;
            };
            let text = self.text(args);
            let get = match method.as_str() {
                "get" => true,
                "route" => {
                    !text.contains("methods") || text.contains("\"GET\"") || text.contains("'GET'")
                }
                _ => false,
            };
            let Some(path) = self.first_string(args).filter(|_| get) else {
                continue;
            };
            if !path.starts_with('/') || path.contains('<') || path.contains('{') {
                continue;
            }
            let mut clean = !all.contains("login_required") && !all.contains("auth");
            if let Some(body) = def.child_by_field_name("body") {
                self.visit(body, &mut |file, node| {
                    if node.kind() == "identifier" && NEEDS_MORE.contains(&file.text(node).as_str())
                    {
                        clean = false;
                    }
                });
            }
            if let Some(params) = def.child_by_field_name("parameters")
                && self.text(params).contains("Depends")
            {
                clean = false;
            }
            self.code.routes.push(Route {
                file: self.rel.into(),
                line: Self::line(*decorator),
                path,
                on,
                clean,
                text: self.text(*decorator),
            });
        }
    }

    /// Calls and strings anywhere: Django's settings module, writes at start, sqlite URLs,
    /// Django `path("...", view)` routes.
    fn everywhere(&mut self, root: Node) {
        let mut found = Vec::new();
        let mut nested = Vec::new();
        let mut routers = Vec::new();
        let mut mounts = Vec::new();
        let mut app_names = Vec::new();
        let mut includes = Vec::new();
        let mut guarded = Vec::new();
        self.visit(root, &mut |file, node| match node.kind() {
            "decorated_definition" if node.parent().is_some_and(|p| p.kind() != "module") => {
                nested.push(node);
            }
            "assignment" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) && left.kind() == "identifier"
                    && right.kind() == "call"
                {
                    let name = file.text(left);
                    let callee = file.callee(right);
                    // FastAPI's `dependencies=[...]` run before every route of the app or
                    // router (a token check): none of them answers a bare GET.
                    if file.has_keyword(right, "dependencies") {
                        guarded.push(name.clone());
                    }
                    if file.constructor(right).is_some() {
                        app_names.push(name);
                    } else if matches!(callee.as_str(), "Blueprint" | "APIRouter") {
                        let key = if callee == "Blueprint" {
                            "url_prefix"
                        } else {
                            "prefix"
                        };
                        routers.push(Router {
                            file: file.rel.into(),
                            line: File::line(node),
                            name,
                            prefix: file.keyword_string(right, key),
                            computed: file.keyword_computed(right, key),
                            prefix_expr: file.keyword_expression(right, key),
                            prefix_from: vec![],
                            blueprint: callee == "Blueprint",
                            text: file.text(node),
                        });
                    }
                }
            }
            "import_statement" | "import_from_statement" => {
                let names: Vec<Node> = if node.kind() == "import_statement" {
                    let mut cursor = node.walk();
                    node.children_by_field_name("name", &mut cursor).collect()
                } else {
                    node.child_by_field_name("module_name")
                        .into_iter()
                        .collect()
                };
                for name in names {
                    let dotted = match name.kind() {
                        "aliased_import" => name.child_by_field_name("name"),
                        "dotted_name" => Some(name),
                        _ => None, // a relative import
                    };
                    if let Some(dotted) = dotted {
                        let text = file.text(dotted);
                        let top = text.split('.').next().unwrap_or_default().to_string();
                        found.push(("import", File::line(node), top));
                    }
                }
            }
            "call" => {
                let name = file.callee(node);
                let args = node.child_by_field_name("arguments");
                let args_text = args.map(|a| file.text(a)).unwrap_or_default();
                if matches!(name.as_str(), "register_blueprint" | "include_router")
                    && let Some(args) = args
                {
                    let mut cursor = args.walk();
                    let first = args
                        .named_children(&mut cursor)
                        .find(|a| matches!(a.kind(), "identifier" | "attribute"));
                    if let Some(first) = first {
                        if file.has_keyword(node, "dependencies") {
                            let target = file.text(first);
                            guarded.push(target.rsplit('.').next().unwrap_or(&target).to_string());
                        }
                        let key = if name == "register_blueprint" {
                            "url_prefix"
                        } else {
                            "prefix"
                        };
                        mounts.push(Mount {
                            file: file.rel.into(),
                            line: File::line(node),
                            target: file.text(first),
                            on: node
                                .child_by_field_name("function")
                                .and_then(|f| f.child_by_field_name("object"))
                                .map(|o| file.text(o))
                                .unwrap_or_default(),
                            prefix: file.keyword_string(node, key),
                            computed: file.keyword_computed(node, key),
                            prefix_expr: file.keyword_expression(node, key),
                            prefix_from: vec![],
                            text: file.text(node),
                        });
                    }
                }
                if name == "setdefault"
                    && args_text.contains("DJANGO_SETTINGS_MODULE")
                    && let Some(args) = args
                {
                    let mut cursor = args.walk();
                    let strings: Vec<String> = args
                        .named_children(&mut cursor)
                        .filter_map(|a| file.string(a))
                        .collect();
                    if let [_, module] = strings.as_slice() {
                        found.push(("settings", File::line(node), module.clone()));
                    }
                }
                if matches!(name.as_str(), "makedirs" | "mkdir")
                    && args_text.contains("instance_path")
                {
                    found.push(("instance", File::line(node), file.text(node)));
                }
                if name == "SQLAlchemy" {
                    found.push(("flask_sqlalchemy", 0, String::new()));
                }
                if matches!(name.as_str(), "add_route" | "Route")
                    && let Some(args) = args
                    && let Some(route) = file.first_string(args)
                    && route.starts_with('/')
                    && !route.contains('{')
                {
                    found.push(("route", File::line(node), route));
                }
                if name == "path"
                    && let Some(args) = args
                    && let Some(route) = file.first_string(args)
                    && !route.contains('<')
                {
                    if args_text.contains("include(") {
                        // `path("blog/", include("blog.urls"))`: blog.urls' routes are under it.
                        let mut cursor = args.walk();
                        let target = args
                            .named_children(&mut cursor)
                            .filter(|a| a.kind() == "call" && file.callee(*a) == "include")
                            .find_map(|call| {
                                let inner = call.child_by_field_name("arguments")?;
                                let mut c = inner.walk();
                                let first = inner.named_children(&mut c).next()?;
                                file.string(first).or_else(|| {
                                    matches!(first.kind(), "attribute" | "identifier")
                                        .then(|| file.text(first))
                                })
                            });
                        if let Some(target) = target {
                            includes.push(Include {
                                file: file.rel.to_string(),
                                line: File::line(node),
                                prefix: route,
                                target,
                                text: file.line_text(node),
                            });
                        }
                    } else if args_text.contains("admin.site.urls") {
                        // Django's admin: its login page answers a GET without a database.
                        found.push(("django_admin", File::line(node), format!("/{route}login/")));
                    } else if !(args_text.contains("RedirectView")
                        || args_text.contains("redirect"))
                    {
                        // A redirect is not a health route: the page behind it may need a
                        // database; the route proves only that the server answers.
                        found.push(("django_route", File::line(node), format!("/{route}")));
                    }
                }
            }
            "string" => {
                if let Some(s) = file.string(node)
                    && let Some(rest) = s.strip_prefix("sqlite:///")
                    && !rest.starts_with('/')
                    && !rest.is_empty()
                    && !rest.starts_with(":memory:")
                {
                    found.push(("sqlite", File::line(node), s));
                }
            }
            _ => {}
        });
        self.code.routers.extend(routers);
        self.code.mounts.extend(mounts);
        self.code.app_names.extend(app_names);
        self.code.guarded.extend(guarded);
        let (reads, classes) = environ::reads(root, self.src);
        for read in reads {
            let at = (self.rel.to_string(), read.line, read.name, read.via);
            match read.function {
                None => self.code.required_env.push(at),
                Some(function) => self.code.env_in_functions.push((at, function)),
            }
        }
        for class in classes {
            self.code
                .settings_classes
                .push((self.rel.to_string(), class));
        }
        for write in writes::writes(root, self.src) {
            self.code.writes.push((self.rel.to_string(), write));
        }
        self.code.includes.extend(includes);
        for node in nested {
            if let Some(def) = node.child_by_field_name("definition") {
                self.route(node, def);
            }
        }
        for (what, line, value) in found {
            let rel = self.rel.to_string();
            match what {
                "settings" => self.code.settings_modules.push((rel, line, value)),
                "instance" => self.code.instance.push((rel, line, value)),
                "import" => self.code.imports.push((rel, line, value)),
                "sqlite" => self.code.sqlite.push((rel, line, value)),
                "flask_sqlalchemy" => self.code.uses_flask_sqlalchemy = true,
                "route" => self.code.routes.push(Route {
                    file: rel,
                    line,
                    text: format!("route \"{value}\""),
                    path: value,
                    on: "routes".into(),
                    clean: true,
                }),
                "django_admin" => self.code.routes.push(Route {
                    text: self.source_line(line),
                    file: rel,
                    line,
                    path: value.clone(),
                    on: "admin".into(),
                    clean: true,
                }),
                _ => self.code.routes.push(Route {
                    text: self.source_line(line),
                    file: rel,
                    line,
                    path: value.clone(),
                    on: "urlpatterns".into(),
                    clean: true,
                }),
            }
        }
    }

    fn visit<'t>(&self, node: Node<'t>, f: &mut dyn FnMut(&Self, Node<'t>)) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            f(self, n);
            let mut cursor = n.walk();
            stack.extend(n.named_children(&mut cursor));
        }
    }
}

/// The module name of `rel` run from `source_root`: `src/flaskr/__init__.py` → `flaskr`.
pub(crate) fn module_of(rel: &str, source_root: &str) -> String {
    let inside = if source_root.is_empty() {
        rel
    } else {
        rel.strip_prefix(&format!("{source_root}/")).unwrap_or(rel)
    };
    let stem = inside.trim_end_matches(".py");
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

pub(crate) fn has_src_layout(rel: &str) -> bool {
    rel.starts_with("src/")
}

/// The file a star import in `rel` names: `.base` from `pkg/settings/prod.py` is
/// `pkg/settings/base.py`, and whether the import is absolute (a package's `__init__.py` is
/// not told apart here: the module file).
fn star_target(rel: &str, module: &str) -> Option<(String, bool)> {
    let dots = module.chars().take_while(|c| *c == '.').count();
    if dots == 0 {
        return Some((format!("{}.py", module.replace('.', "/")), true));
    }
    let mut package: Vec<&str> = rel.split('/').collect();
    package.pop();
    for _ in 1..dots {
        package.pop()?;
    }
    let rest = &module[dots..];
    if rest.is_empty() {
        return None;
    }
    package.extend(rest.split('.'));
    Some((format!("{}.py", package.join("/")), false))
}

#[cfg(test)]
mod tests {
    use super::star_target;

    #[test]
    fn star_imports_name_their_module_file() {
        let t = |rel, m| star_target(rel, m);
        assert_eq!(
            t("mysite/settings/production.py", ".base"),
            Some(("mysite/settings/base.py".into(), false))
        );
        assert_eq!(
            t("mysite/settings/production.py", "..common"),
            Some(("mysite/common.py".into(), false))
        );
        assert_eq!(
            t("mysite/settings/production.py", "mysite.settings.base"),
            Some(("mysite/settings/base.py".into(), true))
        );
        assert_eq!(t("production.py", "..x"), None);
        assert_eq!(t("a/b.py", "."), None);
    }
}
