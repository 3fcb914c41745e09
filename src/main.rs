use std::io::IsTerminal;

use clap::Parser;

mod cli;

// A run allocates many small strings and trees on two or more threads; mimalloc spends
// a fraction of glibc malloc's time on them (it was a quarter of a corpus run's samples).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    aws2azure::timing::mark("start");
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let (paths, out, to, mappings, force, summary, check, config, feedback) = match args.command {
        cli::Command::Convert {
            paths,
            out,
            to,
            mappings,
            force,
            config,
            summary,
            feedback,
        } => (
            paths, out, to, mappings, force, summary, false, config, feedback,
        ),
        cli::Command::Check {
            paths,
            out,
            to,
            mappings,
            config,
            summary,
            feedback,
        } => (
            paths, out, to, mappings, false, summary, true, config, feedback,
        ),
        cli::Command::Init { path } => print_and_exit(aws2azure::commands::init::init(&path)),
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
        cli::Command::Graph {
            paths,
            format,
            azure,
            to,
            mappings,
        } => {
            use aws2azure::commands::graph::GraphFormat as F;
            print_and_exit(aws2azure::commands::graph::graph(
                paths,
                mappings,
                to.map(target),
                azure,
                match format {
                    cli::GraphFormat::Mermaid => F::Mermaid,
                    cli::GraphFormat::Dot => F::Dot,
                    cli::GraphFormat::Json => F::Json,
                },
            ))
        }
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if let Some(n) = feedback.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.into())
            .build_global();
    }
    if std::io::stderr().is_terminal() && !feedback.quiet {
        aws2azure::progress::enable();
    }
    let opts = aws2azure::run::Options {
        paths,
        out,
        mappings,
        config,
        force,
        to: to.map(target),
    };
    if let Some(file) = &summary
        && aws2azure::commands::review::inside(file, &opts.out)
    {
        eprintln!(
            "error: the summary file {} is inside OUT ({}); write it elsewhere (OUT holds only what aws2azure writes)",
            file.display(),
            opts.out.display()
        );
        std::process::exit(2);
    }
    let reviewed = if check {
        aws2azure::commands::review::check(&opts, summary.as_deref())
    } else if let Some(file) = &summary {
        aws2azure::commands::review::convert_with_summary(&opts, file)
    } else {
        aws2azure::commands::review::Reviewed {
            outcome: aws2azure::run::run(&opts),
            stdout: String::new(),
            stderr: Vec::new(),
        }
    };
    {
        use std::io::Write;
        let mut so = std::io::stdout().lock();
        let _ = so.write_all(reviewed.stdout.as_bytes());
        let _ = so.flush();
    }
    aws2azure::progress::finish();
    let outcome = &reviewed.outcome;
    aws2azure::timing::mark("run done");
    for (d, text) in outcome.diagnostics.iter().zip(outcome.rendered(color)) {
        if !feedback.quiet || d.is_error() {
            eprintln!("{text}");
        }
    }
    if feedback.verbose {
        for line in outcome.stack_lines() {
            eprintln!("{line}");
        }
    }
    aws2azure::timing::mark("diagnostics printed");
    if feedback.format == cli::LineFormat::Json {
        println!("{}", outcome.summary_json());
    } else if !check && !feedback.quiet {
        eprintln!("{}", outcome.summary_line());
    }
    for l in &reviewed.stderr {
        eprintln!("{l}");
    }
    std::process::exit(outcome.exit_code);
}

fn target(t: cli::Target) -> aws2azure::run::Target {
    match t {
        cli::Target::Bicep => aws2azure::run::Target::Bicep,
        cli::Target::Terraform => aws2azure::run::Target::Terraform,
    }
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
