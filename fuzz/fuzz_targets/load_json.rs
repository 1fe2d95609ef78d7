//! Any bytes as a JSON file next to a sound IdP file: parse, load, analyse, judge, render.
#![no_main]

mod common;

use authlint::document::Format;
use common::{IDPS, Input, run_and_check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `check` reports non-UTF-8 files without parsing them; parse what it would parse.
    let text = String::from_utf8_lossy(data).into_owned();
    run_and_check(vec![
        Input::new("app.json", text, Format::Json),
        Input::new("idps.yml", IDPS.to_string(), Format::Yaml),
    ]);
});
