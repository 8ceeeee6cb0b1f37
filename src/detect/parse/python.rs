//! What the Python parsers share: a parsed module's source, read through tree-sitter nodes
//! (their text, string literals, a call's arguments, the function a node is in).

use tree_sitter::Node;

pub struct Source<'a> {
    pub src: &'a [u8],
}

impl Source<'_> {
    pub fn text(&self, node: Node) -> String {
        node.utf8_text(self.src).unwrap_or("").to_string()
    }

    /// A string literal's content (`"logs"` → `logs`); None for anything else.
    pub fn string(&self, node: Node) -> Option<String> {
        if node.kind() != "string" {
            return None;
        }
        let mut cursor = node.walk();
        Some(
            node.named_children(&mut cursor)
                .filter(|c| c.kind() == "string_content")
                .map(|c| self.text(c))
                .collect(),
        )
    }

    /// A call's positional arguments, and its keyword arguments by name.
    pub fn arguments<'t>(&self, call: Node<'t>) -> (Vec<Node<'t>>, Vec<(String, Node<'t>)>) {
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        if let Some(args) = call.child_by_field_name("arguments") {
            let mut cursor = args.walk();
            for a in args.named_children(&mut cursor) {
                match a.kind() {
                    "keyword_argument" => {
                        if let (Some(n), Some(v)) = (
                            a.child_by_field_name("name"),
                            a.child_by_field_name("value"),
                        ) {
                            keywords.push((self.text(n), v));
                        }
                    }
                    "comment" => {}
                    _ => positional.push(a),
                }
            }
        }
        (positional, keywords)
    }

    /// The name of the function `node` is in; None at module level.
    pub fn function_of(&self, node: Node) -> Option<String> {
        let mut up = node.parent();
        while let Some(n) = up {
            if n.kind() == "function_definition" {
                return n.child_by_field_name("name").map(|f| self.text(f));
            }
            up = n.parent();
        }
        None
    }
}
