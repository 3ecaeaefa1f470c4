//! Account-level `icgpu` types through real Terraform against the in-process emulator: SSH key
//! groups, teams and team members, and the token balance and usage data sources. Each resource
//! goes create → empty plan → in-place change counted in the ledger → replacement → bad input
//! refused before any API call → import with generated config → destroy with nothing left
//! live; the data sources read the account and plan clean.

use crate::support::icgpu::{id_of, import_with_generated_config, live_icgpu};
use crate::support::{Emulator, Tf};

const ALICE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";
const BOB: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDMIFEAl+EfXNubSMkSmPKr1EgDYVY1ZIGX8ZXRE1Z3s bob@workstation";

/// Two keys and a group holding the keys named in `members` (`"alice"`, `"bob"`).
fn key_group(name: &str, members: &[&str]) -> String {
    let ids: Vec<String> = members
        .iter()
        .map(|m| format!("icgpu_ssh_key.{m}.id"))
        .collect();
    format!(
        r#"
resource "icgpu_ssh_key" "alice" {{
  name       = "alice"
  public_key = "{ALICE}"
}}

resource "icgpu_ssh_key" "bob" {{
  name       = "bob"
  public_key = "{BOB}"
}}

resource "icgpu_ssh_key_group" "g" {{
  name        = "{name}"
  description = "ML engineering team keys"
  ssh_key_ids = [{}]
}}
"#,
        ids.join(", ")
    )
}

fn members(tf: &Tf) -> Vec<String> {
    let mut ids: Vec<String> = tf.resource("icgpu_ssh_key_group.g")["ssh_key_ids"]
        .as_array()
        .expect("ssh_key_ids is a set")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    ids.sort();
    ids
}

#[test]
fn ssh_key_group_membership_changes_in_place_name_replaces_imports_and_destroys() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &key_group("ml-team", &["alice"]));
    tf.apply();
    let group = id_of(&tf, "icgpu_ssh_key_group.g");
    let (alice, bob) = (
        id_of(&tf, "icgpu_ssh_key.alice"),
        id_of(&tf, "icgpu_ssh_key.bob"),
    );
    assert!(group.starts_with("grp-"), "{group}");
    assert_eq!(members(&tf), vec![alice.clone()]);
    assert_eq!(emu.count("icgpu.createSshKeyGroup"), 1);
    assert_eq!(emu.count("icgpu.addSshKeyGroupKey"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Bob joins and Alice leaves in place: one add, one remove, the group stays.
    emu.reset_ledger();
    tf.config(&["icgpu"], &key_group("ml-team", &["bob"]));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.addSshKeyGroupKey"), 1);
    assert_eq!(emu.count("icgpu.removeSshKeyGroupKey"), 1);
    assert_eq!(emu.count("icgpu.createSshKeyGroup"), 0);
    assert_eq!(id_of(&tf, "icgpu_ssh_key_group.g"), group);
    assert_eq!(members(&tf), vec![bob.clone()]);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // The API cannot rename a group: a new name replaces it, members and all.
    emu.reset_ledger();
    tf.config(&["icgpu"], &key_group("ml-research", &["alice", "bob"]));
    let plan = tf.plan_text();
    assert!(
        plan.contains("must be replaced") && plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.deleteSshKeyGroup"), 1);
    assert_eq!(emu.count("icgpu.addSshKeyGroupKey"), 2);
    let group = id_of(&tf, "icgpu_ssh_key_group.g");
    let mut both = vec![alice, bob];
    both.sort();
    assert_eq!(members(&tf), both);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A key ID that is not one refuses the plan at ssh_key_ids, before any API call.
    emu.reset_ledger();
    tf.config(
        &["icgpu"],
        &key_group("ml-research", &["alice"]).replace(
            "[icgpu_ssh_key.alice.id]",
            "[icgpu_ssh_key.alice.id, \"alice\"]",
        ),
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        out.contains("ssh_key_ids") && out.contains("key-abc123"),
        "{out}"
    );
    assert_eq!(emu.total("icgpu"), 0);
    tf.config(&["icgpu"], &key_group("ml-research", &["alice", "bob"]));

    let generated = import_with_generated_config(&emu, "icgpu_ssh_key_group.i", &group);
    assert!(
        generated.contains("ml-research") && generated.contains("ssh_key_ids"),
        "{generated}"
    );

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn team(name: &str, role: &str) -> String {
    format!(
        r#"
resource "icgpu_team" "t" {{
  name        = "{name}"
  description = "Machine learning research team"
}}

resource "icgpu_team_member" "alice" {{
  team_id    = icgpu_team.t.id
  account_id = "acc-alice01"
  role       = "{role}"
}}

resource "icgpu_team_member" "bob" {{
  team_id    = icgpu_team.t.id
  account_id = "acc-bob02"
  role       = "viewer"
}}
"#
    )
}

#[test]
fn team_member_role_changes_in_place_team_name_replaces_imports_and_destroys() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &team("ML Research", "member"));
    tf.apply();
    let team_id = id_of(&tf, "icgpu_team.t");
    let alice = tf.resource("icgpu_team_member.alice");
    assert!(team_id.starts_with("team-"), "{team_id}");
    assert_eq!(alice["team_id"], team_id.as_str());
    assert_eq!(alice["role"], "member");
    assert_eq!(emu.count("icgpu.createTeam"), 1);
    assert_eq!(emu.count("icgpu.addTeamMember"), 2);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Alice becomes an admin in place: one PATCH, the membership stays.
    emu.reset_ledger();
    let membership = id_of(&tf, "icgpu_team_member.alice");
    tf.config(&["icgpu"], &team("ML Research", "admin"));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.updateTeamMember"), 1);
    assert_eq!(
        emu.count("icgpu.addTeamMember") + emu.count("icgpu.removeTeamMember"),
        0
    );
    assert_eq!(id_of(&tf, "icgpu_team_member.alice"), membership);
    assert_eq!(tf.resource("icgpu_team_member.alice")["role"], "admin");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A role the page does not list fails at plan, before any API call.
    emu.reset_ledger();
    tf.config(&["icgpu"], &team("ML Research", "superuser"));
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("role") && out.contains("viewer"), "{out}");
    assert_eq!(emu.total("icgpu"), 0);

    // The API cannot rename a team: a new name replaces it and both memberships.
    tf.config(&["icgpu"], &team("ML Platform", "admin"));
    let plan = tf.plan_text();
    assert!(
        plan.contains("must be replaced") && plan.contains("3 to add, 0 to change, 3 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.deleteTeam"), 1);
    assert_eq!(emu.count("icgpu.addTeamMember"), 2);
    let team_id = id_of(&tf, "icgpu_team.t");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    let generated = import_with_generated_config(&emu, "icgpu_team.i", &team_id);
    assert!(generated.contains("ML Platform"), "{generated}");
    let membership = id_of(&tf, "icgpu_team_member.alice");
    let generated = import_with_generated_config(
        &emu,
        "icgpu_team_member.i",
        &format!("{team_id}/{membership}"),
    );
    assert!(
        generated.contains("acc-alice01") && generated.contains("admin"),
        "{generated}"
    );

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn token_balance_and_usage_read_the_account_and_plan_clean() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"
data "icgpu_token_balance" "now" {}

data "icgpu_token_usage" "all" {}

data "icgpu_token_usage" "spent" {
  kind = "instance"
}

output "balance" {
  value = data.icgpu_token_balance.now.balance
}

output "credited" {
  value = data.icgpu_token_usage.all.total_tokens
}

output "first_entry" {
  value = data.icgpu_token_usage.all.entries[0].description
}

output "spent" {
  value = length(data.icgpu_token_usage.spent.entries)
}
"#,
    );
    tf.apply();
    // A fresh account holds its starting credit, which is also its only usage entry.
    assert_eq!(tf.output("balance"), 1_000_000);
    assert_eq!(tf.output("credited"), 1_000_000);
    assert_eq!(tf.output("first_entry"), "Starting credit");
    assert_eq!(tf.output("spent"), 0);
    assert!(emu.count("icgpu.getTokenBalance") >= 1);
    assert!(emu.count("icgpu.listTokenUsage") >= 2);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
}
