use std::process::ExitCode;

/// The parsers (swc's, serde's) and the script analysis recurse over the input's nesting; the
/// analysis bounds its depth, and this stack leaves room for the rest. It is reserved, not
/// committed: untouched pages cost nothing.
const STACK_SIZE: usize = 1 << 30;

fn main() -> ExitCode {
    let worker =
        std::thread::Builder::new().name("authlint".into()).stack_size(STACK_SIZE).spawn(authlint::cli::main);
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        // A panic is a bug in authlint: it has printed its message; say so in the status.
        Ok(Err(_)) => ExitCode::from(authlint::cli::EXIT_CANNOT_RUN),
        // No thread (resources exhausted): run on this one.
        Err(_) => authlint::cli::main(),
    }
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
