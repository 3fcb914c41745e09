//! Nested stacks (`AWS::CloudFormation::Stack`, SAM `AWS::Serverless::Application`)
//! resolved against the other templates of a run. The run fills
//! [`Template::nested`](super::Template::nested) before mapping: the mapping then calls
//! the converted child as a module, by the child's converted interface.

/// Where an `Fn::ImportValue` of a template comes from, when another template of the
/// run exports the name (see `crate::cross_stack`).
#[derive(Clone, Debug, PartialEq)]
pub enum ImportSource {
    /// One template exports it: its file as the report names it, its output folder
    /// relative to the importer's, the output's CloudFormation name and its name in the
    /// output language, and the export name as a label.
    Output {
        file: String,
        folder: String,
        output: String,
        name: String,
        export: String,
    },
    /// Several templates of the run export a name that matches.
    Several { files: Vec<String> },
}

/// What a nested stack's template location resolved to.
#[derive(Clone, Debug, PartialEq)]
pub enum NestedStack {
    /// A template of the same run, converted (children before parents).
    Child(ChildInterface),
    /// Not a template converted in this run: why, and what to do.
    Unresolved { why: String, todo: String },
}

/// The converted child as its callers see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChildInterface {
    /// The child's input file as the report names it.
    pub file: String,
    /// How the location was matched: `None` for a relative path; the URL's file name
    /// when an S3/https URL was matched to the one template of the run with that name.
    pub by_name: Option<String>,
    /// The child's output folder relative to the parent's output folder (`./vpc`,
    /// `../network/template`): the module source in both languages.
    pub source: String,
    /// The converted child's parameters, in order.
    pub params: Vec<ChildParam>,
    /// Parameters the child template declares that its conversion no longer has
    /// (unused in Azure, or made into a generated resource).
    pub dropped: Vec<String>,
    /// The converted child's outputs.
    pub outputs: Vec<ChildOutput>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChildParam {
    /// The CloudFormation parameter it came from (`None`: one the conversion added,
    /// such as `location` or a stand-in for a value with no translation).
    pub cfn: Option<String>,
    /// The Bicep parameter name.
    pub name: String,
    /// The Terraform variable name.
    pub tf_name: String,
    /// Bicep type (`string`, `int`, `bool`, `array`, `object`).
    pub ty: String,
    /// No default: a caller must pass it.
    pub required: bool,
    pub secure: bool,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChildOutput {
    /// The CloudFormation output name (`GetAtt Stack.Outputs.<cfn>`).
    pub cfn: String,
    /// The Bicep output name.
    pub name: String,
    /// The Terraform output name.
    pub tf_name: String,
    pub ty: String,
}
