//! The create journal: one small file per create in flight, written (and synced) before the
//! request is sent and removed once the create has finished, so a provider process that dies
//! after the API accepted a create leaves a record that the next apply resolves instead of
//! creating a second object.
//!
//! Terraform tells a provider nothing about a resource's address, so an entry is matched by
//! what the configuration asks for: the member, the type and a fingerprint of the planned
//! values (identical resources, as with `count`, share a fingerprint; any one of their entries
//! serves any one of them). An entry is claimed by one create of this process at a time.
//! Entries live in `.terraform/gpucloud-journal/` under Terraform's working directory (the
//! provider's current directory), or in `GPUCLOUD_JOURNAL_DIR`; entries older than
//! [`MAX_AGE`] are dropped. Without a writable directory creates still work, unprotected
//! against a crash, and say so in the log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// How long an unresolved entry is kept.
pub const MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// One create in flight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The file's own name (without `.json`).
    pub id: String,
    /// `amd_instance`.
    pub type_name: String,
    pub fingerprint: String,
    /// The name the create was sent with (generated names must be reused).
    pub name: String,
    /// The `Idempotency-Key` sent, for APIs that replay keys.
    #[serde(default)]
    pub key: Option<String>,
    pub started_at: DateTime<Utc>,
    /// With `placements`: the index of the placement this attempt was sent to, so a resumed
    /// create resolves that attempt before it tries any other placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<usize>,
}

/// The directory the journal lives in.
#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

/// Entries claimed by creates of this process (written here, or resumed here).
fn claimed() -> &'static Mutex<HashSet<String>> {
    static CLAIMED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    CLAIMED.get_or_init(Default::default)
}

/// The fingerprint of a create: the type and its planned values (nulls dropped, so a value
/// the configuration leaves out reads the same whatever the model's shape).
pub fn fingerprint(type_name: &str, planned: &serde_json::Value) -> String {
    fn strip(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => serde_json::Value::Object(
                m.iter()
                    .filter(|(k, v)| !v.is_null() && k.as_str() != "timeouts")
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    let mut h = Sha256::new();
    h.update(type_name.as_bytes());
    h.update([0]);
    h.update(strip(planned).to_string().as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The journal's directory in this working directory (not created here): also where the
/// client keeps its rate-limit window between provider processes.
pub fn dir() -> Option<PathBuf> {
    match std::env::var_os("GPUCLOUD_JOURNAL_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => Some(
            std::env::current_dir()
                .ok()?
                .join(".terraform")
                .join("gpucloud-journal"),
        ),
    }
}

impl Journal {
    /// The journal of this working directory, created on first use; `None` when no directory
    /// can be made (logged once per create).
    pub fn open() -> Option<Journal> {
        Self::at(&dir()?)
    }

    pub fn at(dir: &Path) -> Option<Journal> {
        match std::fs::create_dir_all(dir) {
            Ok(()) => Some(Journal {
                dir: dir.to_path_buf(),
            }),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "create journal unavailable: a crash during a create cannot be resolved automatically");
                None
            }
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// A leftover entry for this type and fingerprint that no create of this process holds,
    /// now held by the caller. Expired and unreadable entries are removed on the way.
    pub fn claim(&self, type_name: &str, fingerprint: &str) -> Option<Entry> {
        let mut held = claimed().lock().ok()?;
        let mut found: Vec<Entry> = Vec::new();
        for file in std::fs::read_dir(&self.dir).ok()?.flatten() {
            let p = file.path();
            if p.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let entry = std::fs::read(&p)
                .ok()
                .and_then(|b| serde_json::from_slice::<Entry>(&b).ok());
            match entry {
                Some(e) if Utc::now() - e.started_at > MAX_AGE => {
                    let _ = std::fs::remove_file(&p);
                }
                Some(e) => {
                    if e.type_name == type_name
                        && e.fingerprint == fingerprint
                        && !held.contains(&e.id)
                    {
                        found.push(e);
                    }
                }
                // Another process's half-written temporary file is not `.json` yet; this is
                // garbage.
                None => {
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
        // The oldest first: it is the one most likely to have reached the API.
        found.sort_by_key(|e| e.started_at);
        let e = found.into_iter().next()?;
        held.insert(e.id.clone());
        Some(e)
    }

    /// Writes `entry` durably (temporary file, sync, rename, sync the directory) and holds it
    /// for this process.
    pub fn record(&self, entry: &Entry) -> std::io::Result<()> {
        if let Ok(mut held) = claimed().lock() {
            held.insert(entry.id.clone());
        }
        let tmp = self.dir.join(format!("{}.tmp", entry.id));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, self.path(&entry.id))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// The create of `entry` finished (its object is in Terraform's hands, or it never was
    /// made): forget it.
    pub fn remove(&self, entry: &Entry) {
        let _ = std::fs::remove_file(self.path(&entry.id));
        if let Ok(mut held) = claimed().lock() {
            held.remove(&entry.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str, name: &str) -> Entry {
        Entry {
            id: uuid::Uuid::new_v4().to_string(),
            type_name: "amd_instance".into(),
            fingerprint: fp.into(),
            name: name.into(),
            key: None,
            started_at: Utc::now(),
            placement: None,
        }
    }

    #[test]
    fn fingerprints_ignore_nulls_and_timeouts_but_not_values() {
        let a = serde_json::json!({"gpu_count": 2, "name": null, "timeouts": {"create": "1m"}});
        let b = serde_json::json!({"gpu_count": 2});
        let c = serde_json::json!({"gpu_count": 4});
        assert_eq!(
            fingerprint("amd_instance", &a),
            fingerprint("amd_instance", &b)
        );
        assert_ne!(
            fingerprint("amd_instance", &b),
            fingerprint("amd_instance", &c)
        );
        assert_ne!(
            fingerprint("amd_instance", &b),
            fingerprint("shadeform_instance", &b)
        );
    }

    #[test]
    fn an_entry_left_by_a_dead_process_is_claimed_once_then_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::at(dir.path()).expect("journal");
        let mine = entry("fp-1", "tf-mine");
        j.record(&mine).expect("record");
        // Held by this process: not offered to another create.
        assert_eq!(j.claim("amd_instance", "fp-1"), None);
        // As the next process sees it: written by someone else.
        claimed().lock().expect("lock").remove(&mine.id);
        let got = j.claim("amd_instance", "fp-1").expect("leftover entry");
        assert_eq!(got.name, "tf-mine");
        assert_eq!(j.claim("amd_instance", "fp-1"), None, "claimed once");
        assert_eq!(j.claim("amd_instance", "fp-2"), None, "other fingerprint");
        j.remove(&got);
        assert_eq!(j.claim("amd_instance", "fp-1"), None, "removed");
    }

    #[test]
    fn expired_and_garbage_entries_are_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::at(dir.path()).expect("journal");
        let mut old = entry("fp-old", "tf-old");
        old.started_at = Utc::now() - MAX_AGE - chrono::TimeDelta::hours(1);
        std::fs::write(
            dir.path().join(format!("{}.json", old.id)),
            serde_json::to_vec(&old).expect("json"),
        )
        .expect("write");
        std::fs::write(dir.path().join("junk.json"), b"{not json").expect("write");
        assert_eq!(j.claim("amd_instance", "fp-old"), None);
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
