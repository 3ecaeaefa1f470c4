//! Walking every page of a list, in the three styles the APIs use. Each guards against an
//! API that never stops (a repeated cursor, or more than 10 000 pages).

use super::http::{decode_answer, decode_value, Request};
use super::ClientError;
use serde::de::DeserializeOwned;
use serde_json::Value;

const MAX_PAGES: usize = 10_000;

/// The items of one page: `body[items_key]`, or the body itself when it is a bare array.
fn items(req: &Request, body: &Value, items_key: &str) -> Result<Vec<Value>, ClientError> {
    match body.get(items_key) {
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(Value::Null) | None if !body.is_array() => Ok(Vec::new()),
        Some(other) if !other.is_array() => Err(decode_err(req, items_key)),
        _ => match body {
            Value::Array(a) => Ok(a.clone()),
            _ => Err(decode_err(req, items_key)),
        },
    }
}

fn decode_err(req: &Request, items_key: &str) -> ClientError {
    ClientError::Decode {
        api: req.client().api(),
        operation: req.operation(),
        status: 200,
        message: format!("the list has no `{items_key}` array"),
    }
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
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_PAGES {
        let r = match &token {
            Some(t) => req.clone().set_query("nextToken", t),
            None => req.clone(),
        };
        let a = r.clone().send_raw().await?;
        let body: Value = decode_answer(&r, &a)?;
        convert(&r, items(&r, &body, items_key)?, &mut out)?;
        let next = body
            .get("nextToken")
            .or_else(|| body.get("next_token"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        match next {
            Some(t) if seen.insert(t.clone()) => token = Some(t),
            _ => return Ok(out),
        }
    }
    Ok(out)
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
    for _ in 0..MAX_PAGES {
        let r = req
            .clone()
            .set_query("limit", page_size)
            .set_query("offset", offset);
        let a = r.clone().send_raw().await?;
        let body: Value = decode_answer(&r, &a)?;
        let page = items(&r, &body, items_key)?;
        let n = page.len() as u64;
        convert(&r, page, &mut out)?;
        offset += n;
        let total = as_u64(body.get("total"));
        let done = n == 0
            || match total {
                Some(t) => offset >= t,
                None => n < u64::from(page_size),
            };
        if done {
            return Ok(out);
        }
    }
    Ok(out)
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
    for page_no in 1..=MAX_PAGES as u64 {
        let r = req
            .clone()
            .set_query("page", page_no)
            .set_query("limit", limit);
        let a = r.clone().send_raw().await?;
        let body: Value = decode_answer(&r, &a)?;
        let page = items(&r, &body, items_key)?;
        let n = page.len() as u64;
        convert(&r, page, &mut out)?;
        let p = body.get("pagination");
        let total_pages = as_u64(p.and_then(|p| p.get("total_pages")))
            .or_else(|| as_u64(body.get("total_pages")));
        let done = n == 0
            || match total_pages {
                Some(t) => page_no >= t,
                None => n < u64::from(limit),
            };
        if done {
            return Ok(out);
        }
    }
    Ok(out)
}
