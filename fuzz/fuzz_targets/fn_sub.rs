//! The `Fn::Sub` grammar, alone and inside a template converted to Bicep and Terraform.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aws2azure::fuzzing::fn_sub(data));
