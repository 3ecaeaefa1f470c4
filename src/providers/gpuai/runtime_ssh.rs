//! `wait_for_ssh` on `gpuai_airuntime`. The API reports an SSH endpoint for every running
//! runtime, but only a container that exposes an SSH port (one named `ssh`, or port 22) answers
//! there. Plan refuses the wait where the container cannot: an inline `template_spec` shows its
//! ports in the configuration; a template's are read from the catalogue, only for a create.

use super::api::{self, Template};
use super::GpuAiClient;
use crate::framework::resource::ModifyPlanRequest;
use crate::framework::{AttributePath, Ctx, Diagnostics, Value};
use crate::providers::common;
use crate::providers::common::ssh_ready::WAIT_FOR_SSH;

/// Whether a container port is the SSH daemon's.
fn is_ssh_port(name: Option<&str>, port: Option<i64>) -> bool {
    name == Some("ssh") || port == Some(22)
}

fn refuse(diags: &mut Diagnostics, what: &str) {
    diags.attribute_error(
        AttributePath::attr(WAIT_FOR_SSH),
        "This runtime has no SSH to wait for",
        format!(
            "wait_for_ssh = true waits for the container's SSH daemon, but {what} exposes no SSH \
             port (a port named \"ssh\" or port 22), so nothing would answer on the runtime's \
             SSH endpoint. Add such a port to the container's ports, pick a template with one \
             (see data.gpuai_airuntime_templates), or leave wait_for_ssh out."
        ),
    );
}

fn waits(config: &Value) -> bool {
    config.attr(WAIT_FOR_SSH).and_then(Value::as_bool) == Some(true)
}

/// Config check: an inline `template_spec` whose ports are all known and include no SSH port.
pub(crate) fn check_config(config: &Value, diags: &mut Diagnostics) {
    let Some(spec) = config.attr("template_spec").filter(|s| !s.is_null()) else {
        return;
    };
    if !waits(config) || !spec.is_known() {
        return;
    }
    let ports = match spec.attr("ports") {
        None => &[][..],
        Some(p) if p.is_null() => &[][..],
        Some(p) => match p.as_elements() {
            Some(e) => e,
            None => return,
        },
    };
    let mut ssh = false;
    for p in ports {
        let (name, port) = (
            p.attr("name").unwrap_or(&Value::Null),
            p.attr("port").unwrap_or(&Value::Null),
        );
        if !p.is_known() || !name.is_known() || !port.is_known() {
            return;
        }
        ssh |= is_ssh_port(name.as_str(), port.as_i64());
    }
    if !ssh {
        refuse(diags, "the inline template_spec");
    }
}

/// Plan check of a create from a template: one read of the template. An unreadable catalogue
/// leaves the question to the apply (the wait then names the address that did not answer).
pub(crate) async fn check_template(
    ctx: &Ctx<'_, GpuAiClient>,
    req: &ModifyPlanRequest<'_>,
    plan: &Value,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Some(id) = plan.attr("template_id").and_then(Value::as_str) else {
        return diags;
    };
    if !req.prior_state.is_null() || !waits(plan) {
        return diags;
    }
    let read = common::bind(&ctx.client.gpu, ctx)
        // The template_id validator keeps it to `tpl-` and letters, digits and '-'.
        .get(&format!("{}/{id}", api::TEMPLATES_PATH))
        .describe(format!("read AI runtime template {id:?}"))
        .send::<Template>()
        .await;
    match read {
        Ok(t) => {
            let ports = &t.template_spec.ports;
            if !ports
                .iter()
                .any(|p| is_ssh_port(p.name.as_deref(), Some(p.port)))
            {
                refuse(&mut diags, &format!("template {id:?}"));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e.summary(), "AI runtime template unreadable at plan");
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, number: i64) -> Value {
        Value::Object(
            [
                ("name".to_string(), Value::string(name)),
                ("port".to_string(), Value::number(number)),
            ]
            .into(),
        )
    }

    fn config(wait: bool, ports: Value) -> Value {
        let spec = Value::Object(
            [
                ("image".to_string(), Value::string("img")),
                ("ports".to_string(), ports),
            ]
            .into(),
        );
        Value::Object(
            [
                (WAIT_FOR_SSH.to_string(), Value::Bool(wait)),
                ("template_spec".to_string(), spec),
            ]
            .into(),
        )
    }

    fn refused(config: &Value) -> bool {
        let mut d = Diagnostics::new();
        check_config(config, &mut d);
        let on_the_attribute = d
            .iter()
            .any(|e| e.path == Some(AttributePath::attr(WAIT_FOR_SSH)));
        on_the_attribute
    }

    #[test]
    fn an_inline_spec_without_an_ssh_port_refuses_the_wait_on_its_attribute() {
        assert!(refused(&config(true, Value::List(vec![port("api", 8000)]))));
        assert!(refused(&config(true, Value::Null)));
        assert!(!refused(&config(
            false,
            Value::List(vec![port("api", 8000)])
        )));
        assert!(!refused(&config(
            true,
            Value::List(vec![port("api", 8000), port("shell", 22)])
        )));
        assert!(!refused(&config(
            true,
            Value::List(vec![port("ssh", 2222)])
        )));
    }

    #[test]
    fn unknown_ports_are_left_to_the_apply() {
        assert!(!refused(&config(true, Value::Unknown)));
        let unknown_port = Value::Object(
            [
                ("name".to_string(), Value::string("x")),
                ("port".to_string(), Value::Unknown),
            ]
            .into(),
        );
        assert!(!refused(&config(true, Value::List(vec![unknown_port]))));
    }
}
