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
    let cli::Command::Convert {
        paths,
        out,
        to,
        mappings,
        force,
    } = args.command;
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
