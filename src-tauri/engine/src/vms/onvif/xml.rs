//! Tolerant XML reading for SOAP responses: a small element tree keyed by
//! *local* names. Vendors vary their namespace prefixes (and some, like
//! ipycam's PTZ service, use a prefix they never declare), so prefixes are
//! dropped instead of resolved. Parsed with quick-xml; never regex on text.
use quick_xml::events::Event;
use quick_xml::Reader;

/// One element: local name, attributes by local name, text, children.
#[derive(Debug, Clone, Default, PartialEq)]
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

/// Parses a whole document into its root element.
pub fn parse(doc: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(doc);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| XmlError(format!("at byte {}: {e}", reader.buffer_position())))?;
        match ev {
            Event::Start(s) | Event::Empty(s) if root.is_some() => {
                let _ = s;
                return Err(XmlError("content after the root element".into()));
            }
            Event::Start(s) => stack.push(start(&s)?),
            Event::Empty(s) => {
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
    let mut root = root.ok_or_else(|| XmlError("no root element".into()))?;
    trim(&mut root);
    Ok(root)
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
    let mut el = Element {
        name: local(&name).to_string(),
        ..Default::default()
    };
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

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn trim(el: &mut Element) {
    let t = el.text.trim();
    if t.len() != el.text.len() {
        el.text = t.to_string();
    }
    for c in &mut el.children {
        trim(c);
    }
}

impl Element {
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
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every descendant (depth first, self included) with this local name.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.find_all(name, out);
        }
    }

    /// An attribute by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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
}
