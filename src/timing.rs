//! Phase timings on stderr when `AWS2AZURE_TIMINGS` is set: where a run's wall time goes
//! (`AWS2AZURE_TIMINGS=1 aws2azure convert …`). Silent otherwise; never in the output.

use std::sync::OnceLock;
use std::time::Instant;

struct Clock {
    start: Instant,
    on: bool,
}

fn clock() -> &'static Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    CLOCK.get_or_init(|| Clock {
        start: Instant::now(),
        on: std::env::var_os("AWS2AZURE_TIMINGS").is_some(),
    })
}

/// Prints the time since the first mark, the phase that ends here, and the process's
/// resident and peak memory (Linux).
pub fn mark(phase: &str) {
    let c = clock();
    if c.on {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        eprintln!(
            "timing: {:8.1} ms  rss {:4} MB  peak {:4} MB  {phase}",
            c.start.elapsed().as_secs_f64() * 1e3,
            kb("VmRSS:") / 1024,
            kb("VmHWM:") / 1024
        );
    }
}
