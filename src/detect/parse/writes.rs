//! Files and folders a module creates when it runs: on the image's read-only root they fail
//! unless the folder is declared writable. Found in the parsed code, relative paths written as
//! literals only (a path computed at run time is not known here):
//!
//! - folders: `os.mkdir("logs")`, `os.makedirs("logs", exist_ok=True)`, `Path("logs").mkdir()`;
//! - files: logging's `FileHandler`/`RotatingFileHandler`/`TimedRotatingFileHandler`/
//!   `WatchedFileHandler("logs/app.log")`, `logging.basicConfig(filename=...)`, and
//!   `open(path, "w")` (any mode that writes: `w`, `a`, `x`, `+`).

use tree_sitter::Node;

use super::python::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Folder,
    File,
}

/// One write, at `line`, in `function` (None: at module level, so on import).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Write {
    pub line: usize,
    /// As written, `./` removed: `logs`, `logs/app.log`.
    pub path: String,
    pub kind: Kind,
    pub function: Option<String>,
}

impl Write {
    /// The folder that must be writable: the folder itself, or a file's folder (empty: the
    /// working folder).
    pub fn folder(&self) -> &str {
        match self.kind {
            Kind::Folder => &self.path,
            Kind::File => self.path.rsplit_once('/').map_or("", |(d, _)| d),
        }
    }
}

const FILE_HANDLERS: [&str; 4] = [
    "FileHandler",
    "RotatingFileHandler",
    "TimedRotatingFileHandler",
    "WatchedFileHandler",
];

impl Source<'_> {
    /// A path literal: a string, or `os.path.join` of strings.
    fn path(&self, node: Node) -> Option<String> {
        if let Some(s) = self.string(node) {
            return Some(s);
        }
        if node.kind() == "call"
            && node
                .child_by_field_name("function")
                .is_some_and(|f| self.text(f).ends_with("path.join"))
        {
            let (positional, _) = self.arguments(node);
            let parts: Option<Vec<String>> = positional.iter().map(|p| self.string(*p)).collect();
            return parts.map(|p| p.join("/"));
        }
        None
    }

    /// What `call` writes, if anything.
    fn write(&self, call: Node) -> Option<(String, Kind)> {
        let function = call.child_by_field_name("function")?;
        let name = self.text(function);
        let last = name.rsplit('.').next().unwrap_or(&name);
        let (positional, keywords) = self.arguments(call);
        let keyword = |k: &str| keywords.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
        match last {
            "mkdir" | "makedirs" => {
                // `Path("logs").mkdir()`: the path is the object's.
                let object = function
                    .child_by_field_name("object")
                    .filter(|o| function.kind() == "attribute" && o.kind() == "call");
                let target = match object {
                    Some(object) if !name.starts_with("os.") => {
                        *self.arguments(object).0.first()?
                    }
                    _ => *positional.first()?,
                };
                Some((self.path(target)?, Kind::Folder))
            }
            _ if FILE_HANDLERS.contains(&last) => {
                let target = positional
                    .first()
                    .copied()
                    .or_else(|| keyword("filename"))?;
                Some((self.path(target)?, Kind::File))
            }
            "basicConfig" => Some((self.path(keyword("filename")?)?, Kind::File)),
            "open" if name == "open" || name.ends_with("io.open") => {
                let mode = positional
                    .get(1)
                    .copied()
                    .or_else(|| keyword("mode"))
                    .and_then(|m| self.string(m))?;
                mode.contains(['w', 'a', 'x', '+'])
                    .then_some(())
                    .and_then(|()| Some((self.path(*positional.first()?)?, Kind::File)))
            }
            _ => None,
        }
    }
}

/// The writes of one module with relative literal paths.
pub fn writes(root: Node, src: &[u8]) -> Vec<Write> {
    let s = Source { src };
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "call"
            && let Some((path, kind)) = s.write(node)
        {
            let path = path
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            let relative = !path.is_empty()
                && !path.starts_with('/')
                && !path.contains('\\')
                && path
                    .split('/')
                    .all(|p| !p.is_empty() && p != "." && p != "..");
            if relative {
                out.push(Write {
                    line: node.start_position().row + 1,
                    path,
                    kind,
                    function: s.function_of(node),
                });
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Vec<(String, Kind, Option<String>)> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(src, None).unwrap();
        writes(tree.root_node(), src.as_bytes())
            .into_iter()
            .map(|w| (w.path, w.kind, w.function))
            .collect()
    }

    #[test]
    fn folders_log_files_and_opened_files_are_found_with_their_function() {
        let src = r#"
import logging, os
from logging.handlers import RotatingFileHandler
from pathlib import Path

os.makedirs("var/cache", exist_ok=True)

def create_app():
    if not os.path.exists("logs"):
        os.mkdir("logs")
    handler = RotatingFileHandler("logs/app.log", maxBytes=10240, backupCount=10)
    Path("uploads").mkdir(exist_ok=True)
    logging.basicConfig(filename=os.path.join("audit", "audit.log"))
    with open("reports/out.csv", "w") as f:
        pass
    with open("config.yml") as f:
        pass
    open("/var/log/app.log", "a")
    open("../outside.txt", "w")
    os.makedirs(app.instance_path)
"#;
        let f = Some("create_app".to_string());
        assert_eq!(
            parse(src),
            [
                ("var/cache".to_string(), Kind::Folder, None),
                ("logs".to_string(), Kind::Folder, f.clone()),
                ("logs/app.log".to_string(), Kind::File, f.clone()),
                ("uploads".to_string(), Kind::Folder, f.clone()),
                ("audit/audit.log".to_string(), Kind::File, f.clone()),
                ("reports/out.csv".to_string(), Kind::File, f.clone()),
            ]
        );
    }

    #[test]
    fn a_files_folder_is_where_it_is_written() {
        let w = |path: &str, kind| Write {
            line: 1,
            path: path.into(),
            kind,
            function: None,
        };
        assert_eq!(w("logs/app.log", Kind::File).folder(), "logs");
        assert_eq!(w("app.log", Kind::File).folder(), "");
        assert_eq!(w("var/cache", Kind::Folder).folder(), "var/cache");
    }
}
