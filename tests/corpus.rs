//! Every CloudFormation template of `../shared/corpus` (skipped with a notice
//! when the corpus is absent): no panic, conversion rates, valid Bicep, and no
//! mapped type left manual (except the cases `MANUAL_WITH` names, each with its decision).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use aws2azure::run::Tables;
use aws2azure::run::convert_file;
use aws2azure::source::SourceMap;

/// Types this release maps, from CloudFormation and (through the Terraform lifting
/// tables) from `aws_*` resources: no corpus test may leave them `manual`, except the
/// cases `MANUAL_WITH` names.
const MAPPED: &[&str] = &[
    "AWS::Kinesis::Stream",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Instance",
    "AWS::IAM::Role",
    "AWS::S3::Bucket",
    "AWS::Lambda::Function",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::DynamoDB::Table",
    "AWS::Logs::LogGroup",
    "AWS::KMS::Key",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::Events::EventBus",
    "AWS::Events::Rule",
    "AWS::Events::ApiDestination",
    "AWS::Events::Connection",
    "AWS::Events::Archive",
    "AWS::Events::EventBusPolicy",
    "AWS::Scheduler::Schedule",
    "AWS::Scheduler::ScheduleGroup",
    "AWS::Pipes::Pipe",
    "AWS::StepFunctions::StateMachine",
    "AWS::StepFunctions::Activity",
    "AWS::ECS::TaskSet",
    "AWS::Route53::HealthCheck",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
    "AWS::SSM::Parameter",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::SecretsManager::SecretTargetAttachment",
    "AWS::ECS::Cluster",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::ApiGatewayV2::RouteResponse",
    "AWS::ApiGatewayV2::IntegrationResponse",
    "AWS::ApiGatewayV2::Model",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::ApiGatewayV2::VpcLink",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::BasePathMapping",
    "AWS::ApiGateway::RequestValidator",
    "AWS::EKS::Cluster",
    "AWS::EKS::Nodegroup",
    "AWS::EKS::Addon",
    "AWS::EKS::AccessEntry",
    "AWS::EKS::PodIdentityAssociation",
    "AWS::EKS::FargateProfile",
    "AWS::EKS::IdentityProviderConfig",
    "AWS::IAM::OIDCProvider",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::CertificateManager::Certificate",
    "AWS::ACMPCA::CertificateAuthority",
    "AWS::ACMPCA::CertificateAuthorityActivation",
    "AWS::ACMPCA::Certificate",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::IAM::InstanceProfile",
    "AWS::S3::BucketPolicy",
    "AWS::Lambda::Permission",
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::SimpleTable",
    "AWS::Serverless::StateMachine",
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::Connector",
    "AWS::SNS::Subscription",
    "AWS::RDS::DBInstance",
    "AWS::SecretsManager::Secret",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::ScheduledAction",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::Route53::HostedZone",
    "AWS::Route53::RecordSet",
    "AWS::Route53::RecordSetGroup",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::CloudFrontOriginAccessIdentity",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::IPSet",
    "AWS::ECR::Repository",
    "AWS::Serverless::WebSocketApi",
    "AWS::ApiGateway::VpcLink",
    "AWS::ApiGateway::DomainNameV2",
    "AWS::ApiGateway::BasePathMappingV2",
    "AWS::ApiGateway::DomainNameAccessAssociation",
    "AWS::ApiGateway::ClientCertificate",
    "AWS::ACMPCA::Permission",
    "AWS::MSK::Cluster",
    "AWS::MSK::ServerlessCluster",
    "AWS::MSK::Configuration",
    "AWS::MSK::BatchScramSecret",
    "AWS::AmazonMQ::Broker",
    "AWS::AmazonMQ::Configuration",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::Config::ConfigRule",
    "AWS::Config::ConfigurationRecorder",
    "AWS::Config::DeliveryChannel",
    "AWS::Logs::QueryDefinition",
    "AWS::Logs::MetricFilter",
    "AWS::Logs::SubscriptionFilter",
    "AWS::Logs::ResourcePolicy",
    "AWS::AppSync::GraphQLApi",
    "AWS::AppSync::GraphQLSchema",
    "AWS::AppSync::DataSource",
    "AWS::AppSync::Resolver",
    "AWS::AppSync::FunctionConfiguration",
    "AWS::AppSync::ApiKey",
    "AWS::AppSync::ApiCache",
    "AWS::AppSync::DomainName",
    "AWS::AppSync::DomainNameApiAssociation",
    "AWS::Serverless::GraphQLApi",
];

/// The manual cases allowed, each with the decision that says why: an RDS engine with no
/// Azure Database (Oracle), a group whose launch settings are outside the template or
/// computed, launch settings no group uses, a scaling policy or scheduled action Azure
/// autoscale cannot express, a load balancer with no listener in the template, a
/// listener rule on hosts or headers, an ECS service whose containers are unknown
/// before deployment, scaling that is not an ECS service's or that Container Apps
/// scale rules cannot express, an EKS add-on with no AKS feature (or a computed name), an
/// access entry for a principal outside the template, a Fargate profile, a response
/// headers policy no distribution uses, a regional web ACL, an IP set no Front Door WAF
/// policy reads; an EventBridge rule on AWS service events with no generated
/// counterpart, with no target Event Grid delivers to (or no function for a schedule),
/// a computed pattern, or repeated; Kafka broker properties (MSK configurations) and
/// Amazon MQ broker configurations, translated by hand; a Config rule that is custom
/// (a Lambda or Guard rule), has no verified built-in policy, or lacks its parameters;
/// a CloudWatch Logs metric filter (a log search alert written by hand) or subscription
/// filter (a data export chosen by hand); an AppSync data source or resolver API Management
/// cannot call (DynamoDB, RDS, pipelines…), and AppSync functions, caches and custom
/// domains, which become resolver code, cache policies and gateway host names by hand.
const MANUAL_WITH: &[(&str, &str)] = &[
    ("AWS::RDS::DBInstance", "rds-engine-unknown"),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        "vmss-launch-unresolved",
    ),
    ("AWS::AutoScaling::LaunchConfiguration", "launch-unused"),
    ("AWS::EC2::LaunchTemplate", "launch-unused"),
    ("AWS::AutoScaling::ScalingPolicy", "scaling-policy-manual"),
    ("AWS::AutoScaling::ScheduledAction", "schedule-manual"),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "agw-no-listener",
    ),
    ("AWS::ElasticLoadBalancingV2::Listener", "lb-tls-listener"),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "lb-no-listener",
    ),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "gwlb-manual"),
    (
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "agw-rule-condition",
    ),
    ("AWS::ApiGateway::Method", "apim-operation-path"),
    ("AWS::Route53::RecordSet", "dns-record-manual"),
    ("AWS::Route53::RecordSetGroup", "dns-record-manual"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "lb-no-subnet"),
    ("AWS::CloudFront::Distribution", "afd-no-origin"),
    ("AWS::IAM::ManagedPolicy", "iam-policy-unattached"),
    ("AWS::IAM::Policy", "iam-policy-unattached"),
    ("AWS::IAM::RolePolicy", "iam-policy-unattached"),
    ("AWS::SecretsManager::RotationSchedule", "secret-rotation"),
    (
        "AWS::SecretsManager::SecretTargetAttachment",
        "secret-target-attachment",
    ),
    ("AWS::ECS::TaskSet", "ecs-task-set-revisions"),
    (
        "AWS::Route53::HealthCheck",
        "dns-health-check-traffic-manager",
    ),
    ("AWS::ECS::Service", "container-app-task-unresolved"),
    ("AWS::ECS::Service", "container-definitions-unknown"),
    ("AWS::ECS::TaskDefinition", "container-definitions-unknown"),
    (
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "container-scale-policy-manual",
    ),
    (
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "app-autoscaling-other",
    ),
    (
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "app-autoscaling-other",
    ),
    ("AWS::ApiGatewayV2::VpcLink", "apim-vpc-link"),
    ("AWS::ApiGateway::VpcLink", "apim-vpc-link"),
    ("AWS::ApiGatewayV2::Route", "apim-operation-path"),
    ("AWS::EKS::Addon", "eks-addon-manual"),
    ("AWS::EKS::AccessEntry", "aks-access-principal"),
    ("AWS::EKS::FargateProfile", "eks-fargate"),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        "elb-no-tcp-listener",
    ),
    ("AWS::ElasticLoadBalancing::LoadBalancer", "lb-no-subnet"),
    (
        "AWS::CertificateManager::Certificate",
        "acm-key-vault-certificate",
    ),
    ("AWS::ACMPCA::CertificateAuthority", "acmpca-manual"),
    (
        "AWS::ACMPCA::CertificateAuthorityActivation",
        "acmpca-manual",
    ),
    ("AWS::ACMPCA::Certificate", "acmpca-manual"),
    ("AWS::ACMPCA::Permission", "acmpca-manual"),
    (
        "AWS::CloudFront::ResponseHeadersPolicy",
        "afd-response-headers-unused",
    ),
    (
        "AWS::CloudFront::ResponseHeadersPolicy",
        "afd-response-headers-none",
    ),
    ("AWS::WAFv2::WebACL", "waf-regional"),
    ("AWS::WAFv2::IPSet", "waf-ip-set-unused"),
    ("AWS::Events::Rule", "eventbridge-aws-source"),
    ("AWS::Events::Rule", "eventbridge-target-manual"),
    ("AWS::Events::Rule", "eventbridge-schedule-other"),
    ("AWS::Events::Rule", "eventbridge-pattern-partial"),
    ("AWS::Events::Rule", "eventbridge-rule-repeated"),
    ("AWS::MSK::Configuration", "msk-configuration"),
    ("AWS::AmazonMQ::Configuration", "mq-configuration"),
    ("AWS::Config::ConfigRule", "config-rule-custom"),
    ("AWS::Config::ConfigRule", "config-rule-no-policy"),
    ("AWS::Config::ConfigRule", "config-rule-unmapped"),
    ("AWS::Config::ConfigRule", "config-rule-parameters"),
    ("AWS::Config::ConfigRule", "config-rule-computed"),
    ("AWS::Logs::MetricFilter", "metric-filter-log-alert"),
    ("AWS::Logs::SubscriptionFilter", "logs-subscription-filter"),
    ("AWS::AppSync::DataSource", "graphql-data-source"),
    ("AWS::AppSync::GraphQLSchema", "graphql-schema-file"),
    ("AWS::AppSync::Resolver", "graphql-resolver-data-source"),
    ("AWS::AppSync::Resolver", "graphql-pipeline-resolver"),
    ("AWS::AppSync::Resolver", "graphql-resolver-field"),
    ("AWS::AppSync::Resolver", "graphql-resolver-source"),
    ("AWS::AppSync::Resolver", "graphql-resolver-no-schema"),
    ("AWS::AppSync::FunctionConfiguration", "graphql-function"),
    ("AWS::AppSync::ApiKey", "graphql-external-api"),
    ("AWS::AppSync::ApiCache", "graphql-api-cache"),
    ("AWS::AppSync::DomainName", "graphql-domain-name"),
    (
        "AWS::AppSync::DomainNameApiAssociation",
        "graphql-domain-association",
    ),
    // Destinations and connections no rule of the stack uses; OAuth connections.
    (
        "AWS::Events::ApiDestination",
        "eventbridge-api-destination-unused",
    ),
    ("AWS::Events::Connection", "eventbridge-connection-unused"),
    ("AWS::Events::Connection", "eventbridge-connection-auth"),
    // No Azure resource: Event Hubs Capture to set up by hand.
    ("AWS::Events::Archive", "eventbridge-archive"),
    ("AWS::Scheduler::Schedule", "scheduler-expression-manual"),
    ("AWS::Scheduler::Schedule", "scheduler-repeated"),
    ("AWS::Pipes::Pipe", "pipes-logic-app"),
    ("AWS::StepFunctions::Activity", "step-functions-activity"),
];

/// Is resource `r` (its type and decision rules) a manual case with its decision?
/// A manual AWS resource names the Azure service to consider (or says none exists, in
/// its service hint); only types outside AWS's namespaces (macros' and registry types)
/// may fall back to "no direct Azure equivalent known".
fn names_a_service(ty: &str, service: &str) -> bool {
    let aws = ty.starts_with("AWS::") || ty.starts_with("aws_");
    let known = AWS_NAMESPACE_UNKNOWN.contains(&ty);
    !service.is_empty() && (!aws || known || !service.contains("no direct Azure equivalent known"))
}

/// Types in AWS's namespace that are not real types (test templates of linters).
const AWS_NAMESPACE_UNKNOWN: &[&str] = &["AWS::Other::ABCD"];

fn manual_allowed(ty: &str, rules: &[String]) -> bool {
    MANUAL_WITH
        .iter()
        .any(|(t, rule)| *t == ty && rules.iter().any(|x| x == rule))
}

struct Row {
    path: String,
    parse_ok: bool,
    category: String,
}

fn manifest(root: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (p, k, ok, cat) = (col("path"), col("kind"), col("parse_ok"), col("category"));
    lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|c| c[k] == "cfn")
        .map(|c| Row {
            path: c[p].to_string(),
            parse_ok: c[ok] == "true",
            category: c[cat].to_string(),
        })
        .collect()
}

/// NSGs attached to nothing although their security group had members in the run: only
/// where no member's subnet can be read. Each with its reason.
const UNATTACHED_WITH_MEMBERS: &[(&str, &str)] = &[
    (
        "RDS/RDS_MySQL_With_Read_Replica.",
        "the database names no subnet group: it runs in the default VPC",
    ),
    (
        "ADConnector/templates/ADCONNECTOR.",
        "the function's subnet ids are literal strings (`PrivateSubnet1ID`), not references",
    ),
    (
        "terraform-aws-ecs/modules/cluster/",
        "the capacity provider's subnets are set inside a `dynamic` block",
    ),
    (
        "terraform-aws-ecs/modules/express-service/",
        "the service's subnets are set inside a `dynamic` block",
    ),
];

/// The `nsg-unattached` decisions (id, context) whose group had members, outside
/// [`UNATTACHED_WITH_MEMBERS`].
fn unattached_with_members<'a>(
    decisions: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<String> {
    decisions
        .filter(|(rule, _, context)| {
            *rule == "nsg-unattached" && !context.contains("protected nothing")
        })
        .filter(|(_, id, _)| !UNATTACHED_WITH_MEMBERS.iter().any(|(p, _)| id.contains(p)))
        .map(|(_, id, _)| id.to_string())
        .collect()
}

/// Security groups that became an NSG (each one checked by the access check).
fn nsg_count(s: &aws2azure::report::StackOut) -> usize {
    s.resources
        .iter()
        .filter(|r| {
            r.ty == "AWS::EC2::SecurityGroup"
                && r.azure
                    .iter()
                    .any(|a| a.ty == "Microsoft.Network/networkSecurityGroups")
        })
        .count()
}

#[test]
fn corpus_cloudformation() {
    let Some(root) = common::corpus() else {
        eprintln!("notice: ../shared/corpus not found; corpus test skipped");
        return;
    };
    let rows = manifest(&root);
    let mut sources = SourceMap::default();
    let (tables, diags) = Tables::load(&mut sources, None);
    assert!(diags.iter().all(|d| !d.is_error()));
    let (mut samples, mut samples_ok, mut bicep, mut bicep_ok) = (0, 0, 0, 0);
    let mut failed_samples = Vec::new();
    let mut manual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut panics = Vec::new();
    let (mut nsgs, mut widened) = (0, Vec::new());
    let mut unattached = Vec::new();
    for row in &rows {
        let text =
            String::from_utf8_lossy(&std::fs::read(root.join(&row.path)).unwrap()).into_owned();
        let id = sources.add(row.path.clone(), Arc::from(text.as_str()));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            convert_file(&sources, id, &tables, "main.bicep")
        }));
        let Ok(c) = result else {
            panics.push(row.path.clone());
            continue;
        };
        let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
        // The access check ran on every NSG; none may allow what its group denied.
        nsgs += nsg_count(&c.stack);
        unattached.extend(unattached_with_members(
            c.decisions
                .iter()
                .map(|d| (d.rule.as_str(), d.id.as_str(), d.context.as_str())),
        ));
        widened.extend(
            c.diagnostics
                .iter()
                .filter(|d| d.code.id.starts_with("nsg::"))
                .map(|d| format!("{}: {}", row.path, d.message)),
        );
        if !row.parse_ok {
            assert!(
                c.diagnostics.iter().any(|d| d.span.is_some()),
                "{}: invalid file without a located diagnostic",
                row.path
            );
        }
        if row.parse_ok && row.category == "samples" {
            samples += 1;
            if errors == 0 {
                samples_ok += 1;
            } else {
                failed_samples.push(row.path.clone());
            }
        }
        if let Some(b) = &c.bicep {
            bicep += 1;
            if common::bicep_syntax_error(b).is_none() {
                bicep_ok += 1;
            } else {
                eprintln!(
                    "invalid Bicep from {}: {:?}",
                    row.path,
                    common::bicep_syntax_error(b)
                );
            }
        }
        for r in &c.stack.resources {
            if r.status == "manual" && !names_a_service(&r.ty, &r.service) {
                manual
                    .entry(format!("{} (no Azure service named)", r.ty))
                    .or_default()
                    .push(format!("{}#{}", row.path, r.id));
            }
            if MAPPED.contains(&r.ty.as_str())
                && r.status == "manual"
                && !manual_allowed(&r.ty, &r.rules)
            {
                manual
                    .entry(r.ty.clone())
                    .or_default()
                    .push(format!("{}#{}", row.path, r.id));
            }
        }
    }
    let rate = samples_ok as f64 / samples.max(1) as f64;
    let bicep_rate = bicep_ok as f64 / bicep.max(1) as f64;
    eprintln!(
        "corpus: {} templates; samples {samples_ok}/{samples} without error ({:.1}%); Bicep parses {bicep_ok}/{bicep} ({:.1}%)",
        rows.len(),
        rate * 100.0,
        bicep_rate * 100.0
    );
    eprintln!(
        "corpus: access check over {nsgs} NSGs: {} findings",
        widened.len()
    );
    assert!(panics.is_empty(), "panicked on: {panics:?}");
    assert!(widened.is_empty(), "NSG findings: {widened:#?}");
    assert!(
        unattached.is_empty(),
        "NSGs attached to nothing while their group had members: {unattached:#?}"
    );
    assert!(
        rate >= 0.98,
        "only {:.1}% of samples converted; failures: {failed_samples:#?}",
        rate * 100.0
    );
    assert!(
        bicep_rate >= 0.99,
        "only {:.1}% of generated Bicep parses",
        bicep_rate * 100.0
    );

    assert!(manual.is_empty(), "mapped types left manual: {manual:#?}");
}

#[test]
fn corpus_terraform() {
    let Some(root) = common::corpus() else {
        eprintln!("notice: ../shared/corpus not found; Terraform corpus test skipped");
        return;
    };
    let mut repos: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "LICENSES"))
        .collect();
    repos.sort();
    let (mut modules, mut ok, mut tf_files, mut bicep_files) = (0, 0, 0, 0);
    let mut failed = Vec::new();
    let mut manual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut nsgs, mut widened) = (0, Vec::new());
    let (mut typed, mut mistyped) = (0, Vec::new());
    let mut unattached = Vec::new();
    for repo in &repos {
        for to in [None, Some(aws2azure::run::Target::Bicep)] {
            let outcome = std::panic::catch_unwind(|| common::convert_to(&[repo.as_path()], to))
                .unwrap_or_else(|_| panic!("panicked on {}", repo.display()));
            let Some(report) = &outcome.report else {
                continue;
            };
            widened.extend(
                outcome
                    .diagnostics
                    .iter()
                    .filter(|d| d.code.id.starts_with("nsg::"))
                    .map(|d| format!("{}: {}", repo.display(), d.message)),
            );
            if to.is_none() {
                // Ids name files relative to the repository: prefix its name.
                let name = repo.file_name().unwrap_or_default().to_string_lossy();
                let ids: Vec<(String, String, String)> = report
                    .decisions
                    .iter()
                    .map(|d| {
                        let id = match d.id.split_once(':') {
                            Some((rule, rest)) => format!("{rule}:{name}/{rest}"),
                            None => d.id.clone(),
                        };
                        (d.rule.clone(), id, d.context.clone())
                    })
                    .collect();
                unattached.extend(unattached_with_members(
                    ids.iter()
                        .map(|(r, i, c)| (r.as_str(), i.as_str(), c.as_str())),
                ));
            }
            for s in report.stacks.iter().filter(|s| s.format == "terraform") {
                if to.is_some() {
                    continue;
                }
                nsgs += nsg_count(s);
                modules += 1;
                if s.errors == 0 {
                    ok += 1;
                } else {
                    failed.push(s.source.clone());
                }
                for r in &s.resources {
                    if r.status == "manual" && !names_a_service(&r.ty, &r.service) {
                        manual
                            .entry(format!("{} (no Azure service named)", r.ty))
                            .or_default()
                            .push(format!("{}#{}", s.source, r.id));
                    }
                    if MAPPED.contains(&r.ty.as_str())
                        && r.status == "manual"
                        && !manual_allowed(&r.ty, &r.rules)
                    {
                        manual
                            .entry(r.ty.clone())
                            .or_default()
                            .push(format!("{}#{}", s.source, r.id));
                    }
                }
            }
            if to.is_none() {
                let folders = common::tf_types::folders(&outcome.files);
                typed += folders.len();
                mistyped.extend(
                    common::tf_types::check(&folders)
                        .into_iter()
                        .map(|f| format!("{}: {f}", repo.display())),
                );
            }
            for (path, text) in &outcome.files {
                if path.ends_with(".tf") {
                    tf_files += 1;
                    assert!(
                        !text.contains("${\""),
                        "{path}: a literal inside an interpolation"
                    );
                }
                if path.ends_with(".bicep") && to.is_some() {
                    bicep_files += 1;
                    if let Some(e) = common::bicep_syntax_error(text) {
                        panic!("{}: invalid Bicep {path}: {e}", repo.display());
                    }
                }
            }
        }
    }
    if modules == 0 {
        eprintln!("notice: no Terraform module in the corpus; test skipped");
        return;
    }
    let rate = ok as f64 / modules as f64;
    eprintln!(
        "corpus: access check over {nsgs} Terraform NSGs: {} findings",
        widened.len()
    );
    assert!(widened.is_empty(), "NSG findings: {widened:#?}");
    assert!(
        unattached.is_empty(),
        "NSGs attached to nothing while their group had members: {unattached:#?}"
    );
    eprintln!(
        "corpus: variable types over {typed} Terraform folders: {} findings",
        mistyped.len()
    );
    assert!(
        mistyped.is_empty(),
        "variables their uses cannot take: {mistyped:#?}"
    );
    eprintln!(
        "corpus: {modules} Terraform modules; {ok} without error ({:.1}%); {tf_files} .tf files and {bicep_files} Bicep files written",
        rate * 100.0
    );
    assert!(
        rate >= 0.95,
        "only {:.1}% of Terraform modules converted; failures: {failed:#?}",
        rate * 100.0
    );
    assert!(
        manual.is_empty(),
        "mapped Terraform types left manual: {manual:#?}"
    );
}

/// The names a source declares: (parameters, outputs).
fn source_names(
    root: &std::path::Path,
    s: &aws2azure::report::StackOut,
) -> (Vec<String>, Vec<String>) {
    let path = root.join(&s.source);
    if s.format == "terraform" {
        let (mut params, mut outputs) = (Vec::new(), Vec::new());
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        for f in files {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            for line in text.lines() {
                for (kw, list) in [("variable \"", &mut params), ("output \"", &mut outputs)] {
                    if let Some(rest) = line.strip_prefix(kw)
                        && let Some(end) = rest.find('"')
                    {
                        list.push(rest[..end].to_string());
                    }
                }
            }
        }
        return (params, outputs);
    }
    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    let mut sources = SourceMap::default();
    let id = sources.add(s.source.clone(), Arc::from(text.as_str()));
    let parsed = aws2azure::frontend::cfn::parse(&sources, id);
    let Some(t) = parsed.template else {
        return (Vec::new(), Vec::new());
    };
    (
        t.parameters.iter().map(|p| p.name.clone()).collect(),
        t.outputs.iter().map(|o| o.name.clone()).collect(),
    )
}

/// The names generated files declare: (parameters or variables, outputs).
fn generated_names(files: &[&str]) -> (Vec<String>, Vec<String>) {
    let (mut params, mut outputs) = (Vec::new(), Vec::new());
    for text in files {
        for line in text.lines() {
            let word = |rest: &str| {
                rest.trim_start_matches('"')
                    .split(['"', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            };
            if let Some(rest) = line.strip_prefix("param ") {
                params.push(word(rest));
            } else if let Some(rest) = line.strip_prefix("variable ") {
                params.push(word(rest));
            } else if let Some(rest) = line.strip_prefix("output ") {
                outputs.push(word(rest));
            }
        }
    }
    (params, outputs)
}

/// Every output and parameter keeps its source's name, after the case rule of
/// `names::interface_name`: an output is never renamed, a kept parameter never suffixed.
#[test]
fn corpus_names() {
    let Some(root) = common::corpus() else {
        eprintln!("notice: ../shared/corpus not found; corpus names test skipped");
        return;
    };
    use aws2azure::run::Target;
    let mut wrong = Vec::new();
    for to in [None, Some(Target::Terraform), Some(Target::Bicep)] {
        let outcome = common::convert_to(&[root.as_path()], to);
        // The schema gate trips on no corpus input, in any output language: every
        // resource's type, API version, properties and values are Azure's, and every
        // azurerm block's arguments are the provider's.
        let tripped: Vec<String> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.code.id == "map::schema" || d.code.id == "map::unchecked-type")
            .map(|d| d.message.clone())
            .collect();
        assert!(tripped.is_empty(), "{to:?}: {tripped:#?}");
        let report = outcome.report.as_ref().unwrap();
        let (mut outputs, mut params, mut bad_outputs, mut bad_params) = (0, 0, 0, 0);
        for s in &report.stacks {
            let Some(out) = &s.output else { continue };
            let files: Vec<&str> = outcome
                .files
                .iter()
                .filter(|(p, _)| {
                    p == out
                        || p.strip_prefix(out.as_str())
                            .and_then(|r| r.strip_prefix('/'))
                            .is_some_and(|r| !r.contains('/') && r.ends_with(".tf"))
                })
                .map(|(_, t)| t.as_str())
                .collect();
            let bicep = out.ends_with(".bicep");
            let (gen_params, gen_outputs) = generated_names(&files);
            let (src_params, src_outputs) = source_names(&root, s);
            let from_tf = s.format == "terraform";
            let want = |n: &str| aws2azure::names::interface_name(n, from_tf, bicep);
            for o in &src_outputs {
                outputs += 1;
                if !gen_outputs.contains(&want(o)) {
                    bad_outputs += 1;
                    wrong.push(format!(
                        "{to:?} {}: output {o} (wanted {}; outputs {gen_outputs:?})",
                        s.source,
                        want(o)
                    ));
                }
            }
            for p in &src_params {
                let mut w = want(p);
                // The documented exception: a Bicep parameter is never a keyword.
                if bicep && aws2azure::names::is_keyword(&w) {
                    w.push('2');
                }
                // A parameter nothing in Azure uses is dropped; one that is kept keeps its name.
                let renamed = gen_params.iter().any(|g| {
                    g.strip_prefix(w.as_str()).is_some_and(|r| {
                        !r.is_empty()
                            && r.trim_start_matches('_')
                                .chars()
                                .all(|c| c.is_ascii_digit())
                    })
                });
                if gen_params.contains(&w) {
                    params += 1;
                } else if renamed {
                    params += 1;
                    bad_params += 1;
                    wrong.push(format!(
                        "{to:?} {}: parameter {p} (wanted {w}; parameters {gen_params:?})",
                        s.source
                    ));
                }
            }
        }
        eprintln!(
            "corpus names ({to:?}): {bad_outputs} of {outputs} outputs and {bad_params} of {params} kept parameters not named as in the source"
        );
    }
    assert!(wrong.is_empty(), "names changed: {wrong:#?}");
}
