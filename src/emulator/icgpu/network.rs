//! VM networks with their subnets and firewall rules: plain records (create 201, PATCH 200,
//! DELETE 204), visible at once. A network that still has subnets cannot be deleted; its
//! firewall rules go with it.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{newest, newest_first, rfc3339, Store};
use super::web::{created, list_response, parse_body, ApiError, ApiResult, Checks};
use super::{Access, App};

/// `(method, route, operationId, access, takes Idempotency-Key)`, as in `super::OPS`.
pub(super) const OPS: &[(&str, &str, &str, Access, bool)] = {
    use Access::Scoped;
    const NET: &str = "/api/v1/vm-networks/{id}";
    const SUBNETS: &str = "/api/v1/vm-networks/{id}/subnets";
    const SUBNET: &str = "/api/v1/vm-networks/{id}/subnets/{subnet_id}";
    const RULES: &str = "/api/v1/vm-networks/{id}/firewall-rules";
    const RULE: &str = "/api/v1/vm-networks/{id}/firewall-rules/{rule_id}";
    &[
        (
            "GET",
            "/api/v1/vm-networks",
            "listVmNetworks",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/vm-networks",
            "createVmNetwork",
            Scoped,
            true,
        ),
        ("GET", NET, "getVmNetwork", Scoped, false),
        ("PATCH", NET, "updateVmNetwork", Scoped, false),
        ("DELETE", NET, "deleteVmNetwork", Scoped, false),
        ("GET", SUBNETS, "listVmSubnets", Scoped, false),
        ("POST", SUBNETS, "createVmSubnet", Scoped, true),
        ("GET", SUBNET, "getVmSubnet", Scoped, false),
        ("DELETE", SUBNET, "deleteVmSubnet", Scoped, false),
        ("GET", RULES, "listVmFirewallRules", Scoped, false),
        ("POST", RULES, "createVmFirewallRule", Scoped, true),
        ("GET", RULE, "getVmFirewallRule", Scoped, false),
        ("DELETE", RULE, "deleteVmFirewallRule", Scoped, false),
    ]
};

const DIRECTIONS: &[&str] = &["ingress", "egress"];
const PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "any"];
const ACTIONS: &[&str] = &["allow", "deny"];

pub struct Network {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct Subnet {
    pub seq: u64,
    pub id: String,
    pub network_id: String,
    pub name: String,
    pub cidr: Cidr,
    pub created_at: DateTime<Utc>,
}

pub struct FirewallRule {
    pub seq: u64,
    pub id: String,
    pub network_id: String,
    pub direction: String,
    pub protocol: String,
    pub port_range: Option<String>,
    pub source: Cidr,
    pub action: String,
    pub created_at: DateTime<Utc>,
}

/// The account's networks, subnets and firewall rules.
#[derive(Default)]
pub struct Networks {
    pub networks: Vec<Network>,
    pub subnets: Vec<Subnet>,
    pub rules: Vec<FirewallRule>,
}

/// An IPv4 network: address and prefix length, host bits zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: u32,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`; the error says what is wrong.
    fn parse(s: &str) -> Result<Self, String> {
        let (ip, prefix) = s
            .split_once('/')
            .ok_or("must be an IPv4 network in CIDR notation, e.g. 10.100.0.0/24")?;
        let addr = u32::from(
            ip.parse::<Ipv4Addr>()
                .map_err(|_| format!("{ip:?} is not an IPv4 address"))?,
        );
        let prefix = prefix
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or("prefix length must be 0 to 32")?;
        let cidr = Self { addr, prefix };
        if addr & !cidr.mask() != 0 {
            return Err(format!(
                "must be a network address (host bits zero): {}",
                Self {
                    addr: addr & cidr.mask(),
                    prefix
                }
            ));
        }
        Ok(cidr)
    }

    fn mask(self) -> u32 {
        u32::MAX
            .checked_shl(32 - u32::from(self.prefix))
            .unwrap_or(0)
    }

    fn overlaps(self, other: Cidr) -> bool {
        let shorter = if self.prefix < other.prefix {
            self
        } else {
            other
        };
        (self.addr ^ other.addr) & shorter.mask() == 0
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.addr), self.prefix)
    }
}

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/vm-networks",
            get(list_networks).post(create_network),
        )
        .route(
            "/api/v1/vm-networks/{id}",
            get(get_network)
                .patch(update_network)
                .delete(delete_network),
        )
        .route(
            "/api/v1/vm-networks/{id}/subnets",
            get(list_parts::<Subnet>).post(create_subnet),
        )
        .route(
            "/api/v1/vm-networks/{id}/subnets/{subnet_id}",
            get(get_part::<Subnet>).delete(delete_part::<Subnet>),
        )
        .route(
            "/api/v1/vm-networks/{id}/firewall-rules",
            get(list_parts::<FirewallRule>).post(create_rule),
        )
        .route(
            "/api/v1/vm-networks/{id}/firewall-rules/{rule_id}",
            get(get_part::<FirewallRule>).delete(delete_part::<FirewallRule>),
        )
}

pub fn live(store: &Store) -> Vec<(&'static str, String, String)> {
    let n = &store.vm_networks;
    let active = |kind: &'static str, id: &String| (kind, id.clone(), "active".to_string());
    n.networks
        .iter()
        .map(|x| active("vm_network", &x.id))
        .chain(n.subnets.iter().map(|x| active("vm_subnet", &x.id)))
        .chain(n.rules.iter().map(|x| active("vm_firewall_rule", &x.id)))
        .collect()
}

fn network_json(n: &Network) -> Value {
    json!({
        "id": n.id, "name": n.name, "description": n.description,
        "created_at": rfc3339(n.created_at), "updated_at": rfc3339(n.updated_at),
    })
}

fn find_network<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Network, ApiError> {
    store
        .vm_networks
        .networks
        .iter_mut()
        .find(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found("VM network", id))
}

fn name_taken(store: &Store, name: &str, except: &str) -> Result<(), ApiError> {
    if store
        .vm_networks
        .networks
        .iter()
        .any(|n| n.name == name && n.id != except)
    {
        return Err(ApiError::conflict(format!(
            "A VM network named '{name}' already exists"
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateNetwork {
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateNetwork {
    name: Option<String>,
    description: Option<String>,
}

async fn list_networks(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let store = app.store();
    let items = newest(
        &store.vm_networks.networks,
        |n| n.seq,
        |n| Some(network_json(n)),
    );
    list_response("vmNetworks", "vmNetworks", items, &q)
}

async fn create_network(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateNetwork = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.len("description", req.description.as_deref(), 0, 256);
    c.finish()?;
    let mut store = app.store();
    name_taken(&store, &req.name, "")?;
    let seq = store.next_seq();
    let id = store.random_id("net-", 8);
    let now = Utc::now();
    let n = Network {
        seq,
        id: id.clone(),
        name: req.name,
        description: req.description.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    let body = network_json(&n);
    store.vm_networks.networks.push(n);
    Ok(created(format!("/api/v1/vm-networks/{id}"), body))
}

async fn get_network(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    Ok(Json(network_json(find_network(&mut store, &id)?)).into_response())
}

async fn update_network(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    find_network(&mut store, &id)?;
    let req: UpdateNetwork = parse_body(&body)?;
    let mut c = Checks::default();
    if req.name.is_none() && req.description.is_none() {
        c.fail("body", "must set at least one of name, description");
    }
    if let Some(name) = &req.name {
        c.dns_name("name", name);
    }
    c.len("description", req.description.as_deref(), 0, 256);
    c.finish()?;
    if let Some(name) = &req.name {
        name_taken(&store, name, &id)?;
    }
    let n = find_network(&mut store, &id)?;
    if let Some(name) = req.name {
        n.name = name;
    }
    if let Some(description) = req.description {
        n.description = description;
    }
    n.updated_at = Utc::now();
    Ok(Json(network_json(n)).into_response())
}

async fn delete_network(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    find_network(&mut store, &id)?;
    let nets = &mut store.vm_networks;
    let subnets = nets.subnets.iter().filter(|s| s.network_id == id).count();
    if subnets > 0 {
        return Err(ApiError::conflict(format!(
            "VM network {id} still has {subnets} subnet(s); delete them first"
        )));
    }
    nets.rules.retain(|r| r.network_id != id);
    nets.networks.retain(|n| n.id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------
// What a network holds: subnets and firewall rules, listed, read and deleted alike
// ---------------------------------------------------------------------------------------------

trait Part: Sized + Send + 'static {
    /// For messages: "Subnet".
    const WHAT: &'static str;
    /// The list key and the path segment below the network: ("subnets", "subnets").
    const LIST: (&'static str, &'static str);
    fn all(n: &mut Networks) -> &mut Vec<Self>;
    /// `(seq, id, network id)`.
    fn key(&self) -> (u64, &str, &str);
    fn json(&self) -> Value;
}

impl Part for Subnet {
    const WHAT: &'static str = "Subnet";
    const LIST: (&'static str, &'static str) = ("subnets", "subnets");
    fn all(n: &mut Networks) -> &mut Vec<Self> {
        &mut n.subnets
    }
    fn key(&self) -> (u64, &str, &str) {
        (self.seq, &self.id, &self.network_id)
    }
    fn json(&self) -> Value {
        json!({
            "id": self.id, "network_id": self.network_id, "name": self.name,
            "cidr": self.cidr.to_string(),
            "gateway_ip": Ipv4Addr::from(self.cidr.addr.wrapping_add(1)).to_string(),
            "created_at": rfc3339(self.created_at),
        })
    }
}

impl Part for FirewallRule {
    const WHAT: &'static str = "Firewall rule";
    const LIST: (&'static str, &'static str) = ("firewallRules", "firewall-rules");
    fn all(n: &mut Networks) -> &mut Vec<Self> {
        &mut n.rules
    }
    fn key(&self) -> (u64, &str, &str) {
        (self.seq, &self.id, &self.network_id)
    }
    fn json(&self) -> Value {
        json!({
            "id": self.id, "network_id": self.network_id, "direction": self.direction,
            "protocol": self.protocol, "port_range": self.port_range,
            "source": self.source.to_string(), "action": self.action,
            "created_at": rfc3339(self.created_at),
        })
    }
}

/// The parts of network `net`, after checking that it exists.
fn parts_of<'a, P: Part>(store: &'a mut Store, net: &str) -> Result<Vec<&'a P>, ApiError> {
    find_network(store, net)?;
    Ok(P::all(&mut store.vm_networks)
        .iter()
        .filter(|p| p.key().2 == net)
        .collect())
}

fn find_part<'a, P: Part>(store: &'a mut Store, net: &str, id: &str) -> Result<&'a P, ApiError> {
    P::all(&mut store.vm_networks)
        .iter()
        .find(|p| p.key().1 == id && p.key().2 == net)
        .ok_or_else(|| ApiError::not_found(P::WHAT, id))
}

/// Files a new part and answers 201 with its `Location`.
fn add_part<P: Part>(store: &mut Store, part: P) -> ApiResult {
    let (_, id, net) = part.key();
    let location = format!("/api/v1/vm-networks/{net}/{}/{id}", P::LIST.1);
    let body = part.json();
    P::all(&mut store.vm_networks).push(part);
    Ok(created(location, body))
}

async fn list_parts<P: Part>(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut store = app.store();
    let parts = parts_of::<P>(&mut store, &id)?;
    let items: Vec<_> = parts
        .iter()
        .rev()
        .map(|p| (newest_first(p.key().0), p.json()))
        .collect();
    list_response(P::LIST.0, &format!("{}-{id}", P::LIST.0), items, &q)
}

async fn get_part<P: Part>(
    State(app): State<App>,
    Path((id, part)): Path<(String, String)>,
) -> ApiResult {
    let mut store = app.store();
    Ok(Json(find_part::<P>(&mut store, &id, &part)?.json()).into_response())
}

async fn delete_part<P: Part>(
    State(app): State<App>,
    Path((id, part)): Path<(String, String)>,
) -> ApiResult {
    let mut store = app.store();
    find_part::<P>(&mut store, &id, &part)?;
    P::all(&mut store.vm_networks).retain(|p| p.key().1 != part);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSubnet {
    name: String,
    cidr: String,
}

async fn create_subnet(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    let siblings = parts_of::<Subnet>(&mut store, &id)?;
    let req: CreateSubnet = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    let cidr = match Cidr::parse(&req.cidr) {
        Ok(cidr) if (16..=29).contains(&cidr.prefix) => Some(cidr),
        Ok(_) => {
            c.fail("cidr", "prefix length must be 16 to 29");
            None
        }
        Err(e) => {
            c.fail("cidr", e);
            None
        }
    };
    c.finish()?;
    let Some(cidr) = cidr else {
        return Err(ApiError::validation("cidr", "invalid"));
    };
    if let Some(s) = siblings.iter().find(|s| s.name == req.name) {
        return Err(ApiError::conflict(format!(
            "Network {id} already has a subnet named '{}' ({})",
            s.name, s.id
        )));
    }
    if let Some(s) = siblings.iter().find(|s| s.cidr.overlaps(cidr)) {
        return Err(ApiError::conflict(format!(
            "{cidr} overlaps subnet {} ({}) of network {id}",
            s.id, s.cidr
        )));
    }
    let seq = store.next_seq();
    let subnet = Subnet {
        seq,
        id: store.random_id("subnet-", 8),
        network_id: id,
        name: req.name,
        cidr,
        created_at: Utc::now(),
    };
    add_part(&mut store, subnet)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRule {
    direction: String,
    protocol: String,
    port_range: Option<String>,
    source: String,
    action: Option<String>,
}

/// `N` or `N-M` with 1 ≤ N ≤ M ≤ 65535.
fn valid_port_range(s: &str) -> bool {
    let (low, high) = s.split_once('-').unwrap_or((s, s));
    let port = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|n| *n >= 1 && p.chars().all(|c| c.is_ascii_digit()))
    };
    matches!((port(low), port(high)), (Some(l), Some(h)) if l <= h)
}

async fn create_rule(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    let siblings = parts_of::<FirewallRule>(&mut store, &id)?;
    let req: CreateRule = parse_body(&body)?;
    let action = req.action.unwrap_or_else(|| "allow".into());
    let mut c = Checks::default();
    c.one_of("direction", Some(&req.direction), DIRECTIONS);
    c.one_of("protocol", Some(&req.protocol), PROTOCOLS);
    c.one_of("action", Some(&action), ACTIONS);
    let ported = matches!(req.protocol.as_str(), "tcp" | "udp");
    match (&req.port_range, ported) {
        (None, true) => c.fail("port_range", "is required for tcp and udp"),
        (Some(_), false) => c.fail("port_range", "must be absent for icmp and any"),
        (Some(p), true) if !valid_port_range(p) => c.fail(
            "port_range",
            "must be a port (22) or a range (8000-8100) within 1-65535",
        ),
        _ => {}
    }
    let source = Cidr::parse(&req.source)
        .map_err(|e| c.fail("source", e))
        .ok();
    c.finish()?;
    let Some(source) = source else {
        return Err(ApiError::validation("source", "invalid"));
    };
    let same = siblings.iter().find(|r| {
        r.direction == req.direction
            && r.protocol == req.protocol
            && r.port_range == req.port_range
            && r.source == source
            && r.action == action
    });
    if let Some(r) = same {
        return Err(ApiError::conflict(format!(
            "Network {id} already has this rule ({})",
            r.id
        )));
    }
    let seq = store.next_seq();
    let rule = FirewallRule {
        seq,
        id: store.random_id("fwr-", 8),
        network_id: id,
        direction: req.direction,
        protocol: req.protocol,
        port_range: req.port_range,
        source,
        action,
        created_at: Utc::now(),
    };
    add_part(&mut store, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_parse_strictly_and_overlap_by_prefix() {
        let a = Cidr::parse("10.100.0.0/24").expect("valid");
        assert_eq!(a.to_string(), "10.100.0.0/24");
        assert!(Cidr::parse("10.100.0.1/24")
            .expect_err("host bits")
            .contains("10.100.0.0/24"));
        assert!(Cidr::parse("10.100.0.0/33").is_err());
        assert!(Cidr::parse("10.100.0.0").is_err());
        assert!(Cidr::parse("0.0.0.0/0").is_ok());
        let wide = Cidr::parse("10.100.0.0/16").expect("valid");
        let other = Cidr::parse("10.101.0.0/24").expect("valid");
        assert!(a.overlaps(wide) && wide.overlaps(a));
        assert!(!a.overlaps(other));
    }

    #[test]
    fn port_ranges_are_ports_or_ordered_ranges() {
        for ok in ["22", "1-65535", "8000-8100"] {
            assert!(valid_port_range(ok), "{ok}");
        }
        for bad in ["0", "65536", "100-90", "22-", "+22", "a"] {
            assert!(!valid_port_range(bad), "{bad}");
        }
    }
}
