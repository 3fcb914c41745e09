//! A progress bar on stderr for long runs. `main` turns it on when stderr is a terminal
//! (and `--quiet` is not given); it stays hidden for the first half second, so a short
//! run prints nothing, and it is cleared when the run ends. Off (the library's default,
//! and in tests) every call does nothing. It never touches the output.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

struct Bar {
    bar: ProgressBar,
    start: Instant,
    shown: AtomicBool,
}

static BAR: OnceLock<Bar> = OnceLock::new();

/// How long a run goes before its bar appears.
const QUIET_FOR: Duration = Duration::from_millis(500);

/// Turns the bar on for this process.
pub fn enable() {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {wide_msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let _ = BAR.set(Bar {
        bar,
        start: Instant::now(),
        shown: AtomicBool::new(false),
    });
}

/// Starts a phase of `total` steps.
pub fn phase(name: &'static str, total: usize) {
    if let Some(b) = BAR.get() {
        b.bar.set_prefix(name);
        b.bar.set_length(total as u64);
        b.bar.set_position(0);
        show_when_long(b);
    }
}

/// One step of the phase done; `what` names it.
pub fn step(what: &str) {
    if let Some(b) = BAR.get() {
        b.bar.inc(1);
        b.bar.set_message(what.to_string());
        show_when_long(b);
    }
}

fn show_when_long(b: &Bar) {
    if !b.shown.load(Ordering::Relaxed)
        && b.start.elapsed() >= QUIET_FOR
        && !b.shown.swap(true, Ordering::Relaxed)
    {
        b.bar.set_draw_target(ProgressDrawTarget::stderr());
    }
}

/// Clears the bar (before the run's diagnostics and summary are printed).
pub fn finish() {
    if let Some(b) = BAR.get() {
        b.bar.finish_and_clear();
    }
}
