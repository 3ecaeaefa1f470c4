//! VM networks (with subnets and firewall rules) and VM disks (with attachments) of the `icgpu`
//! member through real Terraform against the in-process emulator. Each goes create → empty plan
//! → in-place change counted in the ledger → replacement → bad input refused before any API
//! call → import with generated config → destroy with nothing left live.

use crate::support::icgpu::{id_of, import_block, import_with_generated_config, live_icgpu};
use crate::support::{Emulator, Tf};

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";

fn network(description: &str, cidr: &str, rule: &str) -> String {
    format!(
        r#"
resource "icgpu_vm_network" "n" {{
  name        = "acc-net"
  description = "{description}"
}}

resource "icgpu_vm_subnet" "s" {{
  network_id = icgpu_vm_network.n.id
  name       = "workers"
  cidr       = "{cidr}"
}}

resource "icgpu_vm_firewall_rule" "r" {{
  network_id = icgpu_vm_network.n.id
  direction  = "ingress"
  source     = "0.0.0.0/0"
  {rule}
}}
"#
    )
}

const SSH: &str = r#"protocol = "tcp"
  port_range = "22""#;

/// A fresh directory whose plan of `import {}` for `address` must fail, naming `expected`.
fn import_id_is_refused(emu: &Emulator, address: &str, id: &str, expected: &str) {
    let tf = Tf::new(emu);
    tf.config(&["icgpu"], &import_block(address, id));
    let out = tf.fails(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=g.tf",
    ]);
    assert!(
        out.contains("Invalid import ID") && out.contains(expected),
        "{out}"
    );
}

#[test]
fn network_subnet_and_firewall_rule_change_in_place_replace_import_and_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &network("training", "10.100.0.0/24", SSH));
    tf.apply();
    let net = id_of(&tf, "icgpu_vm_network.n");
    let subnet = tf.resource("icgpu_vm_subnet.s");
    let rule = tf.resource("icgpu_vm_firewall_rule.r");
    assert!(net.starts_with("net-"), "{net}");
    assert_eq!(subnet["network_id"], net.as_str());
    assert_eq!(subnet["gateway_ip"], "10.100.0.1");
    assert_eq!(rule["action"], "allow", "the default: {rule}");
    for op in ["createVmNetwork", "createVmSubnet", "createVmFirewallRule"] {
        assert_eq!(emu.count(&format!("icgpu.{op}")), 1, "{op}");
    }
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A new description changes the network in place: one PATCH, nothing else.
    emu.reset_ledger();
    tf.config(
        &["icgpu"],
        &network("training and eval", "10.100.0.0/24", SSH),
    );
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.updateVmNetwork"), 1);
    assert_eq!(
        emu.count("icgpu.createVmSubnet") + emu.count("icgpu.deleteVmSubnet"),
        0
    );
    assert_eq!(id_of(&tf, "icgpu_vm_network.n"), net);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A new CIDR replaces the subnet, a new protocol the rule; the network stays.
    emu.reset_ledger();
    let ping = r#"protocol = "icmp""#;
    tf.config(
        &["icgpu"],
        &network("training and eval", "10.100.1.0/24", ping),
    );
    let plan = tf.plan_text();
    assert!(
        plan.contains("must be replaced") && plan.contains("2 to add, 0 to change, 2 to destroy"),
        "{plan}"
    );
    tf.apply();
    for op in [
        "createVmSubnet",
        "deleteVmSubnet",
        "createVmFirewallRule",
        "deleteVmFirewallRule",
    ] {
        assert_eq!(emu.count(&format!("icgpu.{op}")), 1, "{op}");
    }
    assert_eq!(emu.count("icgpu.updateVmNetwork"), 0);
    assert_eq!(tf.resource("icgpu_vm_subnet.s")["gateway_ip"], "10.100.1.1");
    assert!(tf.resource("icgpu_vm_firewall_rule.r")["port_range"].is_null());
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Bad values fail at plan, pointing at the attribute, before any API call.
    emu.reset_ledger();
    tf.config(
        &["icgpu"],
        &network("training and eval", "10.100.1.7/24", ping),
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        out.contains("cidr") && out.contains("\"10.100.1.0/24\""),
        "{out}"
    );
    let ping_with_ports = r#"protocol = "icmp"
  port_range = "22""#;
    tf.config(
        &["icgpu"],
        &network("training and eval", "10.100.1.0/24", ping_with_ports),
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("remove port_range"), "{out}");
    assert_eq!(emu.total("icgpu"), 0);
    tf.config(
        &["icgpu"],
        &network("training and eval", "10.100.1.0/24", ping),
    );

    let generated = import_with_generated_config(&emu, "icgpu_vm_network.g", &net);
    assert!(generated.contains("training and eval"), "{generated}");
    let subnet = id_of(&tf, "icgpu_vm_subnet.s");
    let generated =
        import_with_generated_config(&emu, "icgpu_vm_subnet.g", &format!("{net}/{subnet}"));
    assert!(generated.contains("10.100.1.0/24"), "{generated}");
    let rule = id_of(&tf, "icgpu_vm_firewall_rule.r");
    let generated =
        import_with_generated_config(&emu, "icgpu_vm_firewall_rule.g", &format!("{net}/{rule}"));
    assert!(generated.contains("icmp"), "{generated}");
    import_id_is_refused(
        &emu,
        "icgpu_vm_subnet.g",
        &subnet,
        "net-abc123/subnet-abc123",
    );
    import_id_is_refused(
        &emu,
        "icgpu_vm_firewall_rule.g",
        &format!("{net}/{subnet}"),
        "net-abc123/fwr-abc123",
    );

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn disks(name: &str, size_gb: i64, attached: &str) -> String {
    format!(
        r#"
resource "icgpu_vm" "v" {{
  name        = "acc-disk-vm"
  template_id = "tpl-ubuntu-gpu"
  ssh_key     = "{KEY}"
}}

resource "icgpu_vm_disk" "d" {{
  name    = "{name}"
  size_gb = {size_gb}
}}

resource "icgpu_vm_disk" "spare" {{
  name    = "acc-spare"
  size_gb = 50
}}

resource "icgpu_vm_disk_attachment" "a" {{
  disk_id = icgpu_vm_disk.{attached}.id
  vm_id   = icgpu_vm.v.id
}}
"#
    )
}

#[test]
fn disk_grows_in_place_refuses_to_shrink_and_its_attachment_replaces_imports_and_destroys() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &disks("acc-data", 500, "d"));
    tf.apply();
    let disk = id_of(&tf, "icgpu_vm_disk.d");
    let vm = id_of(&tf, "icgpu_vm.v");
    assert!(disk.starts_with("disk-"), "{disk}");
    assert_eq!(
        id_of(&tf, "icgpu_vm_disk_attachment.a"),
        format!("{disk}/{vm}")
    );
    assert_eq!(emu.count("icgpu.attachVmDisk"), 1);
    // The refresh sees the attachment on the disk; that alone is no change to plan.
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.ok(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    let d = tf.resource("icgpu_vm_disk.d");
    assert_eq!(
        (d["status"].as_str(), d["vm_id"].as_str()),
        (Some("attached"), Some(vm.as_str()))
    );

    // Larger and renamed, in place: one resize, one rename, the attachment untouched.
    emu.reset_ledger();
    tf.config(&["icgpu"], &disks("acc-training-data", 1000, "d"));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.resizeVmDisk"), 1);
    assert_eq!(emu.count("icgpu.updateVmDisk"), 1);
    let moved = [
        "createVmDisk",
        "deleteVmDisk",
        "attachVmDisk",
        "detachVmDisk",
    ];
    assert_eq!(
        moved
            .iter()
            .map(|op| emu.count(&format!("icgpu.{op}")))
            .sum::<u64>(),
        0
    );
    let d = tf.resource("icgpu_vm_disk.d");
    assert_eq!(
        (d["size_gb"].as_i64(), d["id"].as_str()),
        (Some(1000), Some(disk.as_str()))
    );
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Shrinking is a plan error on size_gb; nothing is resized or replaced.
    emu.reset_ledger();
    tf.config(&["icgpu"], &disks("acc-training-data", 800, "d"));
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        out.contains("Disks cannot shrink") && out.contains("size_gb") && out.contains("1000 GB"),
        "{out}"
    );
    assert_eq!(
        emu.count("icgpu.resizeVmDisk") + emu.count("icgpu.deleteVmDisk"),
        0
    );

    // Attaching the spare disk instead replaces the attachment: detach, then attach.
    emu.reset_ledger();
    tf.config(&["icgpu"], &disks("acc-training-data", 1000, "spare"));
    let plan = tf.plan_text();
    assert!(
        plan.contains("must be replaced") && plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.detachVmDisk"), 1);
    assert_eq!(emu.count("icgpu.attachVmDisk"), 1);
    let spare = id_of(&tf, "icgpu_vm_disk.spare");
    assert_eq!(
        id_of(&tf, "icgpu_vm_disk_attachment.a"),
        format!("{spare}/{vm}")
    );
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    assert!(
        live_icgpu(&emu).contains(&format!("vm_disk {disk} available")),
        "{:?}",
        live_icgpu(&emu)
    );

    let generated = import_with_generated_config(&emu, "icgpu_vm_disk.g", &disk);
    assert!(
        generated.contains("1000") && generated.contains("acc-training-data"),
        "{generated}"
    );
    let generated =
        import_with_generated_config(&emu, "icgpu_vm_disk_attachment.g", &format!("{spare}/{vm}"));
    assert!(
        generated.contains(&spare) && generated.contains(&vm),
        "{generated}"
    );
    import_id_is_refused(
        &emu,
        "icgpu_vm_disk_attachment.g",
        &spare,
        "disk-abc123/vm-abc123",
    );

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}
