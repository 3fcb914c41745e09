//! Every diagnostic code, with its default severity and what it means.
//! Codes are stable: never renumber or reuse one.

use super::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal, $sev:ident, $summary:literal;)*) => {
        $(pub const $name: Code = Code { id: $id, severity: Severity::$sev, summary: $summary };)*
        /// The full list, in declaration order.
        pub const CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    IO_READ = "io::read", Error, "an input file could not be read";
    IO_WRITE = "io::write", Error, "an output file could not be written";
    INPUT_ENCODING = "input::encoding", Error, "an input file is not valid UTF-8";
    CONFIG_INVALID = "config::invalid", Error, "aws2azure.toml is not valid, or has a key aws2azure does not read";
    PARAMS_INVALID = "params::invalid", Error, "a samconfig.toml is not valid TOML";
    PARAMS_NO_TEMPLATE = "params::no-template", Warning, "a parameter file belongs to no template of the run";
    INPUT_TOO_LARGE = "input::too-large", Error, "an input file is larger than aws2azure reads";
    INPUT_ALIAS_LIMIT = "input::alias-limit", Error, "YAML aliases expand past the node budget or the nesting depth";
    OUT_FOREIGN = "out::foreign-file", Error, "the output folder holds a file aws2azure did not write";
    OUT_LINK = "out::symlink", Error, "the output folder holds a symbolic link; aws2azure never writes through links";
    OUT_MANIFEST = "out::manifest", Error, "a manifest entry is not a plain relative path inside the output folder";
    OUT_KIND = "out::kind", Error, "a file aws2azure writes is a folder in OUT, or a folder it needs is a file";
    OUT_LOCKED = "out::locked", Error, "another aws2azure run is writing the output folder";
    OUT_NOT_FOLDER = "out::not-a-folder", Error, "the output path exists and is not a folder";
    USAGE_NO_TEMPLATE = "usage::no-template", Error, "no CloudFormation template was found under the given paths";
    USAGE_PATH = "usage::path", Error, "a path given on the command line does not exist";
    USAGE_TARGET = "usage::target", Error, "the requested output language is not supported yet";
    MAP_TABLE = "map::invalid-table", Error, "a mapping table is not valid";
    MAP_UNUSED = "map::unused-override", Warning, "a --mappings entry matched no resource";
    MAP_UNCHECKED = "map::unchecked-type", Warning, "a --mappings entry names an ARM type and API version whose properties aws2azure does not carry, so they are not checked";
    MAP_SCHEMA = "map::schema", Error, "an emitted resource does not match Azure's schema (type, API version, property, required property or allowed value)";
    CFN_SYNTAX = "cfn::syntax", Error, "the file is not valid JSON or YAML";
    CFN_STRUCTURE = "cfn::structure", Error, "the template does not have the shape of a CloudFormation template";
    CFN_DUPLICATE_KEY = "cfn::duplicate-key", Warning, "a key occurs twice in one mapping; the last one is used";
    CFN_UNKNOWN_INTRINSIC = "cfn::unknown-intrinsic", Error, "an Fn:: function or tag is not a CloudFormation intrinsic";
    CFN_ARITY = "cfn::arity", Error, "an intrinsic function has the wrong number or kind of arguments";
    CFN_UNDEFINED = "cfn::undefined-reference", Error, "a reference names no parameter, resource, condition or mapping";
    CFN_CYCLE = "cfn::cycle", Error, "resources depend on each other in a circle";
    CFN_MACRO = "cfn::macro", Warning, "a macro or transform is not expanded; the rest of the template converts";
    CFN_EMPTY = "cfn::empty", Warning, "the template declares no resources";
    NSG_PORT = "nsg::port", Error, "a security group rule has a port, ICMP type or range that EC2 rejects";
    NSG_CIDR = "nsg::cidr", Error, "a security group rule has an address that is not a CIDR block";
    NSG_TOO_MANY = "nsg::too-many-rules", Error, "a security group's rules do not fit in one NSG";
    NSG_WIDENED = "nsg::widened", Error, "a generated NSG allows traffic its security group denied";
    TF_SYNTAX = "tf::syntax", Error, "a .tf file is not valid HCL";
    TF_STRUCTURE = "tf::structure", Error, "a block does not have the shape Terraform expects";
    TF_UNDEFINED = "tf::undefined-reference", Error, "a reference names no variable, local, resource, data source or module";
    TF_DUPLICATE = "tf::duplicate", Error, "a block that must be unique is declared twice";
    TF_REPEATED_KEY = "tf::repeated-key", Warning, "a key occurs twice in one object constructor; the last value is used, as Terraform does";
    TF_MODULE_SOURCE = "tf::module-source", Error, "a local module source does not exist";
    TF_CYCLE = "tf::cycle", Error, "locals or resources depend on each other in a circle";
    SECRET_LITERAL = "secret::literal", Warning, "a secret is written as a literal in the input; it is not copied into the output";
    CFN_RAIN_MODULE = "cfn::rain-module", Warning, "a Rain module is not expanded (its resource stays manual), or part of an instance is not used";
    CONFIG_UNUSED = "config::unused", Warning, "an [existing] entry of aws2azure.toml names no resource of the run";
}
