//! The command line.
//!
//! Exit status: 0 when no error-level finding was reported, 1 when at least one was (with
//! `--deny-warnings`, warnings count too; `--exit-zero` always gives 0), 2 when authlint could not
//! do what was asked (an unknown flag, a path that does not exist, a bad config file).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::baseline;
use crate::catalogue::Catalogue;
use crate::check::{self, Options};
use crate::config::{self, Config};
use crate::diagnostic::Strategy;
use crate::fix;
use crate::report::{concise, github, html, human, json, junit, markdown, sarif, severity_name};
use crate::rules;
use crate::untrusted::terminal_line;

#[derive(Parser)]
#[command(
    name = "authlint",
    version,
    about = "Static analysis of WSO2 Identity Server / Asgardeo sign-in flows"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check applications and identity providers for broken sign-in flows.
    Check(CheckArgs),
    /// List every rule with its default severity and what it catches.
    Rules,
    /// Print the full documentation of one rule.
    Explain {
        /// A rule id, as printed in diagnostics (`authlint rules` lists them).
        rule: String,
    },
    /// Write a commented starter `.authlint.yaml` in the current directory.
    Init,
    /// Apply one remedy to every JIT/MFA conflict: guard the MFA steps, or enable JIT.
    Fix(FixArgs),
    /// Run the language server (LSP over standard input and output) for editors.
    Server,
    /// Draw the sign-in flow of applications (Mermaid or Graphviz DOT), findings' paths marked.
    Graph(GraphArgs),
}

#[derive(clap::Args)]
struct GraphArgs {
    /// Files and directories (as for `check`).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Draw only the application of this name (one diagram per tenant that defines it).
    #[arg(long, value_name = "NAME")]
    app: Option<String>,
    /// Diagram language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,
    /// The config file (default: `.authlint.yaml` in the current directory or above).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Worker threads [default: AUTHLINT_THREADS, or the CPUs available, container quota
    /// included].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

#[derive(clap::Args)]
struct FixArgs {
    /// Files and directories (as for `check`).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The remedy: both change security behaviour, so there is no default.
    #[arg(long, value_enum, required = true)]
    strategy: StrategyArg,
    /// Print a unified diff and write nothing.
    #[arg(long)]
    diff: bool,
    /// Worker threads [default: AUTHLINT_THREADS, or the CPUs available, container quota
    /// included].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// The config file (default: `.authlint.yaml` in the current directory or above).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StrategyArg {
    /// Run the MFA steps only for users with a local account (edits application files).
    Guard,
    /// Turn JIT provisioning on for the IdPs involved (edits identity-provider files).
    EnableJit,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files and directories to check (directories are walked for .yml, .yaml, .json and .xml
    /// files); `-` reads one document from standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format [default: human, or github when GITHUB_ACTIONS=true].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Exit with status 1 when there are warnings, too.
    #[arg(long, conflicts_with = "exit_zero")]
    deny_warnings: bool,
    /// Exit with status 0 whatever is found (authlint still exits 2 when it cannot run).
    #[arg(long)]
    exit_zero: bool,
    /// The config file (default: `.authlint.yaml` in the current directory or above).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// The name to show for standard input (`check -`); its extension picks the format.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Stop after reading and parsing (files and scripts): the benchmark's floor.
    #[arg(long, hide = true)]
    parse_only: bool,
    /// Print the wall time of each stage on standard error (for profiling).
    #[arg(long, hide = true)]
    timings: bool,
    /// When to use colours [default: auto; NO_COLOR turns auto off].
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Worker threads [default: AUTHLINT_THREADS, or the CPUs available, container quota
    /// included].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Code frames with labels, the path to each problem and how to fix it.
    Human,
    /// One line per finding: file:line:col: severity[rule] message.
    Concise,
    /// One JSON object with every finding, for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML, for CI test reports.
    Junit,
    /// Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY: counts, a findings table and
    /// the flows with findings as Mermaid diagrams (under 65,000 characters).
    Markdown,
    /// One self-contained HTML page with flow diagrams (a CI artifact to open in a browser).
    Html,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_CANNOT_RUN: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return ExitCode::from(if e.use_stderr() { EXIT_CANNOT_RUN } else { EXIT_OK });
        }
    };
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules => {
            print!("{}", rules_table());
            ExitCode::from(EXIT_OK)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(info) => {
                print!("{}", rules::explain_text(info));
                ExitCode::from(EXIT_OK)
            }
            None => {
                eprintln!("authlint: unknown rule `{rule}`; `authlint rules` lists them");
                ExitCode::from(EXIT_CANNOT_RUN)
            }
        },
        Command::Init => init(Path::new(config::FILE_NAME)),
        Command::Fix(args) => run_fix(args),
        Command::Server => crate::server::run(),
        Command::Graph(args) => run_graph(args),
    }
}

/// What every command that checks does first: the worker threads asked for, and the config
/// (`--config FILE`, or `.authlint.yaml` in the current directory or above).
fn prepare(threads: Option<u16>, config: Option<&Path>) -> Result<Config, ExitCode> {
    if let Some(n) = threads {
        crate::workers::request(usize::from(n));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    Config::discover(&cwd, config).map_err(|e| cannot_run(&[e]))
}

/// `authlint graph`: checks as `check` does, then draws the applications asked for. Exit 0, or 2
/// when it cannot run or there is no application of the name given.
fn run_graph(args: GraphArgs) -> ExitCode {
    let config = match prepare(args.threads, args.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The run adds the config's custom authenticators to the catalogue; the graph needs them too.
    let mut catalogue = Catalogue::builtin();
    catalogue.add_custom(&config.authenticators);
    let options = Options { paths: args.paths, config, ..Options::default() };
    let report = match check::run(&options, &Catalogue::builtin()) {
        Ok(r) => r,
        Err(messages) => return cannot_run(&messages),
    };
    let chosen = match crate::graph::select::select(&report, args.app.as_deref()) {
        Ok(c) => c,
        Err(message) => return cannot_run(&[message]),
    };
    let graphs: Vec<crate::graph::FlowGraph> =
        chosen.into_iter().map(|i| crate::graph::build(&report, &catalogue, i)).collect();
    let text = match args.format {
        GraphFormat::Mermaid => {
            let (text, links) = crate::graph::mermaid::render_counted(&graphs);
            if let Some(why) = crate::graph::mermaid::too_large(&text, links) {
                eprintln!(
                    "authlint: warning: {why}; draw one application with --app NAME, or all of them with --format dot or check --format html"
                );
            }
            text
        }
        GraphFormat::Dot => crate::graph::dot::render(&graphs),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    ExitCode::from(EXIT_OK)
}

fn run_fix(args: FixArgs) -> ExitCode {
    let config = match prepare(args.threads, args.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let strategy = match args.strategy {
        StrategyArg::Guard => Strategy::Guard,
        StrategyArg::EnableJit => Strategy::EnableJit,
    };
    let options = Options { paths: args.paths, config, ..Options::default() };
    let outcome = match fix::plan(&options, &Catalogue::builtin(), strategy) {
        Ok(o) => o,
        Err(messages) => return cannot_run(&messages),
    };
    let mut out = String::new();
    for change in &outcome.changes {
        if args.diff {
            out.push_str(&fix::diff(change));
            continue;
        }
        if let Err(e) = fix::write_atomically(&change.path, &change.after) {
            print!("{out}");
            return cannot_run(&[format!("{}: cannot write: {e}; the file is unchanged", change.display)]);
        }
        // Paths, names and messages from the input are made safe for a terminal; the diff above
        // is the files' text as it is, for `git apply`.
        out.push_str(&format!("fixed {}:\n", terminal_line(&change.display)));
        for title in &change.applied {
            out.push_str(&format!("  - {}\n", terminal_line(title)));
        }
    }
    let files = &outcome.report.files;
    for (d, why) in &outcome.unfixed {
        let file = files.get(d.span.file);
        let at = file.line_col(d.span.start);
        out.push_str(&format!(
            "not fixed {}:{}:{}: {}\n  why: {}\n",
            terminal_line(&file.display),
            at.line,
            at.column,
            terminal_line(&d.message),
            terminal_line(why)
        ));
    }
    if outcome.changes.is_empty() && outcome.unfixed.is_empty() {
        out.push_str("nothing to fix\n");
    }
    print!("{out}");
    ExitCode::from(if outcome.unfixed.is_empty() { EXIT_OK } else { EXIT_FINDINGS })
}

/// One line per rule: id, default severity, summary.
pub fn rules_table() -> String {
    let width = rules::registry().iter().map(|r| r.id.len()).max().unwrap_or(0);
    rules::registry()
        .iter()
        .map(|r| format!("{:width$}  {:7}  {}\n", r.id, severity_name(r.severity), r.summary))
        .collect()
}

fn init(path: &Path) -> ExitCode {
    if path.exists() {
        eprintln!("authlint: {} already exists; not overwriting it", path.display());
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    match std::fs::write(path, config::STARTER) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("authlint: cannot write {}: {e}", path.display());
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

fn cannot_run(messages: &[String]) -> ExitCode {
    for m in messages {
        eprintln!("authlint: {m}");
    }
    ExitCode::from(EXIT_CANNOT_RUN)
}

fn run_check(args: CheckArgs) -> ExitCode {
    let config = match prepare(args.threads, args.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut paths = args.paths.clone();
    let stdin = if paths.iter().any(|p| p == Path::new("-")) {
        paths.retain(|p| p != Path::new("-"));
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            return cannot_run(&[format!("cannot read standard input: {e}")]);
        }
        Some((args.stdin_filename.clone().unwrap_or_else(|| "-".to_string()), text))
    } else {
        None
    };
    let options = Options {
        paths,
        config,
        stdin,
        baseline: args.baseline.clone(),
        parse_only: args.parse_only,
        ..Options::default()
    };
    // What the run uses: the built-in catalogue with the config's custom authenticators (the
    // Markdown report draws flows with it).
    let mut catalogue = Catalogue::builtin();
    catalogue.add_custom(&options.config.authenticators);
    let report = match check::run(&options, &Catalogue::builtin()) {
        Ok(r) => r,
        Err(messages) => return cannot_run(&messages),
    };
    if let Some(path) = &args.write_baseline {
        return match baseline::write(path, &report.files, &report.diagnostics) {
            Ok(()) => {
                println!("wrote {} findings to {}", report.diagnostics.len(), path.display());
                ExitCode::from(EXIT_OK)
            }
            Err(e) => cannot_run(&[format!("{}: cannot write the baseline: {e}", path.display())]),
        };
    }
    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            Format::Github
        } else {
            Format::Human
        }
    });
    let rendering = std::time::Instant::now();
    let text = match format {
        Format::Human => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            human::render(&report, if color { human::Color::Always } else { human::Color::Never })
        }
        Format::Concise => concise::render(&report),
        Format::Json => json::render(&report),
        Format::Sarif => sarif::render(&report),
        Format::Github => github::render(&report),
        Format::Junit => junit::render(&report),
        Format::Markdown => markdown::render(&report, &catalogue),
        Format::Html => html::render(&report, &catalogue),
    };
    if args.timings {
        let mut laps = report.timings.clone();
        laps.push(("render the report", rendering.elapsed()));
        for (stage, spent) in &laps {
            eprintln!("{:>9.1} ms  {stage}", spent.as_secs_f64() * 1e3);
        }
    }
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`authlint check | head`) is not worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    let failing = report.errors() > 0 || (args.deny_warnings && report.warnings() > 0);
    // The process ends here: freeing every file, application and diagnostic one by one would
    // only delay the exit (tens of milliseconds on a large tenant).
    std::mem::forget(report);
    std::mem::forget(text);
    ExitCode::from(if failing && !args.exit_zero { EXIT_FINDINGS } else { EXIT_OK })
}
