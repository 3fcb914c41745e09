//! The Terraform template grammar (`${…}`, `%{…}`, heredocs) and the printer's escaping.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aws2azure::fuzzing::tf_template(data));
