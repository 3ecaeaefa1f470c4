//! Attribute paths: where in a configuration a value or a problem sits, so Terraform can
//! underline the offending line.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An attribute (or block) of an object.
    Attr(String),
    /// An element of a map, by key.
    Key(String),
    /// An element of a list or tuple, by position.
    Index(i64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    pub fn root() -> Self {
        Self(Vec::new())
    }
    /// A path of one attribute: `AttributePath::attr("tier")`.
    pub fn attr(name: impl Into<String>) -> Self {
        Self(vec![PathStep::Attr(name.into())])
    }
    pub fn at(&self, name: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(PathStep::Attr(name.into()));
        p
    }
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(PathStep::Key(key.into()));
        p
    }
    pub fn index(&self, i: i64) -> Self {
        let mut p = self.clone();
        p.0.push(PathStep::Index(i));
        p
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
    /// The last attribute name on the path, if any.
    pub fn last_attr(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            PathStep::Attr(a) => Some(a.as_str()),
            _ => None,
        })
    }
}

impl fmt::Display for AttributePath {
    /// Terraform's own spelling: `launch_configuration.docker_configuration.envs["A"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
