//! The threads authlint runs on: how many, and how much stack each gets.
//!
//! How many: `--threads N`, else `AUTHLINT_THREADS`, else `RAYON_NUM_THREADS`, else the CPUs
//! this process may use, which is the smaller of the cores it may run on and the container's CPU
//! quota (cgroup v2 `cpu.max`: `200000 100000` is two CPUs). One CPU runs everything on one
//! worker thread.
//!
//! How much stack: the parsers (swc's) and the script analysis recurse over the input's nesting.
//! Scripts nested past `script::MAX_BRACKET_DEPTH` are refused before parsing, YAML and XML
//! nesting is bounded by their builders, and the analysis grows its stack on demand (stacker)
//! where a script could still go deeper. [`STACK_SIZE`] covers the measured worst case of those
//! limits (see `tests/adversarial.rs`) with room to spare, and is small enough that authlint
//! starts under a 1 GiB address-space limit (`ulimit -v 1048576`).
//!
//! When threads cannot be started (an address-space or process limit), authlint says so in one
//! line and runs on one thread instead of giving up.

use std::sync::OnceLock;

/// Stack of the main thread and of each worker: reserved, committed only as it is used.
pub const STACK_SIZE: usize = 64 << 20;

/// [`STACK_SIZE`], or `AUTHLINT_STACK_MIB` MiB: the knob `bench/stack.sh` turns to measure the
/// smallest stack the worst inputs need.
pub fn stack_size() -> usize {
    from_env("AUTHLINT_STACK_MIB").map_or(STACK_SIZE, |mib| mib.saturating_mul(1 << 20))
}

/// The thread count asked for on the command line, if any (set before the first run).
static REQUESTED: OnceLock<usize> = OnceLock::new();

/// Asks for `threads` workers (`--threads`); the first call wins.
pub fn request(threads: usize) {
    let _ = REQUESTED.set(threads.max(1));
}

/// The CPU quota of this process's cgroup (v2 `cpu.max`), rounded up; `None` when unlimited or
/// unknown.
pub fn cgroup_cpu_quota() -> Option<usize> {
    let text = std::fs::read_to_string("/sys/fs/cgroup/cpu.max").ok()?;
    parse_cpu_max(&text)
}

/// `cpu.max` holds `QUOTA PERIOD` (microseconds) or `max PERIOD`.
fn parse_cpu_max(text: &str) -> Option<usize> {
    let mut parts = text.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?;
    let period: f64 = parts.next().unwrap_or("100000").parse().ok()?;
    if quota <= 0.0 || period <= 0.0 {
        return None;
    }
    Some(((quota / period).ceil() as usize).max(1))
}

/// A positive whole number from the environment variable `name`.
fn from_env(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.trim().parse().ok().filter(|n| *n > 0)
}

/// How many threads to run on.
pub fn thread_count() -> usize {
    if let Some(n) = REQUESTED.get() {
        return *n;
    }
    if let Some(n) = from_env("AUTHLINT_THREADS").or_else(|| from_env("RAYON_NUM_THREADS")) {
        return n;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cgroup_cpu_quota().map_or(cores, |quota| quota.min(cores)).max(1)
}

/// The worker pool, started once per process: the stages of a run and the renderers share it.
/// Never fails: when workers cannot be started, the pool is the calling thread alone.
pub fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = thread_count();
        // No thread to start: the calling thread is the only worker. (Only for the fallback: such a
        // pool serves the thread that built it, which in the binary is the only one using it.)
        let on_this_thread =
            || rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().stack_size(stack_size()).build();
        let built = rayon::ThreadPoolBuilder::new().num_threads(threads).stack_size(stack_size()).build();
        match built.or_else(|e| {
            eprintln!(
                "authlint: cannot start {threads} worker threads ({e}): running on one thread; raise the address-space limit (ulimit -v) or pass --threads 1"
            );
            on_this_thread()
        }) {
            Ok(pool) => pool,
            // Starting no thread cannot run out of threads; should it fail anyway, say so and stop.
            Err(e) => {
                eprintln!("authlint: cannot run even on one thread: {e}");
                std::process::exit(i32::from(crate::cli::EXIT_CANNOT_RUN));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_max_gives_the_quota_in_whole_cpus() {
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("200000 100000\n"), Some(2));
        assert_eq!(parse_cpu_max("150000 100000"), Some(2));
        assert_eq!(parse_cpu_max("50000 100000"), Some(1));
        assert_eq!(parse_cpu_max("100000"), Some(1));
        assert_eq!(parse_cpu_max("nonsense"), None);
    }
}
