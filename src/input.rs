//! Reading input files (templates, `.tf`, `.tfvars`, mapping tables): a size limit,
//! a UTF-8 check that points at the first bad byte, and the byte-order mark dropped.
//! A file that fails either check is registered anyway, so its diagnostic has a place.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, codes};
use crate::source::{FileId, SourceMap, Span};

/// The largest input file aws2azure reads. CloudFormation accepts templates up to
/// 1 MB; real Terraform files are far smaller still.
pub const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// How much of a file over the limit is read, to show its first line.
const PREFIX_BYTES: usize = 2048;

/// A file read and registered.
#[derive(Debug)]
pub enum Input {
    /// Its text, valid UTF-8, without a byte-order mark.
    Text(FileId),
    /// Not convertible: over the size limit or not UTF-8. The file is registered (the
    /// text as far as it could be shown) so that the error has a location.
    Rejected(FileId, Box<Diagnostic>),
}

/// Reads `path` and registers it as `label`. `Err` is an I/O failure: a diagnostic
/// with no location, since nothing could be read.
pub fn read(sources: &mut SourceMap, path: &Path, label: &str) -> Result<Input, Box<Diagnostic>> {
    Ok(register_read(sources, label, read_bytes(path)?))
}

/// A file's bytes as read, before they are registered (reading needs no `SourceMap`,
/// so files are read in parallel and registered in order).
#[derive(Debug)]
pub enum Bytes {
    Whole(Vec<u8>),
    /// Over the size limit: its first bytes, and its size.
    TooLarge(Vec<u8>, u64),
}

/// Reads `path`, at most [`MAX_INPUT_BYTES`] of it (only a prefix of a larger file).
pub fn read_bytes(path: &Path) -> Result<Bytes, Box<Diagnostic>> {
    let io = |e: std::io::Error| {
        Box::new(Diagnostic::global(
            codes::IO_READ,
            format!("cannot read {}: {e}", path.display()),
        ))
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let cap = if len > MAX_INPUT_BYTES {
        PREFIX_BYTES
    } else {
        len as usize + 1
    };
    let mut bytes = Vec::with_capacity(cap);
    if len > MAX_INPUT_BYTES {
        (&mut file)
            .take(PREFIX_BYTES as u64)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        return Ok(Bytes::TooLarge(bytes, len));
    }
    // The file may have grown since its size was read.
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        let size = bytes.len() as u64;
        return Ok(Bytes::TooLarge(bytes, size));
    }
    Ok(Bytes::Whole(bytes))
}

/// Registers bytes read by [`read_bytes`] as `label`.
pub fn register_read(sources: &mut SourceMap, label: &str, bytes: Bytes) -> Input {
    match bytes {
        Bytes::Whole(b) => register(sources, label, b),
        Bytes::TooLarge(prefix, size) => too_large(sources, label, &prefix, size),
    }
}

/// Registers `bytes` as `label`: the byte-order mark dropped, UTF-8 checked.
pub fn register(sources: &mut SourceMap, label: &str, mut bytes: Vec<u8>) -> Input {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Input::Text(sources.add(label.to_string(), Arc::from(text))),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    let truncated = e.utf8_error().error_len().is_none();
    let bytes = e.into_bytes();
    let bad = bytes[at];
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    // The valid prefix is unchanged, so `at` is where the first U+FFFD stands.
    let shown = String::from_utf8_lossy(&bytes).into_owned();
    let id = sources.add(label.to_string(), Arc::from(shown));
    let message = if utf16 {
        format!("{label} is UTF-16 text, not UTF-8")
    } else if truncated {
        format!("{label} is not valid UTF-8: it ends in the middle of a character")
    } else {
        format!("{label} is not valid UTF-8: the byte 0x{bad:02X} is not part of a UTF-8 character")
    };
    let d = Diagnostic::new(
        codes::INPUT_ENCODING,
        Span::new(id, at, at + '\u{FFFD}'.len_utf8()),
        message,
        format!("byte 0x{bad:02X} is not UTF-8"),
    )
    .help(
        "save the file as UTF-8 (a byte-order mark is fine); aws2azure does not guess \
         encodings, so that no name or value changes silently. The file was not converted",
    );
    Input::Rejected(id, Box::new(d))
}

fn too_large(sources: &mut SourceMap, label: &str, prefix: &[u8], size: u64) -> Input {
    // The first line is enough to show which file it is.
    let mut prefix = &prefix[..prefix.len().min(PREFIX_BYTES)];
    if let Some(nl) = prefix.iter().position(|&b| b == b'\n') {
        prefix = &prefix[..nl];
    }
    // A character cut at the end of the prefix is not the file's fault.
    if let Err(e) = std::str::from_utf8(prefix)
        && e.error_len().is_none()
    {
        prefix = &prefix[..e.valid_up_to()];
    }
    let shown = String::from_utf8_lossy(prefix);
    let shown = shown.strip_prefix('\u{feff}').unwrap_or(&shown).to_string();
    let first = shown.chars().next().map_or(0, char::len_utf8);
    let id = sources.add(label.to_string(), Arc::from(shown));
    let d = Diagnostic::new(
        codes::INPUT_TOO_LARGE,
        Span::new(id, 0, first),
        format!(
            "{label} is {} ({size} bytes), larger than the {} aws2azure reads",
            mib(size),
            mib(MAX_INPUT_BYTES)
        ),
        "not read: over the size limit",
    )
    .help(
        "split it into smaller files (CloudFormation itself accepts templates up to 1 MB); \
         the other inputs still convert",
    );
    Input::Rejected(id, Box::new(d))
}

fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m.fract() == 0.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(bytes: &[u8]) -> (SourceMap, Diagnostic) {
        let mut sources = SourceMap::default();
        match register(&mut sources, "t.yaml", bytes.to_vec()) {
            Input::Rejected(_, d) => (sources, *d),
            Input::Text(_) => panic!("accepted"),
        }
    }

    #[test]
    fn the_first_invalid_byte_is_located() {
        let (sources, d) = rejected(b"a: 1\nName: caf\xE9-bucket\n");
        assert_eq!(d.code.id, "input::encoding");
        assert_eq!(sources.locate(d.span.unwrap()), ("t.yaml", 2, 10));
        assert!(d.message.contains("0xE9"), "{}", d.message);
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("save the file as UTF-8")
        );
    }

    #[test]
    fn columns_count_characters_before_the_bad_byte() {
        let mut bytes = "x: ‘é’ \u{1F600}".as_bytes().to_vec();
        bytes.extend(b"\xC3(");
        let (sources, d) = rejected(&bytes);
        assert_eq!(sources.locate(d.span.unwrap()), ("t.yaml", 1, 9));
    }

    #[test]
    fn a_cut_character_at_the_end_and_utf16_are_named() {
        let (_, d) = rejected(b"a: \xE2\x82");
        assert!(d.message.contains("middle of a character"), "{}", d.message);
        let (_, d) = rejected(b"\xFF\xFEa\x00");
        assert!(d.message.contains("UTF-16"), "{}", d.message);
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let mut sources = SourceMap::default();
        let Input::Text(id) = register(&mut sources, "t.yaml", b"\xEF\xBB\xBFa: 1\n".to_vec())
        else {
            panic!("rejected")
        };
        assert_eq!(&*sources.get(id).text, "a: 1\n");
    }

    #[test]
    fn sizes_are_written_in_mib() {
        assert_eq!(mib(32 * 1024 * 1024), "32 MiB");
        assert_eq!(mib(33 * 1024 * 1024 + 512 * 1024), "33.5 MiB");
    }
}
