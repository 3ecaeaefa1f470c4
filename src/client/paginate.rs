//! Walking every page of a list, in the three styles the APIs use. Every walk stops with a
//! [`ClientError::Pagination`] naming the endpoint and the page when the API loops: a cursor
//! it already gave, a page identical to an earlier one (an ignored `offset` or `page`), a
//! `current_page` other than the one asked for, more pages than the first page's totals
//! allow, or the operation's deadline passing mid-walk. Without totals the walk is bounded
//! by `MAX_PAGES`.

use super::http::{decode_answer, decode_value, Request};
use super::ClientError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// The bound for a list that reports no totals.
const MAX_PAGES: u64 = 10_000;

/// The items of one page: `body[items_key]`, or the body itself when it is a bare array.
fn items(req: &Request, body: &Value, items_key: &str) -> Result<Vec<Value>, ClientError> {
    match body.get(items_key) {
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(Value::Null) | None if !body.is_array() => Ok(Vec::new()),
        Some(other) if !other.is_array() => Err(decode_err(req, body, items_key)),
        _ => match body {
            Value::Array(a) => Ok(a.clone()),
            _ => Err(decode_err(req, body, items_key)),
        },
    }
}

fn decode_err(req: &Request, body: &Value, items_key: &str) -> ClientError {
    super::http::unreadable(
        req,
        200,
        &serde_json::to_vec(body).unwrap_or_default(),
        "JSON of an unexpected shape",
        format!("the list has no `{items_key}` array"),
    )
}

fn as_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn convert<T: DeserializeOwned>(
    req: &Request,
    page: Vec<Value>,
    out: &mut Vec<T>,
) -> Result<(), ClientError> {
    for v in page {
        out.push(decode_value(req, v)?);
    }
    Ok(())
}

/// The loop guard of one walk: which page it is on, what earlier pages looked like, and
/// how many pages the list may have.
struct Walk<'a> {
    req: &'a Request,
    page: u64,
    /// Fingerprint of each non-empty page seen → its page number.
    seen: HashMap<u64, u64>,
    /// The most pages the first page's totals allow (with slack for objects created while
    /// the walk runs).
    bound: u64,
    /// How the current page was asked for (`offset=50`), for messages.
    asked: String,
}

impl<'a> Walk<'a> {
    fn new(req: &'a Request) -> Self {
        Self {
            req,
            page: 0,
            seen: HashMap::new(),
            bound: MAX_PAGES,
            asked: String::new(),
        }
    }

    fn fail(&self, reason: String) -> ClientError {
        ClientError::Pagination {
            api: self.req.client().api(),
            operation: self.req.operation(),
            endpoint: self.req.endpoint(),
            page: self.page,
            reason,
        }
    }

    /// "page 3 (offset=100)".
    fn this_page(&self) -> String {
        if self.asked.is_empty() {
            format!("page {}", self.page)
        } else {
            format!("page {} ({})", self.page, self.asked)
        }
    }

    /// Fetches the next page with `r`; refuses past the bound or the deadline.
    async fn fetch(&mut self, r: Request, asked: String) -> Result<Value, ClientError> {
        self.page += 1;
        self.asked = asked;
        if self.page > self.bound {
            return Err(self.fail(format!(
                "it still pointed to {} although its totals allow at most {} pages",
                self.this_page(),
                self.bound
            )));
        }
        let a = match r.clone().send_raw().await {
            Ok(a) => a,
            Err(ClientError::Timeout { .. })
                if self.page > 1 && self.req.deadline().is_expired() =>
            {
                return Err(self.deadline())
            }
            Err(e) => return Err(e),
        };
        decode_answer(&r, &a)
    }

    fn deadline(&self) -> ClientError {
        self.fail(format!(
            "the operation's time ran out at {} after {} full pages",
            self.this_page(),
            self.page - 1
        ))
    }

    /// Records a page's items; a non-empty page identical to an earlier one is a loop.
    fn check_repeat(&mut self, items: &[Value]) -> Result<(), ClientError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for v in items {
            v.to_string().hash(&mut h);
        }
        if let Some(earlier) = self.seen.insert(h.finish(), self.page) {
            return Err(self.fail(format!(
                "{} repeats page {earlier} ({} identical items)",
                self.this_page(),
                items.len()
            )));
        }
        Ok(())
    }

    /// Sets the bound from the first page: `total_pages` pages, or `total_items` in pages of
    /// `page_len`, each with 10% (at least 2 pages) of slack.
    fn bound_from(&mut self, total_pages: Option<u64>, total_items: Option<u64>, page_len: u64) {
        if self.page != 1 {
            return;
        }
        let pages = total_pages.or_else(|| total_items.map(|t| t.div_ceil(page_len.max(1))));
        if let Some(p) = pages {
            self.bound = p.saturating_add((p / 10).max(2)).min(MAX_PAGES);
        }
    }
}

/// The first characters of a cursor, for messages.
fn short(t: &str) -> String {
    if t.chars().count() <= 24 {
        t.to_string()
    } else {
        let mut s: String = t.chars().take(24).collect();
        s.push('…');
        s
    }
}

/// IC GPU's largest page (`maxResults` 1-100); fewer pages make a refresh cheaper.
const TOKEN_PAGE_MAX: u32 = 100;

/// IC GPU: `?maxResults=..&nextToken=..`, answers `{<items_key>: [...], "nextToken": "..."}`;
/// the walk ends when `nextToken` is missing, null or empty. Set `maxResults` on `req` to
/// choose the page size; without it the walk asks for the largest page.
pub async fn list_all_token<T: DeserializeOwned>(
    req: Request,
    items_key: &str,
) -> Result<Vec<T>, ClientError> {
    let req = if req.has_query("maxResults") {
        req
    } else {
        req.query("maxResults", TOKEN_PAGE_MAX)
    };
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut given: HashMap<String, u64> = HashMap::new();
    let mut walk = Walk::new(&req);
    loop {
        let (r, asked) = match &token {
            Some(t) => (
                req.clone().set_query("nextToken", t),
                format!("nextToken={}", short(t)),
            ),
            None => (req.clone(), String::new()),
        };
        let body = walk.fetch(r, asked).await?;
        let page = items(&req, &body, items_key)?;
        walk.check_repeat(&page)?;
        convert(&req, page, &mut out)?;
        let next = body
            .get("nextToken")
            .or_else(|| body.get("next_token"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let Some(t) = next else {
            return Ok(out);
        };
        if let Some(earlier) = given.insert(t.clone(), walk.page) {
            return Err(walk.fail(format!(
                "page {} gave the same next cursor as page {earlier}",
                walk.page
            )));
        }
        token = Some(t);
    }
}

/// AMD: `?limit=..&offset=..`, answers `{<items_key>: [...], "total": n}`; the walk ends on
/// a short or empty page or when `offset` reaches `total`.
pub async fn list_all_offset<T: DeserializeOwned>(
    req: Request,
    items_key: &str,
    page_size: u32,
) -> Result<Vec<T>, ClientError> {
    let page_size = page_size.max(1);
    let mut out = Vec::new();
    let mut offset: u64 = 0;
    let mut walk = Walk::new(&req);
    loop {
        let r = req
            .clone()
            .set_query("limit", page_size)
            .set_query("offset", offset);
        let body = walk.fetch(r, format!("offset={offset}")).await?;
        let page = items(&req, &body, items_key)?;
        let n = page.len() as u64;
        walk.check_repeat(&page)?;
        convert(&req, page, &mut out)?;
        offset += n;
        let total = as_u64(body.get("total"));
        walk.bound_from(None, total, n.max(1));
        let done = n == 0
            || match total {
                Some(t) => offset >= t,
                None => n < u64::from(page_size),
            };
        if done {
            return Ok(out);
        }
    }
}

/// GPU AI: `?page=1..&limit=..`, answers `{<items_key>: [...], "pagination": {"current_page",
/// "total_pages", "total_items", "limit"}}`; the walk ends at `total_pages`, or on a short or
/// empty page when the pagination block is missing.
pub async fn list_all_pages<T: DeserializeOwned>(
    req: Request,
    items_key: &str,
    limit: u32,
) -> Result<Vec<T>, ClientError> {
    let limit = limit.max(1);
    let mut out = Vec::new();
    let mut walk = Walk::new(&req);
    loop {
        let page_no = walk.page + 1;
        let r = req
            .clone()
            .set_query("page", page_no)
            .set_query("limit", limit);
        let body = walk.fetch(r, format!("page={page_no}")).await?;
        let p = body.get("pagination");
        if let Some(current) = as_u64(p.and_then(|p| p.get("current_page"))) {
            if current != page_no {
                return Err(walk.fail(format!(
                    "asked for page {page_no}, it answered page {current}"
                )));
            }
        }
        let page = items(&req, &body, items_key)?;
        let n = page.len() as u64;
        walk.check_repeat(&page)?;
        convert(&req, page, &mut out)?;
        let total_pages = as_u64(p.and_then(|p| p.get("total_pages")))
            .or_else(|| as_u64(body.get("total_pages")));
        let total_items = as_u64(p.and_then(|p| p.get("total_items")));
        walk.bound_from(total_pages, total_items, n.max(1));
        let done = n == 0
            || match total_pages {
                Some(t) => page_no >= t,
                None => n < u64::from(limit),
            };
        if done {
            return Ok(out);
        }
    }
}
