//! Access is never widened: NSG priorities stay in Azure's range with the deny rules
//! last, invalid rules are located errors, and the access check fails a conversion
//! whose NSG admits what its security group denied (even from a user's table).

mod common;

use std::path::{Path, PathBuf};

use aws2azure::run::{Options, Outcome, Target, plan};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aws2azure-access-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn convert(dir: &Path, to: Option<Target>, mappings: Option<PathBuf>) -> Outcome {
    plan(&Options {
        paths: vec![dir.to_path_buf()],
        out: dir.join("out-unused"),
        mappings,
        config: None,
        force: false,
        to,
    })
}

fn template(dir: &Path, resources: &str) -> PathBuf {
    let text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  VpcId:\n    Type: AWS::EC2::VPC::Id\n  DbPort:\n    Type: Number\n    Default: 5432\nResources:\n{resources}"
    );
    std::fs::write(dir.join("template.yaml"), text).unwrap();
    dir.to_path_buf()
}

fn rules(n: usize) -> String {
    (0..n)
        .map(|k| {
            format!(
                "        - {{IpProtocol: tcp, FromPort: {p}, ToPort: {p}, CidrIp: 10.{}.{}.0/24}}\n",
                k / 250,
                k % 250,
                p = 1000 + k
            )
        })
        .collect()
}

fn group(name: &str, ingress: &str) -> String {
    format!(
        "  {name}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: test\n      VpcId: !Ref VpcId\n      SecurityGroupIngress:\n{ingress}"
    )
}

fn file<'a>(o: &'a Outcome, suffix: &str) -> Option<&'a str> {
    o.files
        .iter()
        .find(|(p, _)| p.ends_with(suffix))
        .map(|(_, t)| t.as_str())
}

/// `priority: N` values of the Bicep, in order, with the rule direction.
fn priorities(bicep: &str) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut pending = None;
    for l in bicep.lines() {
        let l = l.trim();
        if let Some(p) = l.strip_prefix("priority: ") {
            pending = p.parse::<i64>().ok();
        } else if let Some(d) = l.strip_prefix("direction: ")
            && let Some(p) = pending.take()
        {
            out.push((p, d.trim_matches('\'').to_string()));
        }
    }
    out
}

#[test]
fn a_group_of_420_rules_keeps_priorities_in_range_and_the_deny_last() {
    let dir = template(&tmp("420"), &group("Big", &rules(420)));
    for to in [None, Some(Target::Terraform)] {
        let o = convert(&dir, to, None);
        let errors: Vec<_> = o.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        if to.is_some() {
            let tf = file(&o, "main.tf").unwrap();
            assert!(tf.contains("priority                   = 519"), "{tf}");
            assert!(!tf.contains("priority                   = 4106"));
            continue;
        }
        let p = priorities(file(&o, "main.bicep").unwrap());
        assert_eq!(p.len(), 421);
        let (allow, deny) = p.split_at(420);
        assert_eq!(deny, [(4096, "Inbound".to_string())]);
        assert!(allow.iter().all(|(n, _)| (100..4096).contains(n)));
        let mut seen: Vec<i64> = allow.iter().map(|(n, _)| *n).collect();
        seen.dedup();
        assert_eq!(seen.len(), 420, "priorities are unique and ascending");
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn a_group_whose_rules_do_not_fit_is_an_error() {
    let dir = template(&tmp("1001"), &group("Huge", &rules(1001)));
    let o = convert(&dir, None, None);
    let d = o
        .diagnostics
        .iter()
        .find(|d| d.code.id == "nsg::too-many-rules")
        .expect("an error");
    assert!(d.is_error() && d.help.is_some());
    let (file_name, line, _) = o.sources.locate(d.span.unwrap());
    assert_eq!((file_name, line), ("template.yaml", 9));
    assert!(d.message.contains("1001 inbound"), "{}", d.message);
    assert!(file(&o, "main.bicep").is_none(), "nothing is generated");
    assert_eq!(o.exit_code, 1);
    let report = o.report.as_ref().unwrap();
    assert!(
        report
            .decisions
            .iter()
            .any(|x| x.rule == "nsg-too-many-rules")
    );
}

#[test]
fn invalid_ports_and_cidrs_are_located_errors() {
    let dir = template(
        &tmp("invalid"),
        &group(
            "Bad",
            "        - IpProtocol: tcp\n          FromPort: 70000\n          ToPort: -5\n          CidrIp: not-a-cidr\n        - IpProtocol: tcp\n          FromPort: 90\n          ToPort: 80\n          CidrIp: 10.0.0.0/33\n        - IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n          CidrIpv6: 2001:db8::/129\n",
        ),
    );
    let o = convert(&dir, None, None);
    let mut found: Vec<(String, usize, usize)> = o
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            assert!(d.help.is_some(), "{}", d.message);
            let (_, l, c) = o.sources.locate(d.span.unwrap());
            (d.code.id.to_string(), l, c)
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("nsg::cidr".into(), 18, 19),
            ("nsg::cidr".into(), 22, 19),
            ("nsg::cidr".into(), 26, 21),
            ("nsg::port".into(), 16, 21),
            ("nsg::port".into(), 17, 19),
            ("nsg::port".into(), 21, 19),
        ],
        "{:#?}",
        o.rendered(false)
    );
    assert!(file(&o, "main.bicep").is_none());
    assert_eq!(o.exit_code, 1);
}

#[test]
fn parameter_ports_and_icmp_types_never_widen() {
    let dir = template(
        &tmp("params"),
        &group(
            "Db",
            "        - {IpProtocol: tcp, FromPort: !Ref DbPort, ToPort: !Ref DbPort, CidrIp: 10.0.0.0/16}\n        - {IpProtocol: icmp, FromPort: 8, ToPort: -1, CidrIp: 10.0.0.0/16}\n        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIpv6: '::/0'}\n",
        ),
    );
    let o = convert(&dir, None, None);
    assert_eq!(o.exit_code, 0, "{:#?}", o.rendered(false));
    let bicep = file(&o, "main.bicep").unwrap();
    // The port stays the parameter, not every port.
    assert!(
        bicep.contains("destinationPortRange: string(dbPort)"),
        "{bicep}"
    );
    assert!(!bicep.contains("allow-tcp-any-inbound"), "{bicep}");
    // The ICMP type filter cannot be expressed: the rule is left out, with a decision.
    assert!(!bicep.contains("protocol: 'Icmp'"), "{bicep}");
    let report = o.report.as_ref().unwrap();
    assert!(report.decisions.iter().any(|d| d.rule == "nsg-icmp-type"));
    // IPv6 any stays IPv6 (`*` would admit IPv4 too); IPv4 egress is then explicit.
    assert!(bicep.contains("sourceAddressPrefix: '::/0'"), "{bicep}");
}

#[test]
fn a_widening_mapping_table_fails_the_conversion() {
    let base = tmp("widened");
    let dir = template(
        &base.join("in").tap_mkdir(),
        &group(
            "Web",
            "        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n",
        ),
    );
    // A user's table that opens SSH to the world on top of the group's rules.
    let maps = base.join("maps/aws");
    std::fs::create_dir_all(&maps).unwrap();
    std::fs::write(
        maps.join("ec2.yaml"),
        r#"AWS::EC2::SecurityGroup:
  service: Network security group
  status: translated
  resources:
    - symbol: "{sym}"
      type: Microsoft.Network/networkSecurityGroups
      api: "2025-09-01"
      name: "nsg-{kebab}"
      location: true
      body:
        properties:
          securityRules:
            - name: allow-https
              properties: {priority: 100, direction: Inbound, access: Allow, protocol: Tcp, sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "443"}
            - name: allow-ssh
              properties: {priority: 110, direction: Inbound, access: Allow, protocol: Tcp, sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "22"}
  ref: "@.id"
  attributes:
    GroupId: "@.id"
"#,
    )
    .unwrap();
    for to in [None, Some(Target::Terraform)] {
        let o = convert(&dir, to, Some(base.join("maps")));
        let d = o
            .diagnostics
            .iter()
            .find(|d| d.code.id == "nsg::widened")
            .unwrap_or_else(|| panic!("no finding: {:#?}", o.rendered(false)));
        assert!(d.is_error());
        assert!(d.message.contains("TCP port 22 inbound"), "{}", d.message);
        assert!(d.message.contains("rule `allow-ssh`"), "{}", d.message);
        // Without the deny rule, AllowVnetInBound admits the virtual network too.
        let (_, line, _) = o.sources.locate(d.span.unwrap());
        assert_eq!(line, 9);
        assert_eq!(o.exit_code, 1);
        assert!(
            !o.files
                .iter()
                .any(|(p, _)| p.ends_with(".bicep") || p.ends_with(".tf")),
            "nothing is generated for the template"
        );
    }
    // The built-in table passes the same template.
    assert_eq!(convert(&dir, None, None).exit_code, 0);
}

trait Mkdir {
    fn tap_mkdir(self) -> Self;
}

impl Mkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
