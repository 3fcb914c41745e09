//! The CloudFormation JSON reader (and `cfn::parse` on top of it).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aws2azure::fuzzing::cfn_json(data));
