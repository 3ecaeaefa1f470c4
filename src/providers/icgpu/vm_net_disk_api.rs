//! Serde models of the API's VM network and disk requests (the page's "VM Networks & Disks" section,
//! `specs/icgpu-platform.openapi.yml`), in snake_case as the page spells them.

use serde::Serialize;

/// `FirewallDirection`.
pub const FIREWALL_DIRECTIONS: &[&str] = &["ingress", "egress"];
/// `FirewallProtocol`.
pub const FIREWALL_PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "any"];
/// `FirewallAction`.
pub const FIREWALL_ACTIONS: &[&str] = &["allow", "deny"];

/// `UpdateVmNetworkRequest`: only the given fields change.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UpdateVmNetwork {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `CreateVmSubnetRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateVmSubnet {
    pub name: String,
    pub cidr: String,
}

/// `CreateVmFirewallRuleRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateVmFirewallRule {
    pub direction: String,
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range: Option<String>,
    pub source: String,
    pub action: String,
}

/// `CreateVmDiskRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateVmDisk {
    pub name: String,
    pub size_gb: i64,
}

/// `UpdateVmDiskRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct RenameVmDisk {
    pub name: String,
}

/// `ResizeVmDiskRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct ResizeVmDisk {
    pub size_gb: i64,
}

/// `AttachVmDiskRequest`, and `DetachVmDiskRequest` (detach only from this VM).
#[derive(Clone, Debug, Serialize)]
pub struct DiskVm {
    pub vm_id: String,
}
