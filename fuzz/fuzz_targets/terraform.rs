//! The Terraform reader: one to four `.tf` files (split at NUL bytes) and a tfvars file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aws2azure::fuzzing::terraform(data));
