//! The hostile-answer suite: real Terraform against the emulator while its fault rules
//! replace the APIs' answers with what a broken proxy or a misbehaving API sends. Redirects
//! towards a second listener, lists that never end, creates answered 2xx with a body the
//! provider cannot read, 409 and HTML on delete, 401 right after a create, and `Retry-After`
//! in the past or absurdly far away. Each case must end with a clear diagnostic or a success,
//! and with state that matches what the API holds.
//!
//! It prints a table of case → outcome (straight to stderr, so it shows without
//! `--nocapture`) and fails if any case did not hold.

use crate::support::{report, Emulator, Tf, TOKENS};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One row of the table.
struct Row {
    case: String,
    outcome: Result<String, String>,
}

/// The five unreadable answers to a create, as fault actions that keep the handler (so the
/// object exists) but replace what the client reads.
fn unreadable_answers() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "empty",
            "an empty 200 body",
            json!({"status": 200, "text": ""}),
        ),
        (
            "html",
            "an HTML page from a proxy",
            json!({"status": 200, "text": "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"}),
        ),
        ("no_id", "JSON without `id`", json!({"remove": ["/id"]})),
        (
            "wrong_id",
            "an `id` of the wrong type",
            json!({"set": {"/id": 12345}}),
        ),
        ("truncated", "JSON cut short", json!({"truncate": 24})),
    ]
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn fault(emu: &Emulator, rule: Value) {
    emu.post("/_admin/faults", rule);
}

fn clear_faults(emu: &Emulator) {
    let url = format!("{}/_admin/faults", emu.base_url);
    let rt = runtime();
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .delete(&url)
            .send()
            .await
            .expect("clear faults");
        assert!(resp.status().is_success(), "{}", resp.status());
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Ids of the live objects of `api`/`kind`, sorted.
fn live(emu: &Emulator, api: &str, kind: &str) -> Vec<String> {
    let mut ids: Vec<String> = emu
        .live()
        .into_iter()
        .filter(|o| o.api == api && o.kind == kind)
        .map(|o| o.id)
        .collect();
    ids.sort();
    ids
}

/// A second listener on another port: whatever reaches it is recorded (method, path and
/// headers) and answered 200, as a hostile host would.
struct Trap {
    _rt: tokio::runtime::Runtime,
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        let base = rt.block_on(async move {
            let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
                let record = record.clone();
                async move {
                    let headers: Vec<String> = req
                        .headers()
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
                        .collect();
                    record.lock().expect("lock").push(format!(
                        "{} {} {headers:?}",
                        req.method(),
                        req.uri()
                    ));
                    axum::Json(json!({"ok": true}))
                }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            format!("http://{addr}")
        });
        Self {
            _rt: rt,
            base,
            seen,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

/// Every member reads with its own credential while each API answers `301` towards the
/// trap: no request, and so no credential, may reach it.
fn redirects(rows: &mut Vec<Row>) {
    let emu = Emulator::start();
    let trap = Trap::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu", "amd", "rocm", "shadeform", "gpuai"],
        r#"
resource "icgpu_spending_alert" "a" {
  name       = "hostile"
  threshold  = 100000
  notify_via = "webhook"
}

data "amd_instances" "all" {}

data "rocm_devices" "all" {}

data "shadeform_instance_types" "a6000" {
  shade_instance_type = "A6000"
}

data "gpuai_inventory" "all" {
  region = "as-south-1"
}
"#,
    );
    tf.apply();
    fault(
        &emu,
        json!({"action": {"redirect": {"to": trap.base, "status": 301}}}),
    );
    let t = Instant::now();
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    let took = t.elapsed();
    let seen = trap.seen();
    assert!(seen.is_empty(), "the other origin was reached: {seen:?}");
    for (_, token) in TOKENS {
        assert!(
            !out.contains(token),
            "a credential is in the output:\n{out}"
        );
    }
    for (member, scheme, mount) in [
        ("icgpu", "Bearer", "/icgpu/api/v1/spending-alerts/"),
        ("amd", "X-API-Key", "/amd/v1/instances"),
        ("rocm", "Bearer", "/rocm/v1/devices"),
        ("shadeform", "X-API-KEY", "/shadeform/v1/instances/types"),
        ("gpuai", "Bearer", "/gpuai/inventory/api/v1beta1/inventory"),
    ] {
        let location = format!("redirected to {}{mount}", trap.base);
        assert!(
            out.contains(&location),
            "{member}: no `{location}` in\n{out}"
        );
        rows.push(Row {
            case: format!("{member} ({scheme}): a read answered 301 to another origin"),
            outcome: Ok(format!(
                "plan fails in {:.1}s naming the Location; 0 requests reached the other origin",
                took.as_secs_f64()
            )),
        });
    }
    clear_faults(&emu);
    assert_eq!(tf.plan_exit_code(), 0, "state intact after the redirects");
    tf.destroy();
}

/// Creates AMD instances straight through the API, so a list has more than one page.
fn seed_amd(emu: &Emulator, n: usize) {
    let url = format!("{}/amd/v1/instances", emu.base_url);
    runtime().block_on(async {
        let http = reqwest::Client::new();
        for i in 0..n {
            let resp = http
                .post(&url)
                .header("X-API-Key", "amd-test-key")
                .json(&json!({"name": format!("seed-{i}"), "gpuType": "mi250", "gpuCount": 1}))
                .send()
                .await
                .expect("create");
            assert_eq!(resp.status(), 201);
        }
    });
}

/// Lists that answer the same page whatever is asked, in the three pagination styles.
fn pagination(rows: &mut Vec<Row>) {
    let emu = Emulator::start();
    seed_amd(&emu, 2);
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu", "amd", "gpuai"],
        r#"
data "amd_instances" "all" {}

data "icgpu_gpu_tiers" "all" {}

data "gpuai_inventory" "all" {}
"#,
    );
    tf.ok(&["plan", "-input=false", "-no-color"]);
    emu.reset_ledger();
    fault(
        &emu,
        json!([
            {"api": "amd", "method": "GET", "path_regex": "^/amd/v1/instances$",
             "action": {"replace": {"query": {"offset": "0", "limit": "1"}}}},
            {"api": "icgpu", "method": "GET", "path_regex": "^/icgpu/api/v1/gpu-tiers$",
             "action": {"replace": {"query": {"nextToken": null, "maxResults": "1"}}}},
            {"api": "gpuai", "method": "GET", "path_regex": "^/gpuai/inventory/api/v1beta1/inventory$",
             "action": {"replace": {"query": {"page": "1", "limit": "1"},
                                    "remove": ["/pagination/current_page"]}}}
        ]),
    );
    let t = Instant::now();
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    for (case, op, reason) in [
        (
            "amd_instances: the list ignores `offset` (offset window repeated)",
            "amd.listInstances",
            "page 2 (offset=1) repeats page 1 (1 identical items)",
        ),
        (
            "icgpu_gpu_tiers: the list ignores `nextToken` (cursor repeated)",
            "icgpu.listGpuTiers",
            "page 2 (nextToken=",
        ),
        (
            "gpuai_inventory: the list ignores `page` (no current_page)",
            "gpuai.listInventory",
            "page 2 (page=2) repeats page 1 (1 identical items)",
        ),
    ] {
        assert!(
            out.contains("the API's list does not end") && out.contains(reason),
            "{case}: no `{reason}` in\n{out}"
        );
        let requests = emu.count(op);
        assert_eq!(requests, 2, "{case}: {requests} list requests");
        rows.push(Row {
            case: case.into(),
            outcome: Ok(format!(
                "plan fails in {:.1}s after {requests} requests: \"{reason}…\"",
                took.as_secs_f64()
            )),
        });
    }
}

/// One configuration per member with a resource per unreadable answer; each create is
/// answered badly once (the rule is aimed by the name in its body). Every resource must end
/// with exactly one object, in state, and the next plan must be empty.
fn unreadable_creates(
    rows: &mut Vec<Row>,
    member: &str,
    resource: &str,
    (api, kind): (&str, &str),
    create_path: &str,
    body_of: impl Fn(&str) -> String,
    keyed: bool,
) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cases = unreadable_answers();
    let config: String = cases
        .iter()
        .map(|(k, _, _)| body_of(k))
        .collect::<Vec<_>>()
        .join("\n");
    tf.config(&[member], &config);
    let rules: Vec<Value> = cases
        .iter()
        .map(|(k, _, action)| {
            json!({"api": api, "method": "POST", "path_prefix": create_path, "times": 1,
                   "body_contains": format!("\"name\":\"h-{}\"", k.replace('_', "-")),
                   "action": {"replace": action}})
        })
        .collect();
    fault(&emu, Value::Array(rules));
    let t = Instant::now();
    tf.apply();
    let took = t.elapsed();
    let left = emu.post("/_admin/faults", json!([]));
    assert_eq!(
        left["rules"],
        json!([]),
        "every hostile answer was sent: {left}"
    );
    let in_state: Vec<String> = {
        let mut ids: Vec<String> = cases
            .iter()
            .map(|(k, _, _)| s(&tf.resource(&format!("{resource}.{k}"))["id"]).to_string())
            .collect();
        ids.sort();
        ids
    };
    let live_ids = live(&emu, api, kind);
    assert_eq!(
        live_ids, in_state,
        "{member}: what the API holds is what state holds"
    );
    assert_eq!(tf.plan_exit_code(), 0, "{member}: the next plan is empty");
    for (k, what, _) in &cases {
        let id = s(&tf.resource(&format!("{resource}.{k}"))["id"]).to_string();
        assert!(!id.is_empty() && live_ids.contains(&id), "{member} {k}");
        rows.push(Row {
            case: format!("{member}: create answered with {what}"),
            outcome: Ok(format!(
                "{}: 1 object, in state; next plan empty (apply of 5 took {:.1}s)",
                if keyed {
                    "found again"
                } else {
                    "reconciled by name"
                },
                took.as_secs_f64()
            )),
        });
    }
    tf.destroy();
    assert!(live(&emu, api, kind).is_empty(), "{:?}", emu.live());
}

/// An IC GPU generated SSH key exists only in its create answer: an unreadable answer is
/// replayed with the same Idempotency-Key, so the private key still reaches state.
fn unreadable_keyed_secret(rows: &mut Vec<Row>) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cases = [("html", "an HTML page"), ("truncated", "JSON cut short")];
    let config: String = cases
        .iter()
        .map(|(k, _)| {
            format!("resource \"icgpu_ssh_key\" \"{k}\" {{\n  name     = \"h-{k}\"\n  generate = true\n}}\n")
        })
        .collect();
    tf.config(&["icgpu"], &config);
    let html = unreadable_answers()[1].2.clone();
    fault(
        &emu,
        json!([
            {"api": "icgpu", "method": "POST", "path_prefix": "/icgpu/api/v1/ssh-keys/generate",
             "times": 1, "body_contains": "\"name\":\"h-html\"", "action": {"replace": html}},
            {"api": "icgpu", "method": "POST", "path_prefix": "/icgpu/api/v1/ssh-keys/generate",
             "times": 1, "body_contains": "\"name\":\"h-truncated\"",
             "action": {"replace": {"truncate": 40}}}
        ]),
    );
    tf.apply();
    let keys = live(&emu, "icgpu", "ssh_key");
    assert_eq!(keys.len(), 2, "{:?}", emu.live());
    for (k, what) in cases {
        let r = tf.resource(&format!("icgpu_ssh_key.{k}"));
        assert!(
            s(&r["private_key"]).contains("PRIVATE KEY"),
            "{k}: the generated private key is in state: {r}"
        );
        rows.push(Row {
            case: format!("icgpu_ssh_key (generate): create answered with {what}"),
            outcome: Ok(
                "replayed with the same Idempotency-Key: 1 key, private key in state".into(),
            ),
        });
    }
    assert_eq!(tf.plan_exit_code(), 0);
    tf.destroy();
}

fn amd_instance(resource: &str, name: &str) -> String {
    format!(
        "resource \"amd_instance\" \"{resource}\" {{\n  name      = \"{name}\"\n  gpu_type  = \"mi300x\"\n  gpu_count = 1\n}}\n"
    )
}

/// 409 on delete fails the destroy and keeps the instance; HTML on delete (a 502 page from a
/// proxy that never forwarded it, or a 200 page after the API deleted it) still deletes.
fn deletes(rows: &mut Vec<Row>) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let names = ["conflict", "html_502", "html_200"];
    let config: String = names
        .iter()
        .map(|n| amd_instance(n, &format!("d-{}", n.replace('_', "-"))))
        .collect();
    tf.config(&["amd"], &config);
    tf.apply();
    let id = |n: &str| s(&tf.resource(&format!("amd_instance.{n}"))["id"]).to_string();
    let (conflict, html_502, html_200) = (id("conflict"), id("html_502"), id("html_200"));
    fault(
        &emu,
        json!([
            {"api": "amd", "method": "DELETE", "path_prefix": format!("/amd/v1/instances/{conflict}"),
             "times": 1, "action": {"status": 409,
                                    "body": {"code": "Conflict", "message": "instance is being snapshotted"}}},
            {"api": "amd", "method": "DELETE", "path_prefix": format!("/amd/v1/instances/{html_502}"),
             "times": 1, "action": {"replace": {"handler": false, "status": 502,
                                    "text": "<html><body><h1>502 Bad Gateway</h1></body></html>"}}},
            {"api": "amd", "method": "DELETE", "path_prefix": format!("/amd/v1/instances/{html_200}"),
             "times": 1, "action": {"replace": {"status": 200, "text": "<html><body>Deleted</body></html>"}}}
        ]),
    );
    let out = tf.fails(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains(&format!(
            "Failed to delete AMD instance {conflict}: instance is being snapshotted"
        )),
        "{out}"
    );
    assert_eq!(live(&emu, "amd", "instance"), vec![conflict.clone()]);
    let state = tf.state_json();
    let left: Vec<&str> = state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["address"].as_str())
        .collect();
    assert_eq!(left, vec!["amd_instance.conflict"], "{state}");
    rows.push(Row {
        case: "amd: 409 on delete".into(),
        outcome: Ok("destroy fails quoting the API's reason; the instance stays in state".into()),
    });
    rows.push(Row {
        case: "amd: HTML 502 page on delete (not forwarded)".into(),
        outcome: Ok("retried; deleted and gone from state".into()),
    });
    rows.push(Row {
        case: "amd: HTML 200 page on delete".into(),
        outcome: Ok("accepted; deleted and gone from state".into()),
    });
    tf.destroy();
    assert!(live(&emu, "amd", "instance").is_empty(), "{:?}", emu.live());
    rows.push(Row {
        case: "amd: destroy again after the 409".into(),
        outcome: Ok("deleted; nothing left in the API".into()),
    });
}

/// The credential stops working right after a create: the instance is in state (tainted),
/// never orphaned.
fn unauthorized_after_create(rows: &mut Vec<Row>) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["amd"], &amd_instance("a", "u-401"));
    fault(
        &emu,
        json!({"api": "amd", "method": "GET", "path_regex": "^/amd/v1/instances/inst-",
               "action": {"status": 401, "body": {"code": "Unauthorized", "message": "API key revoked"}}}),
    );
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains("authentication failed (API key revoked)"),
        "{out}"
    );
    let id = s(&tf.resource("amd_instance.a")["id"]).to_string();
    assert_eq!(live(&emu, "amd", "instance"), vec![id]);
    assert_eq!(emu.count("amd.createInstance"), 1);
    clear_faults(&emu);
    let plan = tf.plan_text();
    assert!(plan.contains("tainted"), "{plan}");
    rows.push(Row {
        case: "amd: 401 on the first read after a create".into(),
        outcome: Ok(
            "apply fails \"authentication failed\"; the instance is in state (tainted), not orphaned"
                .into(),
        ),
    });
    tf.destroy();
    assert!(live(&emu, "amd", "instance").is_empty(), "{:?}", emu.live());
}

/// `Retry-After` in the past is plain backoff; one absurdly far away ends the retries at once.
fn retry_after(rows: &mut Vec<Row>) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["rocm"], "data \"rocm_devices\" \"all\" {}\n");
    fault(
        &emu,
        json!({"api": "rocm", "method": "GET", "path_regex": "^/rocm/v1/devices$", "times": 1,
               "action": {"replace": {"handler": false, "status": 503,
                          "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
                          "json": {"code": "Unavailable", "message": "maintenance"}}}}),
    );
    let t = Instant::now();
    tf.ok(&["plan", "-input=false", "-no-color"]);
    let took = t.elapsed();
    assert_eq!(emu.count("rocm.listDevices"), 1, "answered on the retry");
    rows.push(Row {
        case: "rocm: 503 with Retry-After in the past".into(),
        outcome: Ok(format!(
            "retried with plain backoff; plan succeeds in {:.1}s",
            took.as_secs_f64()
        )),
    });

    let tf = Tf::new(&emu);
    tf.config(
        &["shadeform"],
        "data \"shadeform_instance_types\" \"a6000\" {\n  shade_instance_type = \"A6000\"\n}\n",
    );
    fault(
        &emu,
        json!({"api": "shadeform", "method": "GET", "action": {"replace": {"handler": false,
               "status": 429, "headers": {"Retry-After": "99999999999"},
               "json": {"error": "slow down"}}}}),
    );
    let t = Instant::now();
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        out.contains("it asked to retry after 3170 years, longer than the provider waits (5m)"),
        "{out}"
    );
    rows.push(Row {
        case: "shadeform: 429 with Retry-After 99999999999 s".into(),
        outcome: Ok(format!(
            "plan fails in {:.1}s: \"it asked to retry after 3170 years, longer than the provider waits\"",
            took.as_secs_f64()
        )),
    });
}

fn shadeform_instance(k: &str) -> String {
    format!(
        r#"resource "shadeform_instance" "{k}" {{
  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "h-{name}"

  launch_configuration = {{
    type = "script"
    script_configuration = {{
      base64_script = "ZWNobyBoZWxsbwo="
    }}
  }}
}}
"#,
        name = k.replace('_', "-")
    )
}

fn icgpu_instance(k: &str) -> String {
    format!(
        "resource \"icgpu_instance\" \"{k}\" {{\n  name = \"h-{}\"\n  tier = \"mig\"\n}}\n",
        k.replace('_', "-")
    )
}

fn gpuai_runtime(k: &str) -> String {
    format!(
        r#"resource "gpuai_airuntime" "{k}" {{
  org_id      = "org-abc123"
  project_id  = "prj-abc123"
  name        = "h-{name}"
  region      = "as-south-1"
  plan_id     = "gpu-h200-on-demand-1h"
  template_id = "tpl-jupyterlab-pytorch"
}}
"#,
        name = k.replace('_', "-")
    )
}

#[test]
fn hostile_answers_end_in_clear_diagnostics_and_intact_state() {
    let started = Instant::now();
    type Group = Box<dyn Fn(&mut Vec<Row>)>;
    let groups: Vec<(&str, Group)> = vec![
        ("redirects", Box::new(redirects)),
        ("pagination loops", Box::new(pagination)),
        (
            "amd unreadable creates",
            Box::new(|rows: &mut Vec<Row>| {
                unreadable_creates(
                    rows,
                    "amd",
                    "amd_instance",
                    ("amd", "instance"),
                    "/amd/v1/instances",
                    |k| amd_instance(k, &format!("h-{}", k.replace('_', "-"))),
                    false,
                )
            }),
        ),
        (
            "shadeform unreadable creates",
            Box::new(|rows: &mut Vec<Row>| {
                unreadable_creates(
                    rows,
                    "shadeform",
                    "shadeform_instance",
                    ("shadeform", "instance"),
                    "/shadeform/v1/instances/create",
                    shadeform_instance,
                    false,
                )
            }),
        ),
        (
            "icgpu unreadable creates",
            Box::new(|rows: &mut Vec<Row>| {
                unreadable_creates(
                    rows,
                    "icgpu",
                    "icgpu_instance",
                    ("icgpu", "instance"),
                    "/icgpu/api/v1/instances",
                    icgpu_instance,
                    true,
                )
            }),
        ),
        (
            "gpuai unreadable creates",
            Box::new(|rows: &mut Vec<Row>| {
                unreadable_creates(
                    rows,
                    "gpuai",
                    "gpuai_airuntime",
                    ("gpuai", "airuntime"),
                    "/gpuai/gpu/api/v1beta1/orgs/",
                    gpuai_runtime,
                    false,
                )
            }),
        ),
        ("icgpu keyed secret", Box::new(unreadable_keyed_secret)),
        ("deletes", Box::new(deletes)),
        ("401 after create", Box::new(unauthorized_after_create)),
        ("Retry-After", Box::new(retry_after)),
    ];
    let mut rows = Vec::new();
    for (name, group) in &groups {
        let mut group_rows = Vec::new();
        let result = catch_unwind(AssertUnwindSafe(|| group(&mut group_rows)));
        rows.append(&mut group_rows);
        if let Err(panic) = result {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into());
            rows.push(Row {
                case: format!("{name} (group)"),
                outcome: Err(message),
            });
        }
    }

    let width = rows
        .iter()
        .map(|r| r.case.chars().count())
        .max()
        .unwrap_or(4);
    let mut table = format!(
        "\nhostile answers: {} cases in {:.0}s\n{:<width$} | outcome\n{}-|-{}\n",
        rows.len(),
        started.elapsed().as_secs_f64(),
        "case",
        "-".repeat(width),
        "-".repeat(60)
    );
    for r in &rows {
        let outcome = match &r.outcome {
            Ok(o) => o.clone(),
            Err(e) => format!("FAILED: {}", e.lines().next().unwrap_or("")),
        };
        table.push_str(&format!("{:<width$} | {outcome}\n", r.case));
    }
    report(&table);
    let failed: Vec<String> = rows
        .iter()
        .filter_map(|r| r.outcome.as_ref().err().map(|e| format!("{}: {e}", r.case)))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
