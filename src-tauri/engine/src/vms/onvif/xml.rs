//! Tolerant XML reading for SOAP responses: a small element tree keyed by
//! *local* names. Vendors vary their namespace prefixes (and some, like
//! ipycam's PTZ service, use a prefix they never declare), so prefixes are
//! dropped instead of resolved. Parsed with quick-xml; never regex on text.
//!
//! A device is outside input (even before login), so the tree is bounded:
//! at most [`MAX_DEPTH`] levels and [`MAX_ELEMENTS`] elements, and nothing
//! here recurses: every walk, clone, comparison, print and drop of a tree
//! uses an explicit stack, so a tree built by hand at any depth is safe too.
use quick_xml::events::Event;
use quick_xml::Reader;

/// The deepest nesting a document may have (SOAP answers use about 12).
pub const MAX_DEPTH: usize = 64;
/// The most elements a document may have (a 64-channel NVR's profiles are
/// a few thousand).
pub const MAX_ELEMENTS: usize = 200_000;

/// One element: local name, attributes by local name, text, children.
#[derive(Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed XML: {0}")]
pub struct XmlError(pub String);

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Parses a whole document into its root element. Deeper than
/// [`MAX_DEPTH`] or more than [`MAX_ELEMENTS`] elements is an error.
pub fn parse(doc: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(doc);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let mut opened = |stack: &[Element]| {
        count += 1;
        if stack.len() >= MAX_DEPTH {
            return Err(XmlError(format!("nested deeper than {MAX_DEPTH} elements")));
        }
        if count > MAX_ELEMENTS {
            return Err(XmlError(format!("more than {MAX_ELEMENTS} elements")));
        }
        Ok(())
    };
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| XmlError(format!("at byte {}: {e}", reader.buffer_position())))?;
        match ev {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError("content after the root element".into()));
            }
            Event::Start(s) => {
                opened(&stack)?;
                stack.push(start(&s)?)
            }
            Event::Empty(s) => {
                opened(&stack)?;
                let el = start(&s)?;
                close(&mut stack, &mut root, el);
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(XmlError("text outside the root element".into()));
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let ch = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| XmlError(format!("bad character reference: {e}")))?
                        .map(String::from)
                } else {
                    predefined(&r.xml10_content()).map(String::from)
                };
                let ch =
                    ch.ok_or_else(|| XmlError(format!("unknown entity &{};", r.xml10_content())))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError("document ends inside an element".into()));
    }
    root.ok_or_else(|| XmlError("no root element".into()))
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

fn start(s: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(s.name().as_ref().as_bytes()).into_owned();
    let mut el = Element::new(local(&name));
    for a in s.attributes() {
        let a = a.map_err(|e| XmlError(format!("bad attribute in <{name}>: {e}")))?;
        let key = String::from_utf8_lossy(a.key.as_ref().as_bytes()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| XmlError(format!("bad attribute value in <{name}>: {e}")))?;
        el.attrs.push((local(&key).to_string(), value.into_owned()));
    }
    Ok(el)
}

fn close(stack: &mut [Element], root: &mut Option<Element>, mut el: Element) {
    let t = el.text.trim();
    if t.len() != el.text.len() {
        el.text = t.to_string();
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

impl Element {
    /// An element with this name and nothing else.
    pub fn new(name: &str) -> Self {
        Element {
            name: name.to_string(),
            attrs: Vec::new(),
            text: String::new(),
            children: Vec::new(),
        }
    }

    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of local names through first children.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |el, n| el.child(n))
    }

    /// The text at a path, if the path exists and the text is not empty.
    pub fn text_at(&self, names: &[&str]) -> Option<&str> {
        self.path(names)
            .map(|e| e.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// The first descendant (depth first, self included) with this local name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.descendants().find(|e| e.name == name)
    }

    /// Every descendant (depth first, self included) with this local name.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        out.extend(self.descendants().filter(|e| e.name == name));
    }

    /// Self and every descendant, depth first (document order), without recursion.
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }

    /// An attribute by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Depth-first iterator over an element and its descendants.
pub struct Descendants<'a> {
    stack: Vec<&'a Element>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
        let el = self.stack.pop()?;
        self.stack.extend(el.children.iter().rev());
        Some(el)
    }
}

impl Drop for Element {
    /// Flattens the subtree onto a heap stack, so dropping a tree of any
    /// depth never recurses (each element is dropped with no children left).
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.children);
        while let Some(mut el) = stack.pop() {
            stack.append(&mut el.children);
        }
    }
}

impl Clone for Element {
    /// Copies without recursion: elements are rebuilt bottom-up from a stack.
    fn clone(&self) -> Self {
        fn shallow(e: &Element) -> Element {
            Element {
                name: e.name.clone(),
                attrs: e.attrs.clone(),
                text: e.text.clone(),
                children: Vec::with_capacity(e.children.len()),
            }
        }
        // (source, copy so far, index of the next child to copy)
        let mut stack: Vec<(&Element, Element, usize)> = vec![(self, shallow(self), 0)];
        loop {
            let top = stack.last_mut().expect("the root stays until the end");
            if let Some(child) = top.0.children.get(top.2) {
                top.2 += 1;
                stack.push((child, shallow(child), 0));
                continue;
            }
            let (_, done, _) = stack.pop().expect("checked above");
            match stack.last_mut() {
                Some(parent) => parent.1.children.push(done),
                None => return done,
            }
        }
    }
}

impl PartialEq for Element {
    /// Compares without recursion, pair by pair from a stack.
    fn eq(&self, other: &Self) -> bool {
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            if a.name != b.name
                || a.attrs != b.attrs
                || a.text != b.text
                || a.children.len() != b.children.len()
            {
                return false;
            }
            stack.extend(a.children.iter().zip(&b.children));
        }
        true
    }
}

impl std::fmt::Debug for Element {
    /// An indented outline (one line per element), written without recursion.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut stack = vec![(0usize, self)];
        while let Some((depth, el)) = stack.pop() {
            write!(f, "{:width$}<{}", "", el.name, width = depth.min(80) * 2)?;
            for (k, v) in &el.attrs {
                write!(f, " {k}={v:?}")?;
            }
            write!(f, ">")?;
            if !el.text.is_empty() {
                write!(f, " {:?}", el.text)?;
            }
            writeln!(f)?;
            stack.extend(el.children.iter().rev().map(|c| (depth + 1, c)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_vary_and_undeclared_prefixes_survive() {
        let doc = r#"<?xml version="1.0"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope">
  <SOAP-ENV:Body>
    <ptz:GetPresetsResponse>
      <ptz:Preset token="p&amp;1"><tt:Name>Gate &lt;north&gt; &#x41;</tt:Name></ptz:Preset>
      <Preset token="2"/>
    </ptz:GetPresetsResponse>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Envelope");
        let resp = root.path(&["Body", "GetPresetsResponse"]).unwrap();
        let presets: Vec<_> = resp.children_named("Preset").collect();
        assert_eq!(presets.len(), 2);
        assert_eq!(presets[0].attr("token"), Some("p&1"));
        assert_eq!(presets[0].text_at(&["Name"]), Some("Gate <north> A"));
        assert_eq!(presets[1].attr("token"), Some("2"));
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            "",
            "<a><b></a>",
            "<a>",
            "not xml",
            "<a/><b/>",
            "<a>&nope;</a>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }
    /// A chain `<a><a>…<leaf/>…</a></a>` `depth` elements deep, built by hand.
    fn chain(depth: usize) -> Element {
        let mut el = Element::new("leaf");
        el.text = "x".into();
        for _ in 0..depth {
            let mut parent = Element::new("a");
            parent.children.push(el);
            el = parent;
        }
        el
    }

    #[test]
    fn a_million_nested_elements_are_refused_without_crashing() {
        let n = 1_000_000;
        let doc = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let e = parse(&doc).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 64"), "{e}");
        // also when the document is cut off inside, and with empty elements at the bottom
        let e = parse(&format!("{}<b/>", "<a>".repeat(n))).unwrap_err();
        assert!(e.to_string().contains("nested deeper"), "{e}");
    }

    #[test]
    fn depth_is_capped_at_exactly_max_depth() {
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        let root = parse(&ok).unwrap();
        assert_eq!(root.descendants().count(), MAX_DEPTH);
        let ok = format!(
            "{}<b/>{}",
            "<a>".repeat(MAX_DEPTH - 1),
            "</a>".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(parse(&ok).unwrap().descendants().count(), MAX_DEPTH);
        let deep = format!(
            "{}<b/>{}",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn too_many_elements_are_refused() {
        let doc = format!("<r>{}</r>", "<a/>".repeat(MAX_ELEMENTS));
        let e = parse(&doc).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
        let doc = format!("<r>{}</r>", "<a/>".repeat(MAX_ELEMENTS - 1));
        assert_eq!(parse(&doc).unwrap().children.len(), MAX_ELEMENTS - 1);
    }

    #[test]
    fn a_hand_built_million_deep_tree_is_walked_cloned_compared_and_dropped() {
        let n = 1_000_000;
        let tree = chain(n);
        assert_eq!(tree.find("leaf").map(|l| l.text.as_str()), Some("x"));
        let mut all = Vec::new();
        tree.find_all("a", &mut all);
        assert_eq!(all.len(), n);
        drop(all);
        let copy = tree.clone();
        assert!(copy == tree);
        let mut other = chain(n);
        let mut tip = &mut other;
        while !tip.children.is_empty() {
            tip = &mut tip.children[0];
        }
        tip.text = "y".into();
        assert!(other != tree);
        drop(copy);
        drop(other);
        drop(tree);
    }

    #[test]
    fn walks_keep_document_order_and_debug_is_an_outline() {
        let root = parse("<r><a n=\"1\"><b>t</b></a><b/><a n=\"2\"/></r>").unwrap();
        let names: Vec<_> = root.descendants().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["r", "a", "b", "b", "a"]);
        assert_eq!(root.find("a").and_then(|a| a.attr("n")), Some("1"));
        let mut bs = Vec::new();
        root.find_all("b", &mut bs);
        assert_eq!(
            bs.iter().map(|b| b.text.as_str()).collect::<Vec<_>>(),
            ["t", ""]
        );
        assert_eq!(
            format!("{root:?}"),
            "<r>\n  <a n=\"1\">\n    <b> \"t\"\n  <b>\n  <a n=\"2\">\n"
        );
        assert!(root.clone() == root);
    }
}
