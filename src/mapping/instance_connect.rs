//! EC2 Instance Connect endpoints. An endpoint becomes an Azure Bastion host of the
//! Developer SKU, which attaches to a virtual network rather than a subnet: the network
//! of the endpoint's subnet when the template generates it, else a parameter.

use super::context::Ctx;
use crate::azure::AzExpr;
use crate::azure::types::SUBNET;

const PASS: &str = "instance-connect";
const BASTION: &str = "Microsoft.Network/bastionHosts";

/// Every Instance Connect endpoint: its Bastion host's virtual network.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if cx.prepared[i].entry.is_none() || !cx.plays(i, PASS, "endpoint") {
            continue;
        }
        let sym = cx.resolve_symbol(i, "{sym}");
        if !cx
            .module
            .resources
            .iter()
            .any(|r| r.symbol == sym && r.ty == BASTION)
        {
            continue;
        }
        let r = cx.t.resources[i].clone();
        let vnet = r
            .properties
            .get("SubnetId")
            .and_then(|e| cx.referenced_resource(e))
            .and_then(|k| {
                let spec = cx.prepared[k].entry.as_ref()?.resources.first()?;
                let s = cx.resolve_symbol(k, &spec.symbol);
                cx.module
                    .resources
                    .iter()
                    .find(|x| x.symbol == s && x.ty == SUBNET.ty)
                    .and_then(|x| x.parent.clone())
            });
        let id = match vnet {
            Some(v) => AzExpr::path(&v, "id"),
            None => {
                let name = cx.t.report_name(&r.id);
                let p = cx.param_for(&format!("{} virtual network id", r.id), "string", |p| {
                    p.description = Some(format!(
                        "Resource id of the virtual network whose VMs {name} reaches (the network of its subnet)."
                    ));
                    p.required_reason =
                        Some("the endpoint's subnet is not in this template".into());
                });
                cx.decide_later(
                    i,
                    "instance-connect-external-subnet",
                    &format!("{name}: the endpoint's subnet is not in this template"),
                    "The endpoint's subnet is a parameter or another template's.",
                    &format!("The Bastion host's virtual network is the parameter `{p}`."),
                    "Supply the id of the virtual network that replaces the subnet's VPC.",
                    None,
                );
                AzExpr::ident(p)
            }
        };
        cx.set_path(&sym, &["properties", "virtualNetwork", "id"], id);
    }
}
