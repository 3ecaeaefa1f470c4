//! Bad input never reaches state or the API. One line per bad input, over every resource, data
//! source, provider block and import of every member; real `terraform` runs them in batches
//! (one `validate` for the validate-time cases, one `plan` for the plan-time ones, and one
//! `terraform import` per command-line import) and each error is matched to its case by the
//! address Terraform reports (or, for imports, by the ID). Every case must fail at its stage
//! with an error that names the attribute (or the import ID's form), and the emulator's ledger
//! must show no request other than public GETs.
//!
//! A body is the block's contents with `;` between lines (HCL wants one argument a line).

use crate::support::{Emulator, Tf};
use serde_json::Value as J;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// `terraform validate` refuses it.
    Validate,
    /// It passes validate; `terraform plan` refuses it.
    Plan,
    /// `terraform import` refuses it.
    CliImport,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Resource,
    Data,
    /// A provider block of the member named as the type (aliased, used by one data source).
    Provider,
    /// An import ID (the body) for the resource type.
    Import,
}

use Kind::{Data, Import, Provider, Resource};
use Stage::{CliImport, Plan, Validate};

struct Case {
    stage: Stage,
    kind: Kind,
    ty: &'static str,
    body: &'static str,
    /// What the error must name: the attribute, or a piece of the expected import form.
    names: &'static str,
}

const fn c(
    stage: Stage,
    kind: Kind,
    ty: &'static str,
    body: &'static str,
    names: &'static str,
) -> Case {
    Case {
        stage,
        kind,
        ty,
        body,
        names,
    }
}

const WEBHOOK: &str = r#"url = "https://hooks.example.com/x"; events = ["*"]"#;
const PEM_NOT_BASE64: &str =
    r#"ca_cert_pem = "-----BEGIN CERTIFICATE-----\n!!not*base64!!\n-----END CERTIFICATE-----\n""#;

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- icgpu_webhook: url, events; secret/id/created_at are read-only
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/x"; events = ["*"]; secret = "whsec_made_up""#, "secret"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/${format("%02100d", 0)}"; events = ["*"]"#, "url"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/x"; events = []"#, "events"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "ftp://hooks.example.com/x"; events = ["*"]"#, "url"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "http://hooks.example.com/x"; events = ["*"]"#, "url"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "not a url"; events = ["*"]"#, "url"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/x"; events = ["instance.exploded"]"#, "events"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/x"; events = ["*"]; enabled = "sometimes""#, "enabled"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/x"; events = ["*"]; id = "wh-abc123""#, "id"),
    c(Validate, Resource, "icgpu_webhook", r#"url = "https://hooks.example.com/x"; events = ["*"]; created_at = "2025-01-01T00:00:00Z""#, "created_at"),
    c(Validate, Resource, "icgpu_webhook", r#"events = ["*"]"#, "url"),
    // ---- icgpu_api_key
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; scopes = []"#, "scopes"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; permissions = []"#, "permissions"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; scopes = ["everything"]"#, "scopes"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; permissions = ["admin"]"#, "permissions"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; expires_in_days = 0"#, "expires_in_days"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; expires_in_days = 400"#, "expires_in_days"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; expires_in_days = 1.5"#, "expires_in_days"),
    c(Validate, Resource, "icgpu_api_key", r#"name = """#, "name"),
    c(Validate, Resource, "icgpu_api_key", r#"name = format("%065d", 0)"#, "name"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; key = "sk-ic-made-up""#, "key"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; prefix = "sk-ic-abc1""#, "prefix"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; status = "active""#, "status"),
    c(Validate, Resource, "icgpu_api_key", r#"name = "ci"; expires_at = "2030-01-01T00:00:00Z""#, "expires_at"),
    // ---- icgpu_vm
    c(Plan,     Resource, "icgpu_vm", r#"name = "small-disk"; template_id = "tpl-ubuntu-gpu"; disk_gb = 30"#, "disk_gb"),
    c(Plan,     Resource, "icgpu_vm", r#"name = "cpu-disk"; template_id = "tpl-ubuntu-cpu"; disk_gb = 15"#, "disk_gb"),
    c(Plan,     Resource, "icgpu_vm", r#"name = "no-template"; template_id = "tpl-windows-95""#, "template_id"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; disk_gb = 5"#, "disk_gb"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; disk_gb = 2001"#, "disk_gb"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; cpu = 0"#, "cpu"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; cpu = 65"#, "cpu"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; memory_gb = 0"#, "memory_gb"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; memory_gb = 513"#, "memory_gb"),
    c(Validate, Resource, "icgpu_vm", r#"name = "Bad_Name"; template_id = "tpl-ubuntu-cpu""#, "name"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "ubuntu""#, "template_id"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; ssh_key = "not a key""#, "ssh_key"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; desired_state = "paused""#, "desired_state"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; status = "running""#, "status"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; ssh_host = "10.0.0.1""#, "ssh_host"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; gpu_model = "NVIDIA A100""#, "gpu_model"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; ssh_command = "ssh me@host""#, "ssh_command"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v"; template_id = "tpl-ubuntu-cpu"; timeouts { create = "forever" }"#, "create"),
    c(Validate, Resource, "icgpu_vm", r#"name = "v""#, "template_id"),
    // ---- icgpu_instance
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "huge""#, "tier"),
    c(Validate, Resource, "icgpu_instance", r#"name = "-i"; tier = "mig""#, "name"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; storage_gb = 5"#, "storage_gb"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; storage_gb = 501"#, "storage_gb"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; workload_type = "spot""#, "workload_type"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; desired_state = "off""#, "desired_state"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; ssh_key = "ssh-rsa nope""#, "ssh_key"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; status = "stopped""#, "status"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; ssh_port = 22"#, "ssh_port"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; error_message = "none""#, "error_message"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i"; tier = "mig"; timeouts { delete = "1 hour" }"#, "delete"),
    c(Validate, Resource, "icgpu_instance", r#"name = "i""#, "tier"),
    // ---- icgpu_model_deployment
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "triton"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1"#, "engine"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "amd-gpu"; max_replicas = 1"#, "resource_profile"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 0"#, "max_replicas"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; min_replicas = 3; max_replicas = 2"#, "max_replicas"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; min_replicas = -1; max_replicas = 1"#, "min_replicas"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "My Model"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1"#, "name"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = ""; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1"#, "model"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1; endpoint = "https://x""#, "endpoint"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1; ready_replicas = 1"#, "ready_replicas"),
    c(Validate, Resource, "icgpu_model_deployment", r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1; status = "serving""#, "status"),
    // ---- icgpu_spending_alert
    c(Validate, Resource, "icgpu_spending_alert", r#"name = "a"; threshold = 0"#, "threshold"),
    c(Validate, Resource, "icgpu_spending_alert", r#"name = "a"; threshold = -5"#, "threshold"),
    c(Validate, Resource, "icgpu_spending_alert", r#"name = "a"; threshold = 100; notify_via = "email""#, "notify_via"),
    c(Validate, Resource, "icgpu_spending_alert", r#"name = ""; threshold = 100"#, "name"),
    c(Validate, Resource, "icgpu_spending_alert", r#"name = format("%0129d", 0); threshold = 100"#, "name"),
    c(Validate, Resource, "icgpu_spending_alert", r#"name = "a"; threshold = 100; triggered = true"#, "triggered"),
    c(Validate, Resource, "icgpu_spending_alert", r#"name = "a"; threshold = 100; last_triggered_at = "2025-01-01T00:00:00Z""#, "last_triggered_at"),
    // ---- icgpu_ssh_key
    c(Validate, Resource, "icgpu_ssh_key", r#"name = "k"; public_key = "not a key""#, "public_key"),
    c(Validate, Resource, "icgpu_ssh_key", r#"name = ""; generate = true"#, "name"),
    c(Validate, Resource, "icgpu_ssh_key", r#"name = "k"; generate = true; fingerprint = "SHA256:x""#, "fingerprint"),
    c(Validate, Resource, "icgpu_ssh_key", r#"name = "k"; generate = true; private_key = "made up""#, "private_key"),
    c(Validate, Resource, "icgpu_ssh_key", r#"name = "k"; generate = "yes please""#, "generate"),
    // ---- icgpu_cluster
    c(Validate, Resource, "icgpu_cluster", r#"name = "c"; version = "latest""#, "version"),
    c(Validate, Resource, "icgpu_cluster", r#"name = "Cluster!""#, "name"),
    c(Validate, Resource, "icgpu_cluster", r#"name = "c"; kubeconfig = "apiVersion: v1""#, "kubeconfig"),
    c(Validate, Resource, "icgpu_cluster", r#"name = "c"; endpoint = "https://k8s.example.com""#, "endpoint"),
    c(Validate, Resource, "icgpu_cluster", r#"name = "c"; status = "running""#, "status"),
    c(Validate, Resource, "icgpu_cluster", r#"name = "c"; timeouts { create = "-5m" }"#, "create"),
    // ---- <member>_image_validation (the private key comes from key.pem, written by the test)
    c(Validate, Resource, "icgpu_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); thresholds = { hbm_copy_fial_gbps = 2500 }"#, "hbm_copy_fial_gbps"),
    c(Validate, Resource, "amd_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); thresholds = { h2d_warn_gbs = 10 }"#, "h2d_warn_gbs"),
    c(Validate, Resource, "icgpu_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); port = 0"#, "port"),
    c(Validate, Resource, "amd_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); port = 70000"#, "port"),
    c(Validate, Resource, "shadeform_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); compiler = "clang""#, "compiler"),
    c(Validate, Resource, "gpuai_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); host_key_fingerprint = "MD5:00:11""#, "host_key_fingerprint"),
    c(Validate, Resource, "icgpu_image_validation", r#"host = "h"; user = "u"; private_key = "not a private key""#, "private_key"),
    c(Validate, Resource, "amd_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); expect = { gpu_count = 0 }"#, "gpu_count"),
    c(Validate, Resource, "shadeform_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); expect = { min_memory_gib = 0 }"#, "min_memory_gib"),
    c(Validate, Resource, "gpuai_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); expect = { gpu_count = "eight" }"#, "gpu_count"),
    c(Validate, Resource, "icgpu_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); verdict = "pass""#, "verdict"),
    c(Validate, Resource, "amd_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); devices = []"#, "devices"),
    c(Validate, Resource, "shadeform_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); report_json = "{}""#, "report_json"),
    c(Validate, Resource, "gpuai_image_validation", r#"host = ""; user = "u"; private_key = file("key.pem")"#, "host"),
    c(Validate, Resource, "icgpu_image_validation", r#"host = "h"; user = ""; private_key = file("key.pem")"#, "user"),
    c(Validate, Resource, "gpuai_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); thresholds = { p2p_fail = 1 }"#, "p2p_fail"),
    c(Validate, Resource, "shadeform_image_validation", r#"host = "h"; user = "u"; private_key = file("key.pem"); checks = []"#, "checks"),
    // ---- amd_instance
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 1; status = "stopped""#, "status"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "h100"; gpu_count = 1"#, "gpu_type"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 0"#, "gpu_count"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 9"#, "gpu_count"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 2.5"#, "gpu_count"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 1; id = "inst-001""#, "id"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 1; created_at = "2025-01-01T00:00:00Z""#, "created_at"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 1; name = """#, "name"),
    c(Validate, Resource, "amd_instance", r#"gpu_type = "mi300x"; gpu_count = 1; timeouts { update = "5m" }"#, "update"),
    c(Validate, Resource, "amd_instance", r#"gpu_count = 1"#, "gpu_type"),
    // ---- shadeform_instance
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; status = "active""#, "status"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; ip = "1.2.3.4""#, "ip"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; hourly_price = 100"#, "hourly_price"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; configuration = { num_gpus = 1 }"#, "configuration"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; launch_configuration = { type = "docker" }"#, "docker_configuration"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; launch_configuration = { type = "ftp" }"#, "type"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; launch_configuration = { type = "docker", docker_configuration = { image = "vllm/vllm-openai", port_mappings = [{ host_port = 0, container_port = 80 }] } }"#, "host_port"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; ssh_port = 22"#, "ssh_port"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; cost_estimate = "1.00""#, "cost_estimate"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x"; shade_cloud = "yes""#, "shade_cloud"),
    c(Validate, Resource, "shadeform_instance", r#"cloud = "aws"; region = "us-east-1"; name = "x""#, "shade_instance_type"),
    // ---- gpuai_airuntime
    c(Validate, Resource, "gpuai_airuntime", r#"name = "Bad Name"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch""#, "name"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h""#, "template_id"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; gpu_count = 0"#, "gpu_count"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_spec = { image = "pytorch", ports = [{ port = 0 }] }"#, "port"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_spec = { image = "pytorch", ports = [{ port = 8888, protocol = "udp" }] }"#, "protocol"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; storage = { size_gb = 0 }"#, "size_gb"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; storage = { mount_path = "workspace" }"#, "mount_path"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; status = "Running""#, "status"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; endpoints = {}"#, "endpoints"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; message = "hi""#, "message"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch"; ssh_keys = ["not a key"]"#, "ssh_keys"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "jupyter""#, "template_id"),
    c(Validate, Resource, "gpuai_airuntime", r#"name = "r"; org_id = ""; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch""#, "org_id"),
    // ---- gpuai_availability_notification
    c(Validate, Resource, "gpuai_availability_notification", r#"region_id = ""; config_id = "gpu-h200""#, "region_id"),
    c(Validate, Resource, "gpuai_availability_notification", r#"region_id = "as-south-1"; config_id = """#, "config_id"),
    c(Validate, Resource, "gpuai_availability_notification", r#"region_id = "as-south-1"; config_id = "gpu-h200"; status = "pending""#, "status"),
    c(Validate, Resource, "gpuai_availability_notification", r#"region_id = "as-south-1"; config_id = "gpu-h200"; notified_at = "2025-01-01T00:00:00Z""#, "notified_at"),
    c(Validate, Resource, "gpuai_availability_notification", r#"region_id = "as-south-1"; config_id = "gpu-h200"; id = "7c9e6679-7425-40de-944b-e07fc1f90ae7""#, "id"),
    // ---- data sources: read-only values, filters, required ids
    c(Validate, Data, "amd_credits", r#"balance = 1000000"#, "balance"),
    c(Validate, Data, "amd_credits", r#"currency = "EUR""#, "currency"),
    c(Validate, Data, "amd_credits", r#"used = 0"#, "used"),
    c(Validate, Data, "amd_instance", r#"id = """#, "id"),
    c(Validate, Data, "amd_instance", r#"id = "inst-001"; status = "running""#, "status"),
    c(Validate, Data, "amd_instance", r#"id = "inst-001"; name = "x""#, "name"),
    c(Validate, Data, "amd_instance_metrics", r#"instance_id = """#, "instance_id"),
    c(Validate, Data, "amd_instance_metrics", r#"instance_id = "inst-001"; gpu_utilization = 5"#, "gpu_utilization"),
    c(Validate, Data, "amd_instances", r#"status = "deleted""#, "status"),
    c(Validate, Data, "amd_instances", r#"gpu_type = "h100""#, "gpu_type"),
    c(Validate, Data, "amd_instances", r#"instances = []"#, "instances"),
    c(Validate, Data, "amd_models", r#"models = []"#, "models"),
    c(Validate, Data, "gpuai_airuntime_template", r#"id = "jupyter""#, "id"),
    c(Validate, Data, "gpuai_airuntime_template", r#"id = "tpl-jupyterlab-pytorch"; name = "mine""#, "name"),
    c(Validate, Data, "gpuai_airuntime_templates", r#"items = []"#, "items"),
    c(Validate, Data, "gpuai_gpu_config", r#"config_id = """#, "config_id"),
    c(Validate, Data, "gpuai_gpu_config", r#"config_id = "gpu-h200"; plans = []"#, "plans"),
    c(Validate, Data, "gpuai_gpu_config", r#"config_id = "gpu-h200"; vram_gib = 80"#, "vram_gib"),
    c(Validate, Data, "gpuai_inventory", r#"vram_min = -1"#, "vram_min"),
    c(Validate, Data, "gpuai_inventory", r#"vram_min = 80; vram_max = 40"#, "vram_max"),
    c(Validate, Data, "gpuai_inventory", r#"items = []"#, "items"),
    c(Validate, Data, "icgpu_gpu_tiers", r#"tier = "huge""#, "tier"),
    c(Validate, Data, "icgpu_gpu_tiers", r#"tiers = []"#, "tiers"),
    c(Validate, Data, "icgpu_gpu_tiers", r#"available_only = "sometimes""#, "available_only"),
    c(Validate, Data, "icgpu_model_catalogue", r#"engine = "triton""#, "engine"),
    c(Validate, Data, "icgpu_model_catalogue", r#"task = "vision""#, "task"),
    c(Validate, Data, "icgpu_model_catalogue", r#"resource_profile = "amd-gpu""#, "resource_profile"),
    c(Validate, Data, "icgpu_model_catalogue", r#"model_catalogue = []"#, "model_catalogue"),
    c(Validate, Data, "icgpu_token_packages", r#"min_tokens = -1"#, "min_tokens"),
    c(Validate, Data, "icgpu_token_packages", r#"token_packages = []"#, "token_packages"),
    c(Validate, Data, "icgpu_vm_templates", r#"vm_templates = []"#, "vm_templates"),
    c(Validate, Data, "icgpu_vm_templates", r#"gpu = "maybe""#, "gpu"),
    c(Validate, Data, "rocm_device", r#"id = """#, "id"),
    c(Validate, Data, "rocm_device", r#"id = "gpu0"; model = "MI300X""#, "model"),
    c(Validate, Data, "rocm_device", r#"id = "gpu0"; health = {}"#, "health"),
    c(Validate, Data, "rocm_devices", r#"devices = []"#, "devices"),
    c(Validate, Data, "rocm_devices", r#"include_health = "sometimes""#, "include_health"),
    c(Validate, Data, "rocm_version", r#"rocm_version = "9.9""#, "rocm_version"),
    c(Validate, Data, "shadeform_instance_types", r#"num_gpus = 0"#, "num_gpus"),
    c(Validate, Data, "shadeform_instance_types", r#"sort = "name""#, "sort"),
    // ---- provider blocks
    c(Validate, Provider, "icgpu", PEM_NOT_BASE64, "ca_cert_pem"),
    c(Validate, Provider, "amd", PEM_NOT_BASE64, "ca_cert_pem"),
    c(Validate, Provider, "rocm", r#"ca_cert_pem = "no certificate here""#, "ca_cert_pem"),
    c(Validate, Provider, "shadeform", r#"ca_cert_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n""#, "ca_cert_pem"),
    c(Validate, Provider, "gpuai", PEM_NOT_BASE64, "ca_cert_pem"),
    c(Validate, Provider, "icgpu", r#"endpoint = "ftp://api.example.com""#, "endpoint"),
    c(Validate, Provider, "amd", r#"endpoint = "http://""#, "endpoint"),
    c(Validate, Provider, "rocm", r#"max_retries = 21"#, "max_retries"),
    c(Validate, Provider, "shadeform", r#"max_retries = 1.5"#, "max_retries"),
    c(Validate, Provider, "gpuai", r#"request_timeout = "soon""#, "request_timeout"),
    c(Validate, Provider, "icgpu", r#"requests_per_minute = -1"#, "requests_per_minute"),
    c(Validate, Provider, "amd", r#"insecure_skip_verify = "sometimes""#, "insecure_skip_verify"),
    c(Validate, Provider, "rocm", r#"tokn = "typo""#, "tokn"),
    c(Validate, Provider, "shadeform", r#"request_timeout = "5 minutes""#, "request_timeout"),
    c(Validate, Provider, "gpuai", r#"endpoint = "gpu.example.com""#, "endpoint"),
    c(Plan,     Provider, "icgpu", r#"request_timeout = "0s""#, "request_timeout"),
    c(Plan,     Provider, "amd", r#"request_timeout = "0s""#, "request_timeout"),
    c(Plan,     Provider, "rocm", r#"request_timeout = "0s""#, "request_timeout"),
    c(Plan,     Provider, "gpuai", r#"request_timeout = "0ms""#, "request_timeout"),
    // ---- import IDs: import blocks (at plan) and the import command
    c(Plan, Import, "shadeform_instance", "not-a-uuid", "<UUID>"),
    c(Plan, Import, "shadeform_instance", "d290f1ee-6c54-4b01-90e6", "<UUID>"),
    c(Plan, Import, "gpuai_availability_notification", "nope", "<UUID>"),
    c(Plan, Import, "gpuai_availability_notification", "org-abc123/7c9e6679-7425-40de-944b-e07fc1f90ae7", "<UUID>"),
    c(Plan, Import, "gpuai_airuntime", "3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10", "org_id/project_id/airuntime_id"),
    c(Plan, Import, "gpuai_airuntime", "org-abc123/prj-abc123/jupyter", "org_id/project_id/airuntime_id"),
    c(Plan, Import, "gpuai_airuntime", "org-abc123//3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10", "org_id/project_id/airuntime_id"),
    c(Plan, Import, "icgpu_vm", "inst-abc123", "vm-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_vm", "vm-ABC", "vm-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_instance", "abc123", "inst-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_instance", "inst-", "inst-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_webhook", "https://hooks.example.com/x", "wh-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_api_key", "sk-ic-abc123", "ak-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_ssh_key", "SHA256:abc", "key-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_spending_alert", "low-balance", "alert-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_cluster", "training", "cls-<lower-case letters and digits>"),
    c(Plan, Import, "icgpu_model_deployment", "My Llama", "<DNS label>"),
    c(Plan, Import, "icgpu_model_deployment", "meta-llama/Llama-3.1-8B", "<DNS label>"),
    c(Plan, Import, "amd_instance", "inst 001", "<id>"),
    c(Plan, Import, "amd_instance", "us-west-2/inst-001", "<id>"),
    c(Plan, Import, "icgpu_image_validation", "run-1", "cannot be imported"),
    c(Plan, Import, "amd_image_validation", "run-1", "cannot be imported"),
    c(Plan, Import, "shadeform_image_validation", "run-1", "cannot be imported"),
    c(Plan, Import, "gpuai_image_validation", "run-1", "cannot be imported"),
    c(CliImport, Import, "shadeform_instance", "not-a-uuid", "<UUID>"),
    c(CliImport, Import, "gpuai_availability_notification", "nope", "<UUID>"),
    c(CliImport, Import, "gpuai_airuntime", "org-abc123/3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10", "org_id/project_id/airuntime_id"),
    c(CliImport, Import, "icgpu_vm", "my-vm", "vm-<lower-case letters and digits>"),
];

/// A body every resource type accepts (the target of import cases).
fn valid_body(ty: &str) -> &'static str {
    match ty {
        "icgpu_webhook" => WEBHOOK,
        "icgpu_api_key" => r#"name = "ci""#,
        "icgpu_vm" => r#"name = "v"; template_id = "tpl-ubuntu-cpu""#,
        "icgpu_instance" => r#"name = "i"; tier = "mig""#,
        "icgpu_model_deployment" => {
            r#"name = "m"; model = "m/m"; engine = "vllm"; resource_profile = "nvidia-gpu-mig"; max_replicas = 1"#
        }
        "icgpu_spending_alert" => r#"name = "a"; threshold = 100"#,
        "icgpu_ssh_key" => r#"name = "k"; generate = true"#,
        "icgpu_cluster" => r#"name = "c""#,
        t if t.ends_with("_image_validation") => {
            r#"host = "h"; user = "u"; private_key = file("key.pem")"#
        }
        "amd_instance" => r#"gpu_type = "mi300x"; gpu_count = 1"#,
        "shadeform_instance" => {
            r#"cloud = "aws"; region = "us-east-1"; shade_instance_type = "A100"; name = "x""#
        }
        "gpuai_airuntime" => {
            r#"name = "r"; org_id = "org-abc123"; project_id = "prj-abc123"; region = "as-south-1"; plan_id = "gpu-h200-on-demand-1h"; template_id = "tpl-jupyterlab-pytorch""#
        }
        "gpuai_availability_notification" => r#"region_id = "as-south-1"; config_id = "gpu-h200""#,
        other => panic!("no valid body for {other}"),
    }
}

/// A block that uses an aliased provider of `member` (so Terraform validates and configures it)
/// without any API call: a resource where the member has one, else a data source.
fn user_of(member: &str, alias: &str) -> String {
    let (kind, ty, body) = match member {
        "icgpu" => (
            "resource",
            "icgpu_spending_alert",
            r#"name = "a"; threshold = 100"#,
        ),
        "amd" => (
            "resource",
            "amd_instance",
            r#"gpu_type = "mi300x"; gpu_count = 1"#,
        ),
        "shadeform" => (
            "resource",
            "shadeform_instance",
            valid_body("shadeform_instance"),
        ),
        "gpuai" => (
            "resource",
            "gpuai_availability_notification",
            valid_body("gpuai_availability_notification"),
        ),
        _ => ("data", "rocm_version", ""),
    };
    block(
        kind,
        ty,
        alias,
        &format!("provider = {member}.{alias}; {body}"),
    )
}

fn block(kind: &str, ty: &str, name: &str, body: &str) -> String {
    let lines: Vec<&str> = body.split("; ").filter(|l| !l.trim().is_empty()).collect();
    format!(
        "{kind} \"{ty}\" \"{name}\" {{\n  {}\n}}\n\n",
        lines.join("\n  ")
    )
}

/// The block(s) of one case, labelled `label`.
fn hcl(case: &Case, label: &str) -> String {
    match case.kind {
        Resource => block("resource", case.ty, label, case.body),
        Data => block("data", case.ty, label, case.body),
        Provider => {
            let lines: Vec<&str> = case.body.split("; ").collect();
            format!(
                "provider \"{}\" {{\n  alias = \"{label}\"\n  {}\n}}\n\n{}",
                case.ty,
                lines.join("\n  "),
                user_of(case.ty, label)
            )
        }
        Import => {
            let import = if case.stage == CliImport {
                String::new()
            } else {
                format!(
                    "import {{\n  to = {}.{label}\n  id = {}\n}}\n\n",
                    case.ty,
                    J::String(case.body.into())
                )
            };
            import + &block("resource", case.ty, label, valid_body(case.ty))
        }
    }
}

/// The address Terraform reports the case's errors under.
fn address(case: &Case, label: &str) -> String {
    match case.kind {
        Resource | Import => format!("{}.{label}", case.ty),
        Data => format!("data.{}.{label}", case.ty),
        Provider => format!(
            "provider[\"registry.terraform.io/gpucloud/{}\"].{label}",
            case.ty
        ),
    }
}

struct Diag {
    summary: String,
    detail: String,
    address: String,
    /// The line of main.tf it points at (Terraform's own errors carry no address).
    line: Option<u64>,
    code: String,
}

impl Diag {
    fn from_json(d: &J) -> Option<Self> {
        (d["severity"] == "error").then(|| Self {
            summary: d["summary"].as_str().unwrap_or_default().into(),
            detail: d["detail"].as_str().unwrap_or_default().into(),
            address: d["address"].as_str().unwrap_or_default().into(),
            line: (d["range"]["filename"] == "main.tf")
                .then(|| d["range"]["start"]["line"].as_u64())
                .flatten(),
            code: d["snippet"]["code"].as_str().unwrap_or_default().into(),
        })
    }
    fn text(&self) -> String {
        format!("{} | {} | {}", self.summary, self.detail, self.code)
    }
}

/// The error diagnostics of `terraform validate -json`.
fn validate(tf: &Tf) -> (bool, Vec<Diag>) {
    let out = tf.run(&["validate", "-json", "-no-color"]);
    let v: J = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("validate -json: {e}\n{}", crate::support::describe(&out));
    });
    let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
    (
        v["valid"] == true,
        diags.iter().filter_map(Diag::from_json).collect(),
    )
}

/// The error diagnostics of `terraform plan -json` (one JSON message a line).
fn plan(tf: &Tf) -> Vec<Diag> {
    let out = tf.run(&["plan", "-json", "-input=false", "-lock=false", "-no-color"]);
    assert!(
        !out.status.success(),
        "plan succeeded:\n{}",
        crate::support::describe(&out)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<J>(l).ok())
        .filter(|m| m["type"] == "diagnostic")
        .filter_map(|m| Diag::from_json(&m["diagnostic"]))
        .collect()
}

/// One case in a generated configuration: its label and the lines of main.tf it occupies.
struct Placed {
    label: String,
    case: &'static Case,
    lines: std::ops::RangeInclusive<u64>,
}

/// Writes main.tf with every case of `stage` (and the key the image validations read), and
/// returns where each case went.
fn configure(tf: &Tf, stage: Stage) -> Vec<Placed> {
    let mut text = String::from("terraform {\n  required_providers {\n");
    for m in gpucloud::providers::MEMBERS {
        text.push_str(&format!("    {m} = {{ source = \"gpucloud/{m}\" }}\n"));
    }
    text.push_str("  }\n}\n\n");
    let mut placed = Vec::new();
    for (i, case) in CASES.iter().enumerate().filter(|(_, c)| c.stage == stage) {
        let label = format!("c{i}");
        let first = text.lines().count() as u64 + 1;
        text.push_str(&hcl(case, &label));
        let last = text.lines().count() as u64;
        placed.push(Placed {
            label,
            case,
            lines: first..=last,
        });
    }
    tf.write("main.tf", &text);
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]);
    let key = ssh_key::PrivateKey::from(pair)
        .to_openssh(ssh_key::LineEnding::LF)
        .expect("encode test key");
    tf.write("key.pem", &key);
    placed
}

/// Each case's errors, by the address, line or (for imports) ID they carry; every error must
/// belong to a case.
fn match_cases(cases: &[Placed], diags: Vec<Diag>, failures: &mut Vec<String>) {
    let mut by_case: BTreeMap<&str, Vec<&Diag>> = BTreeMap::new();
    for d in &diags {
        let owner = cases.iter().find(|p| match p.case.kind {
            // Import errors carry no address: the type is in the summary, the ID in the detail.
            Import => {
                d.summary.contains(p.case.ty)
                    && (d
                        .detail
                        .contains(&J::String(p.case.body.into()).to_string())
                        || d.summary.contains("cannot be imported"))
            }
            _ => {
                d.address == address(p.case, &p.label)
                    || d.line.is_some_and(|l| p.lines.contains(&l))
            }
        });
        match owner {
            Some(p) => by_case.entry(p.label.as_str()).or_default().push(d),
            None => failures.push(format!("an error no case explains: {}", d.text())),
        }
    }
    for Placed { label, case, .. } in cases {
        let found = by_case.remove(label.as_str()).unwrap_or_default();
        if found.is_empty() {
            failures.push(format!(
                "{label} {:?} {} {:?}: no error",
                case.stage, case.ty, case.body
            ));
        }
        for d in found {
            if !d.text().contains(case.names) {
                failures.push(format!(
                    "{label} {} {:?}: the error does not name {:?}: {}",
                    case.ty,
                    case.body,
                    case.names,
                    d.text()
                ));
            }
        }
    }
}

const PUBLIC_GETS: &[&str] = &[
    "icgpu.listGpuTiers",
    "icgpu.listModelCatalogue",
    "icgpu.listTokenPackages",
    "icgpu.listVmTemplates",
];

#[test]
fn bad_input_fails_before_any_api_call_and_names_the_attribute() {
    assert!(CASES.len() >= 150, "only {} cases", CASES.len());
    let emu = Emulator::start();
    let mut failures = Vec::new();

    // Validate time: every case in one configuration, one `terraform validate`.
    let tf = Tf::new(&emu);
    let cases = configure(&tf, Validate);
    let (valid, diags) = validate(&tf);
    assert!(!valid);
    match_cases(&cases, diags, &mut failures);

    // Plan time: the configuration is valid, and `terraform plan` refuses every case.
    let tf = Tf::new(&emu);
    let cases = configure(&tf, Plan);
    let (valid, diags) = validate(&tf);
    let texts: Vec<String> = diags.iter().map(Diag::text).collect();
    assert!(valid, "plan-time cases fail validate: {texts:#?}");
    match_cases(&cases, plan(&tf), &mut failures);

    // The import command: one run per case.
    let tf = Tf::new(&emu);
    for p in configure(&tf, CliImport) {
        let address = format!("{}.{}", p.case.ty, p.label);
        let out = tf.fails(&["import", "-input=false", "-no-color", &address, p.case.body]);
        // Terraform wraps long lines.
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        let refused = format!("Invalid import ID for {}", p.case.ty);
        if !(out.contains(p.case.names) && out.contains(&refused)) {
            failures.push(format!("{address} {:?}: {out}", p.case.body));
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    let calls = emu.requests();
    let private: Vec<&String> = calls
        .keys()
        .filter(|k| !PUBLIC_GETS.contains(&k.as_str()))
        .collect();
    assert!(private.is_empty(), "bad input reached the API: {calls:?}");
    assert!(
        calls.contains_key("icgpu.listVmTemplates"),
        "disk_gb is checked against the public template list: {calls:?}"
    );
    assert!(emu.live().is_empty());
}

#[test]
fn the_api_stays_the_final_word_and_its_errors_name_the_attribute() {
    let emu = Emulator::start();
    // With the template list unreadable the plan cannot check disk_gb: the API refuses it.
    emu.post(
        "/_admin/faults",
        serde_json::json!({"api": "icgpu", "method": "GET", "path_prefix": "/icgpu/api/v1/vm-templates",
                           "times": 10, "action": {"status": 404}}),
    );
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"resource "icgpu_vm" "a" {
  name        = "small-disk"
  template_id = "tpl-ubuntu-gpu"
  disk_gb     = 30
}
"#,
    );
    assert_eq!(tf.plan_exit_code(), 2);
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains("disk_gb must be at least") && out.contains("with icgpu_vm.a"),
        "{out}"
    );
    assert!(
        out.contains("disk_gb     = 30"),
        "points at the line: {out}"
    );
    assert!(
        !out.contains("diskGb"),
        "the API's field name leaked: {out}"
    );
    assert_eq!(emu.count("icgpu.createVm"), 1);
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}

#[test]
fn state_written_loosely_by_older_versions_still_upgrades() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"resource "icgpu_spending_alert" "a" {
  name      = "1234"
  threshold = 100
}
"#,
    );
    tf.apply();
    // As terraform-plugin-go reads raw state: a bool as "false", a number as a string, a string
    // as a number, and an attribute this schema does not have.
    let mut state: J = serde_json::from_str(&tf.state_file()).expect("state JSON");
    let attrs = &mut state["resources"][0]["instances"][0]["attributes"];
    assert_eq!(attrs["triggered"], false, "{attrs}");
    attrs["triggered"] = "false".into();
    attrs["threshold"] = "100".into();
    attrs["name"] = 1234.into();
    attrs["retired_attribute"] = "from an older version".into();
    tf.write("terraform.tfstate", &state.to_string());
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}
