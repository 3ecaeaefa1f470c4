//! The filter arguments of the list data sources: a filter left unset lets every entry
//! through; a set one keeps the entries whose attribute matches it.

/// `want` unset, or `have` the same value.
pub fn is<T: PartialEq>(want: &Option<T>, have: &Option<T>) -> bool {
    want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
}

/// `want` unset, or `have` the same text in any letter case (`nvidia l4` keeps `NVIDIA L4`).
pub fn is_text(want: &Option<String>, have: &Option<String>) -> bool {
    want.as_ref()
        .is_none_or(|w| have.as_ref().is_some_and(|h| h.eq_ignore_ascii_case(w)))
}

/// `min` unset, or `have` at least `min`.
pub fn at_least(min: Option<i64>, have: Option<i64>) -> bool {
    min.is_none_or(|min| have.is_some_and(|h| h >= min))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn an_unset_filter_keeps_everything_and_a_set_one_only_matches() {
        assert!(is(&None, &s("a")) && is(&None::<String>, &None));
        assert!(is(&s("a"), &s("a")) && !is(&s("a"), &s("A")) && !is(&s("a"), &None));
        assert!(is_text(&s("nvidia l4"), &s("NVIDIA L4")));
        assert!(!is_text(&s("L4"), &s("NVIDIA L4")) && !is_text(&s("L4"), &None));
        assert!(at_least(None, None) && at_least(Some(5), Some(5)));
        assert!(!at_least(Some(5), Some(4)) && !at_least(Some(5), None));
    }
}
