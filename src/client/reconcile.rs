//! Exactly-once creates for APIs without idempotency keys (AMD, Shadeform, GPU AI).
//!
//! When a create fails ambiguously (the response was lost or unreadable, or the API answered
//! 5xx or 429 after it may have accepted the object), we do not blindly POST again: the member's `reconcile` lists
//! the objects and finds its own by name among those created since the first attempt. Only
//! when it finds nothing is the POST repeated.
//!
//! A 2xx answer that cannot be read (empty, an HTML page from a proxy, JSON cut short, JSON
//! without the new object's `id` or with an `id` of the wrong type) is such an ambiguous
//! failure too: the object probably exists, so it is found by `reconcile` (or, for a keyed
//! request, the repeated POST is answered by the API's replay) instead of being lost.

use super::http::{decode_created, Request};
use super::ClientError;
use chrono::{DateTime, Utc};
use rand::Rng;
use std::future::Future;
use std::time::Duration;

/// How far `started_at` is moved back to absorb clock skew between us and the API.
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Sends the create `req`; on an ambiguous failure calls `reconcile(started_at)` and adopts
/// what it returns. `reconcile` should list objects and return the one whose name (or other
/// unique attribute) matches and whose creation time is at or after `started_at`.
pub async fn create_reconciled<T, F, Fut>(req: Request, reconcile: F) -> Result<T, ClientError>
where
    T: serde::de::DeserializeOwned,
    F: Fn(DateTime<Utc>) -> Fut,
    Fut: Future<Output = Result<Option<T>, ClientError>>,
{
    let started_at = Utc::now() - CLOCK_SKEW;
    let max_retries = req.client().config().max_retries;
    let deadline = req.deadline().clone();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let error = match req.clone().send_raw().await {
            // An answer that cannot be read is a lost answer: the object may exist.
            Ok(a) => match decode_created(&req, &a) {
                Ok(created) => return Ok(created),
                Err(unreadable) => unreadable,
            },
            Err(e) if e.may_have_created() && !e.is_interrupted() => e,
            Err(e) => return Err(e),
        };
        tracing::info!(
            api = req.client().api(),
            operation = %req.operation(),
            attempt,
            error = %error.summary(),
            "create failed ambiguously; checking whether the object exists"
        );
        // Give the API a moment to finish a create that may still be in flight.
        let t = req.client().tuning();
        let ms = t
            .retry_base
            .saturating_mul(1u32 << attempt.min(8))
            .min(t.retry_max)
            .as_millis() as u64;
        let delay = Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)));
        if let Some(r) = deadline.remaining() {
            if delay >= r {
                return Err(error);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = deadline.cancel.cancelled() => return Err(ClientError::Interrupted { operation: req.operation() }),
        }
        match reconcile(started_at).await {
            Ok(Some(found)) => {
                tracing::info!(api = req.client().api(), operation = %req.operation(), "adopted the object the lost create made");
                return Ok(found);
            }
            Ok(None) => {}
            Err(e) if e.is_interrupted() => return Err(e),
            Err(e) => {
                tracing::warn!(api = req.client().api(), error = %e.summary(), "could not check whether the create happened");
                return Err(error);
            }
        }
        if attempt > max_retries {
            return Err(error);
        }
    }
}
