use std::io::IsTerminal;

use clap::Parser;

mod cli;

fn main() {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let (paths, out, to, mappings, force) = match args.command {
        cli::Command::Convert {
            paths,
            out,
            to,
            mappings,
            force,
        } => (paths, out, to, mappings, force),
        cli::Command::Mappings { action, mappings } => {
            let printed = match action {
                cli::MappingsAction::List { format } => aws2azure::commands::mappings::list(
                    mappings.as_deref(),
                    format == cli::Format::Json,
                ),
                cli::MappingsAction::Show { r#type } => {
                    aws2azure::commands::mappings::show(mappings.as_deref(), &r#type)
                }
            };
            print_and_exit(printed)
        }
        cli::Command::Coverage {
            paths,
            mappings,
            format,
            top,
        } => print_and_exit(aws2azure::commands::coverage::coverage(
            paths,
            mappings,
            format == cli::Format::Json,
            top,
        )),
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = aws2azure::run::Options {
        paths,
        out,
        mappings,
        force,
        to: to.map(|t| match t {
            cli::Target::Bicep => aws2azure::run::Target::Bicep,
            cli::Target::Terraform => aws2azure::run::Target::Terraform,
        }),
    };
    let outcome = aws2azure::run::run(&opts);
    for d in &outcome.rendered(color) {
        eprintln!("{d}");
    }
    eprintln!("{}", outcome.summary_line());
    std::process::exit(outcome.exit_code);
}

fn print_and_exit(p: aws2azure::commands::Printed) -> ! {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(p.stdout.as_bytes());
    let _ = out.flush();
    for l in &p.stderr {
        eprintln!("{l}");
    }
    std::process::exit(p.exit_code);
}
