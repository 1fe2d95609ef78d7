//! Any bytes as the conditional-authentication script of an application with four steps
//! (LOCAL/Google/Facebook/Corp, TOTP, Email OTP, Google), embedded in a JSON string (first byte
//! even) or a YAML block scalar (first byte odd): script::parse, then the whole pipeline, so that
//! the analysis, the rules and the mapping of script offsets back to the host file all run.
#![no_main]

mod common;

use authlint::document::Format;
use common::{IDPS, Input, on_big_stack, run_and_check};
use libfuzzer_sys::fuzz_target;

const STEPS_JSON: &str = r#"[
  {"id": 1, "options": [
    {"idp": "LOCAL", "authenticator": "BasicAuthenticator"},
    {"idp": "Google", "authenticator": "GoogleOIDCAuthenticator"},
    {"idp": "Facebook", "authenticator": "FacebookAuthenticator"},
    {"idp": "Corp", "authenticator": "SAMLSSOAuthenticator"}]},
  {"id": 2, "options": [{"idp": "LOCAL", "authenticator": "totp"}]},
  {"id": 3, "options": [{"idp": "LOCAL", "authenticator": "email-otp-authenticator"}]},
  {"id": 4, "options": [{"idp": "Google", "authenticator": "GoogleOIDCAuthenticator"}]}]"#;

fn json_app(script: &str) -> String {
    let script = serde_json::to_string(script).expect("a string serialises");
    format!(
        "{{\"name\": \"app\", \"authenticationSequence\": {{\"type\": \"USER_DEFINED\", \"subjectStepId\": 1, \"steps\": {STEPS_JSON}, \"script\": {script}}}}}\n"
    )
}

fn yaml_app(script: &str) -> String {
    let mut yaml = format!(
        "name: app\nauthenticationSequence:\n  type: USER_DEFINED\n  subjectStepId: 1\n  steps: {}\n  script: |\n",
        STEPS_JSON.replace('\n', " ")
    );
    for line in script.lines() {
        yaml.push_str("    ");
        yaml.push_str(line);
        yaml.push('\n');
    }
    yaml
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let script = String::from_utf8_lossy(rest).into_owned();
    {
        let script = script.clone();
        on_big_stack(move || {
            let _ = authlint::script::parse(&script);
        });
    }
    let app = if selector % 2 == 0 {
        Input::new("app.json", json_app(&script), Format::Json)
    } else {
        Input::new("app.yml", yaml_app(&script), Format::Yaml)
    };
    run_and_check(vec![app, Input::new("idps.yml", IDPS.to_string(), Format::Yaml)]);
});
