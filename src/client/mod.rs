//! The shared HTTP client layer every member uses (auth, retries, rate limits, idempotency,
//! pagination, waiters, refresh coalescing).
