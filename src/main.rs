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
    if to == cli::Target::Terraform {
        eprintln!("error[usage::target]: --to terraform is not supported yet; use --to bicep");
        std::process::exit(2);
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = aws2azure::run::Options {
        paths,
        out,
        mappings,
        force,
    };
    let outcome = aws2azure::run::run(&opts);
    for d in &outcome.rendered(color) {
        eprintln!("{d}");
    }
    eprintln!("{}", outcome.summary_line());
    std::process::exit(outcome.exit_code);
}
