//! The command line: `authlint check [PATH ...] [--format human|json]`.
//!
//! Exit status: 0 when no error-level diagnostic was reported, 1 when at least one was, 2 when
//! authlint could not do what was asked (unknown flag, a path that does not exist).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::catalogue::Catalogue;
use crate::check;
use crate::diagnostic::Severity;
use crate::report::{human, json};
use crate::rules;

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
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files and directories to check (directories are walked for .yml, .yaml and .json files).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Code frames with labels, the path to each problem and how to fix it.
    Human,
    /// One JSON object with every diagnostic, for tools.
    Json,
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
                print!(
                    "# {} ({})\n\n{}\n\n{}",
                    info.id,
                    severity_name(info.severity),
                    info.summary,
                    info.doc
                );
                ExitCode::from(EXIT_OK)
            }
            None => {
                eprintln!("authlint: unknown rule `{rule}`; `authlint rules` lists them");
                ExitCode::from(EXIT_CANNOT_RUN)
            }
        },
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// One line per rule: id, default severity, summary.
pub fn rules_table() -> String {
    let width = rules::registry().iter().map(|r| r.id.len()).max().unwrap_or(0);
    rules::registry()
        .iter()
        .map(|r| {
            format!(
                "{:width$}  {:7}  {}\n",
                r.id,
                severity_name(r.severity),
                r.summary
            )
        })
        .collect()
}

fn run_check(args: CheckArgs) -> ExitCode {
    let catalogue = Catalogue::builtin();
    let report = match check::check(&args.paths, &catalogue) {
        Ok(r) => r,
        Err(missing) => {
            for path in missing {
                eprintln!("authlint: {path}: no such file or directory");
            }
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    let text = match args.format {
        Format::Json => json::render(&report),
        Format::Human => {
            let stdout = std::io::stdout();
            let color = if stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) {
                human::Color::Always
            } else {
                human::Color::Never
            };
            human::render(&report, color)
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`authlint check | head`) is not an error worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    ExitCode::from(if report.errors() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
