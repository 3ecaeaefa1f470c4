//! Client-side rate limits: one sliding window per (API, credential, limit), shared by every
//! client in the process, so parallel Terraform operations together stay under the API's
//! limit and wait for their turn instead of collecting 429s.
//!
//! The APIs count requests in a sliding window (IC GPU: 120 a minute per account). A token
//! bucket (governor's GCRA) can only promise `burst + rate × window` per window, so it must
//! give up either the burst small applies want or the rate large ones need (a quarter-limit
//! burst left 88 of 120 a minute: 300 instances took 390 s against a 300 s floor). Keeping
//! the requests of the last window is exact: the whole limit is there at once, and a request
//! waits only until the oldest one in the window has aged out. A request counts from when it
//! is sent until a window after its answer came: the API counted it at some moment in
//! between, and under load (or on a slow link) that moment can be long after the send.
//!
//! Terraform plans in one provider process and applies in the next, and the API counts both:
//! with a directory to remember it in (the provider passes its journal's), the window's send
//! times are also appended to a small file there, which the next process starts from. Should
//! a 429 come all the same (another working directory on the same account, or an API for
//! which no limit is configured), its `Retry-After` holds every request of that API and
//! credential for that long, so the ones queued behind it wait instead of collecting 429s of
//! their own.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
}

/// The send times of the requests in the last window. It admits one in fifty fewer than the
/// limit over a window a sixtieth longer, as slack for the time between our send and the
/// API's count of it.
pub(crate) struct SlidingWindow {
    capacity: usize,
    window: Duration,
    state: Mutex<Sends>,
}

#[derive(Default)]
struct Sends {
    /// When the requests of the last window were answered, oldest first.
    answered: VecDeque<Instant>,
    /// Requests sent and not answered yet: the API may count them at any moment.
    in_flight: usize,
    /// Nothing is sent before this: the API answered 429 with a `Retry-After`.
    held_until: Option<Instant>,
    /// Where each send is appended (milliseconds since the epoch, one a line) for the next
    /// process.
    log: Option<File>,
}

fn epoch_ms(t: SystemTime) -> Option<u64> {
    u64::try_from(t.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()
}

impl SlidingWindow {
    /// The window of `limit`; no limit at all (zero requests or a zero window) counts nothing
    /// but is still held by a 429.
    fn new(limit: RateLimit) -> Self {
        let capacity = usize::try_from(limit.requests - limit.requests / 50).unwrap_or(usize::MAX);
        let (capacity, window) = if capacity == 0 || limit.per.is_zero() {
            (usize::MAX, Duration::ZERO)
        } else {
            (capacity, limit.per + limit.per / 60)
        };
        Self {
            capacity,
            window,
            state: Mutex::new(Sends::default()),
        }
    }

    fn is_limited(&self) -> bool {
        !self.window.is_zero()
    }

    /// Starts from the sends another process recorded in `path` within the last window, and
    /// records this process's there. Best effort: a file that cannot be read or written only
    /// costs the memory across processes.
    fn remembered_in(self, path: &Path) -> Self {
        let (now, wall) = (Instant::now(), SystemTime::now());
        let Some(wall_ms) = epoch_ms(wall) else {
            return self;
        };
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let mut recent: Vec<u64> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .filter(|t: &u64| *t <= wall_ms && wall_ms - t < window_ms)
            .collect();
        recent.sort_unstable();
        let kept: String = recent.iter().map(|t| format!("{t}\n")).collect();
        let log = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, kept))
            .and_then(|()| File::options().append(true).open(path));
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.answered = recent
            .iter()
            .filter_map(|t| now.checked_sub(Duration::from_millis(wall_ms - t)))
            .collect();
        match log {
            Ok(f) => state.log = Some(f),
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "rate-limit window not kept between processes")
            }
        }
        drop(state);
        self
    }

    /// Counts a request sent at `now` if the window has room; otherwise how long until it
    /// may have. Nothing is counted for a caller that is told to wait, so dropping its wait
    /// (a cancelled operation) takes no turn from anyone.
    fn try_send(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = state.held_until.filter(|u| *u > now) {
            return Err(until - now);
        }
        let answered = &mut state.answered;
        while answered
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            answered.pop_front();
        }
        let counted = answered.len();
        let oldest = answered.front().copied();
        if state.in_flight.saturating_add(counted) < self.capacity {
            state.in_flight += 1;
            return Ok(());
        }
        Err(match oldest {
            Some(oldest) => self.window - now.saturating_duration_since(oldest),
            // Every slot is a request still on its way: one of them is answered soon.
            None => IN_FLIGHT_POLL,
        })
    }

    /// A request sent through [`SlidingWindow::try_send`] was answered (or given up) at `at`.
    fn answered(&self, at: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.in_flight = state.in_flight.saturating_sub(1);
        if self.is_limited() {
            state.answered.push_back(at);
            if let (Some(log), Some(ms)) = (&mut state.log, epoch_ms(SystemTime::now())) {
                // Lost lines only cost the next process its view of this one.
                let _ = writeln!(log, "{ms}");
            }
        }
    }

    /// Holds every request for `wait`: the API refused one and asked for that long.
    pub(crate) fn hold_for(&self, wait: Duration) {
        let Some(until) = Instant::now().checked_add(wait) else {
            return;
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.held_until = Some(state.held_until.map_or(until, |u| u.max(until)));
    }

    /// Waits for room in the window and counts this request until the turn is dropped: keep
    /// it until the answer has come.
    pub(crate) async fn until_ready(&self) -> Turn<'_> {
        while let Err(wait) = self.try_send(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        Turn { window: self }
    }
}

/// How often a window full of unanswered requests looks again.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(20);

/// One request's place in the window, from its send until this is dropped (its answer).
pub(crate) struct Turn<'a> {
    window: &'a SlidingWindow,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.window.answered(Instant::now());
    }
}

type Key = (String, String, RateLimit);

fn registry() -> &'static Mutex<HashMap<Key, Arc<SlidingWindow>>> {
    static REG: OnceLock<Mutex<HashMap<Key, Arc<SlidingWindow>>>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The process-wide limiter for this API and credential (only a hash of the credential is
/// kept, in memory and in the name of the file in `remember_in`). A limit of zero requests
/// (none) still gives one: the API's 429s hold it.
pub(crate) fn limiter_for(
    api: &str,
    credential: Option<&str>,
    limit: RateLimit,
    remember_in: Option<&Path>,
) -> Arc<SlidingWindow> {
    let hash = hex::encode(Sha256::digest(credential.unwrap_or("").as_bytes()));
    let file: Option<PathBuf> = remember_in.map(|dir| {
        let short = hash.get(..16).unwrap_or(&hash);
        dir.join(format!("ratelimit-{api}-{short}-{}.log", limit.requests))
    });
    let key = (api.to_string(), hash, limit);
    let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(l) = reg.get(&key) {
        return l.clone();
    }
    let window = SlidingWindow::new(limit);
    let l = Arc::new(match &file {
        Some(path) if window.is_limited() => window.remembered_in(path),
        _ => window,
    });
    reg.insert(key, l.clone());
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request sent at `at` and answered at once.
    fn send(l: &SlidingWindow, at: Instant) -> bool {
        let sent = l.try_send(at).is_ok();
        if sent {
            l.answered(at);
        }
        sent
    }

    #[test]
    fn same_api_and_credential_share_a_window() {
        let l = RateLimit::per_minute(120);
        let a = limiter_for("t-share", Some("k1"), l, None);
        let b = limiter_for("t-share", Some("k1"), l, None);
        let c = limiter_for("t-share", Some("k2"), l, None);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn the_whole_limit_but_the_spare_passes_at_once() {
        let l = SlidingWindow::new(RateLimit::per_minute(120));
        let t0 = Instant::now();
        let allowed = (0..150).filter(|_| l.try_send(t0).is_ok()).count();
        assert_eq!(allowed, 118);
    }

    #[test]
    fn a_full_window_waits_for_its_oldest_request_to_age_out() {
        let l = SlidingWindow::new(RateLimit::per_minute(120));
        let t0 = Instant::now();
        assert!(send(&l, t0));
        let t1 = t0 + Duration::from_secs(30);
        for _ in 1..118 {
            assert!(send(&l, t1));
        }
        // The window is 61 s: the request of t0 leaves it at t0 + 61 s, those of t1 later.
        assert_eq!(l.try_send(t1), Err(Duration::from_secs(31)));
        assert!(send(&l, t0 + Duration::from_secs(61)));
        assert!(l.try_send(t0 + Duration::from_secs(62)).is_err());
    }

    #[test]
    fn a_request_counts_until_a_window_after_its_answer() {
        let l = SlidingWindow::new(RateLimit::per_minute(120));
        let t0 = Instant::now();
        assert_eq!((0..118).filter(|_| l.try_send(t0).is_ok()).count(), 118);
        // Unanswered requests never age out: the API may count them yet.
        let t1 = t0 + Duration::from_secs(100);
        assert_eq!(l.try_send(t1), Err(IN_FLIGHT_POLL));
        l.answered(t1);
        assert_eq!(l.try_send(t1), Err(Duration::from_secs(61)));
        assert!(l.try_send(t1 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn a_429_holds_the_whole_window_for_its_retry_after() {
        let l = SlidingWindow::new(RateLimit::per_minute(120));
        l.hold_for(Duration::from_secs(5));
        let now = Instant::now();
        let wait = l.try_send(now).expect_err("held");
        assert!(
            wait > Duration::from_secs(4) && wait <= Duration::from_secs(5),
            "{wait:?}"
        );
        assert!(l.try_send(now + Duration::from_secs(6)).is_ok());
    }

    #[test]
    fn the_next_process_starts_from_the_sends_this_one_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("window.log");
        let limit = RateLimit::per_minute(120);
        let plan = SlidingWindow::new(limit).remembered_in(&path);
        for _ in 0..100 {
            assert!(send(&plan, Instant::now()));
        }
        drop(plan);
        // A send recorded two minutes ago is out of the window and dropped from the file.
        let old = epoch_ms(SystemTime::now()).expect("clock") - 120_000;
        let mut f = File::options().append(true).open(&path).expect("log");
        writeln!(f, "{old}\ngarbage").expect("append");
        drop(f);
        let apply = SlidingWindow::new(limit).remembered_in(&path);
        let now = Instant::now();
        assert_eq!((0..50).filter(|_| send(&apply, now)).count(), 18);
        let lines = std::fs::read_to_string(&path).expect("log").lines().count();
        assert_eq!(
            lines, 118,
            "the 100 recent sends kept, the 18 new ones appended"
        );
    }

    #[test]
    fn one_a_minute_is_one_a_minute() {
        let l = SlidingWindow::new(RateLimit::per_minute(1));
        let t0 = Instant::now();
        assert!(send(&l, t0));
        assert!(l.try_send(t0 + Duration::from_secs(60)).is_err());
        assert!(send(&l, t0 + Duration::from_secs(61)));
    }

    #[test]
    fn no_limit_counts_nothing_but_a_429_still_holds_it() {
        let none = limiter_for("t-zero", None, RateLimit::per_minute(0), None);
        let now = Instant::now();
        assert!((0..10_000).all(|_| none.try_send(now).is_ok()));
        none.hold_for(Duration::from_secs(5));
        assert!(none.try_send(Instant::now()).is_err());
    }
}
