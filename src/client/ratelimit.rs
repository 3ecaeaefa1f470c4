//! Client-side rate limits: a token bucket per (API, credential, limit), shared by every
//! client in the process, so parallel Terraform operations together stay under the API's
//! limit and wait for a token instead of collecting 429s.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// At most `requests` in any window of length `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

impl RateLimit {
    pub fn per_minute(requests: u32) -> Self {
        Self {
            requests,
            per: Duration::from_secs(60),
        }
    }

    /// A bucket that never lets more than `requests - 1` through in any window of `per`:
    /// a burst of a quarter of the limit (Terraform runs are bursty), then one token every
    /// `per / (requests - burst - spare)`, keeping one request in fifty spare for clock
    /// jitter between us and the API's sliding window.
    fn quota(&self) -> Option<Quota> {
        let n = self.requests.max(1);
        let burst = (n / 4).clamp(1, n);
        let spare = (n / 50).max(1);
        let refill = n.saturating_sub(burst + spare).max(1);
        let period = self.per.checked_div(refill)?;
        let burst = NonZeroU32::new(burst)?;
        Quota::with_period(period).map(|q| q.allow_burst(burst))
    }
}

type Key = (String, String, RateLimit);

fn registry() -> &'static Mutex<HashMap<Key, Arc<DefaultDirectRateLimiter>>> {
    static REG: OnceLock<Mutex<HashMap<Key, Arc<DefaultDirectRateLimiter>>>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The process-wide limiter for this API and credential (only a hash of the credential is
/// kept). `None` when the limit cannot form a quota (zero window).
pub(crate) fn limiter_for(
    api: &str,
    credential: Option<&str>,
    limit: RateLimit,
) -> Option<Arc<DefaultDirectRateLimiter>> {
    let quota = limit.quota()?;
    let hash = hex::encode(Sha256::digest(credential.unwrap_or("").as_bytes()));
    let key = (api.to_string(), hash, limit);
    let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
    Some(
        reg.entry(key)
            .or_insert_with(|| Arc::new(RateLimiter::direct(quota)))
            .clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_api_and_credential_share_a_bucket() {
        let l = RateLimit::per_minute(120);
        let a = limiter_for("t-share", Some("k1"), l).expect("limiter");
        let b = limiter_for("t-share", Some("k1"), l).expect("limiter");
        let c = limiter_for("t-share", Some("k2"), l).expect("limiter");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn burst_is_a_quarter_of_the_limit() {
        let l = limiter_for("t-burst", None, RateLimit::per_minute(120)).expect("limiter");
        let allowed = (0..50).filter(|_| l.check().is_ok()).count();
        assert_eq!(allowed, 30);
    }
}
