//! Waiting for an object to settle: poll with a growing delay (1 s → 15 s by default), stop
//! at once when the API reports failure, when the deadline passes (naming what we
//! waited for and for how long) or when Terraform cancels.

use super::{env_ms, ClientError, Deadline};
use rand::Rng;
use std::future::Future;
use std::time::{Duration, Instant};

/// One observation of the object being waited for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Poll<T> {
    Ready(T),
    /// Not there yet; the current status (shown if the wait times out).
    Pending(String),
    /// Will never get there; the API's error message.
    Failed(String),
}

/// Poll timing. `Waiter::default()` starts at 1 s and caps at 15 s, or reads
/// `GPUCLOUD_POLL_INTERVAL_MS` (start) and `GPUCLOUD_POLL_MAX_MS` (cap; default 15× start).
#[derive(Clone, Debug)]
pub struct Waiter {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Waiter {
    fn default() -> Self {
        let initial = env_ms("GPUCLOUD_POLL_INTERVAL_MS")
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(1));
        let max = env_ms("GPUCLOUD_POLL_MAX_MS")
            .unwrap_or_else(|| initial.saturating_mul(15))
            .max(initial);
        Self { initial, max }
    }
}

impl Waiter {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max: max.max(initial),
        }
    }

    /// Polls until `poll` says `Ready` (returns its value) or `Failed` (`WaitFailed`), the
    /// deadline passes (`WaitTimeout`) or the operation is cancelled (`Interrupted`).
    /// `what` completes "waiting for …": `instance "x" to become running`.
    pub async fn wait<T, F, Fut>(
        &self,
        deadline: &Deadline,
        what: &str,
        mut poll: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Poll<T>, ClientError>>,
    {
        let started = Instant::now();
        let mut delay = self.initial;
        let mut last_status: Option<String> = None;
        let interrupted = || ClientError::Interrupted {
            operation: format!("wait for {what}"),
        };
        loop {
            if deadline.cancel.is_cancelled() {
                return Err(interrupted());
            }
            let observed = tokio::select! {
                r = poll() => r,
                _ = deadline.cancel.cancelled() => return Err(interrupted()),
            };
            match observed {
                Ok(Poll::Ready(v)) => return Ok(v),
                Ok(Poll::Failed(message)) => {
                    return Err(ClientError::WaitFailed {
                        what: what.to_string(),
                        message,
                    })
                }
                Ok(Poll::Pending(status)) => {
                    tracing::debug!(what, status = %status, elapsed_ms = started.elapsed().as_millis() as u64, "waiting");
                    last_status = Some(status);
                }
                // A poll that ran into the deadline is the wait timing out.
                Err(ClientError::Timeout { .. }) if deadline.is_expired() => {
                    return Err(ClientError::WaitTimeout {
                        what: what.to_string(),
                        after: started.elapsed(),
                        last_status,
                    })
                }
                Err(e) => return Err(e),
            }
            // ±10% jitter so parallel waiters spread out.
            let jitter = rand::rng().random_range(0.9..=1.1);
            let mut sleep = delay.mul_f64(jitter);
            if let Some(r) = deadline.remaining() {
                if r.is_zero() {
                    return Err(ClientError::WaitTimeout {
                        what: what.to_string(),
                        after: started.elapsed(),
                        last_status,
                    });
                }
                // Poll once more right at the deadline rather than giving up early.
                sleep = sleep.min(r);
            }
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = deadline.cancel.cancelled() => return Err(interrupted()),
            }
            if deadline.is_expired() {
                // One last look: the object may have arrived during the final sleep.
                if let Ok(Poll::Ready(v)) = tokio::select! {
                    r = poll() => r,
                    _ = deadline.cancel.cancelled() => return Err(interrupted()),
                } {
                    return Ok(v);
                }
                return Err(ClientError::WaitTimeout {
                    what: what.to_string(),
                    after: started.elapsed(),
                    last_status,
                });
            }
            delay = delay.mul_f64(1.5).min(self.max);
        }
    }
}

/// [`Waiter::default`]`.wait(..)`.
pub async fn wait_until<T, F, Fut>(
    deadline: &Deadline,
    what: &str,
    poll: F,
) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, ClientError>>,
{
    Waiter::default().wait(deadline, what, poll).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    fn fast() -> Waiter {
        Waiter::new(Duration::from_millis(5), Duration::from_millis(20))
    }

    #[tokio::test]
    async fn returns_when_ready() {
        let n = Arc::new(AtomicU32::new(0));
        let r = fast()
            .wait(&Deadline::none(), "thing", || {
                let n = n.clone();
                async move {
                    Ok(if n.fetch_add(1, Ordering::SeqCst) < 3 {
                        Poll::Pending("starting".into())
                    } else {
                        Poll::Ready(7)
                    })
                }
            })
            .await;
        assert_eq!(r.expect("ready"), 7);
        assert_eq!(n.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn fails_fast_with_the_api_message() {
        let r: Result<(), _> = fast()
            .wait(
                &Deadline::none(),
                "instance \"x\" to become running",
                || async { Ok(Poll::Failed("no capacity in us-east".into())) },
            )
            .await;
        let e = r.expect_err("failed");
        assert!(matches!(e, ClientError::WaitFailed { .. }));
        assert!(
            e.summary().contains("no capacity in us-east"),
            "{}",
            e.summary()
        );
    }

    #[tokio::test]
    async fn times_out_naming_what_and_how_long() {
        let b = Deadline::after(Duration::from_millis(120));
        let r: Result<(), _> = fast()
            .wait(&b, "instance \"x\" to become running", || async {
                Ok(Poll::Pending("provisioning".into()))
            })
            .await;
        let e = r.expect_err("timeout");
        let s = e.summary();
        assert!(
            s.contains("instance \"x\" to become running") && s.contains("provisioning"),
            "{s}"
        );
        assert!(
            matches!(e, ClientError::WaitTimeout { after, .. } if after >= Duration::from_millis(120))
        );
    }

    #[tokio::test]
    async fn cancellation_interrupts_promptly() {
        let b = Deadline::none();
        let cancel = b.cancel.clone();
        let slow = Waiter::new(Duration::from_secs(10), Duration::from_secs(10));
        let t = Instant::now();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            cancel.cancel();
        });
        let r: Result<(), _> = slow
            .wait(&b, "thing", || async { Ok(Poll::Pending("x".into())) })
            .await;
        let e = r.expect_err("interrupted");
        assert!(e.summary().contains("interrupted"));
        assert!(t.elapsed() < Duration::from_millis(500));
    }
}
