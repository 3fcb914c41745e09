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

/// Prints the time since the first mark, and the phase that ends here.
pub fn mark(phase: &str) {
    let c = clock();
    if c.on {
        eprintln!(
            "timing: {:8.1} ms  {phase}",
            c.start.elapsed().as_secs_f64() * 1e3
        );
    }
}
