//! The GPU-cloud emulator: a real HTTP server implementing all five APIs, with lifecycles,
//! auth, errors, pagination, rate limits, fault injection and a ledger.
