//! The analysis stage: for each application, which steps can run where, and in which states.
//!
//! With a script, the script is parsed and run by the abstract interpreter. Without one (or
//! with an empty one) every configured step runs in order, which is what the server does.

use crate::model::Application;
use crate::script::interp::{self, Facts, Site, StepEvent};
use crate::script::state::{Flow, State, Trace, TraceEntry, insert};
use crate::script::value::StepsInfo;
use crate::script::{self as js, ScriptError};

/// What the analysis found about one application.
pub struct AppAnalysis {
    pub facts: Facts,
    /// For a disabled script: what the flow would be if it were enabled (when it parses).
    pub if_enabled: Option<Box<AppAnalysis>>,
}

impl AppAnalysis {
    /// Every place a step can run, in script order.
    pub fn events(&self) -> impl Iterator<Item = &StepEvent> {
        self.facts.events.values()
    }
}

pub fn steps_info(app: &Application) -> StepsInfo {
    StepsInfo {
        steps: app
            .steps
            .iter()
            .map(|s| {
                (
                    s.id,
                    s.options
                        .iter()
                        .map(|o| (o.idp.value.clone(), o.authenticator.value.clone()))
                        .collect(),
                )
            })
            .collect(),
    }
}

/// Analyses one application; a script that does not parse is returned as the error.
pub fn analyze_app(app: &Application) -> Result<AppAnalysis, ScriptError> {
    let info = steps_info(app);
    let initial = State::initial(app.steps.len(), app.step_index(app.subject_step));
    let facts = match &app.script {
        // A disabled script does not run; neither does the script of an application on the
        // tenant's default flow.
        Some(script) if script.enabled && !app.uses_default_flow => {
            let ast = js::parse(&script.text)?;
            interp::analyze(&ast, &script.text, &info, initial)
        }
        // A disabled script is not run: every step runs in order. What it would do is kept, so
        // that a rule can say when enabling it changes the verdict.
        Some(script) => {
            let if_enabled = js::parse(&script.text).ok().map(|ast| {
                Box::new(AppAnalysis {
                    facts: interp::analyze(&ast, &script.text, &info, initial.clone()),
                    if_enabled: None,
                })
            });
            return Ok(AppAnalysis {
                facts: default_order(app, initial),
                if_enabled,
            });
        }
        None => default_order(app, initial),
    };
    Ok(AppAnalysis {
        facts,
        if_enabled: None,
    })
}

/// No script: every step runs in configuration order, with any of its options.
fn default_order(app: &Application, initial: State) -> Facts {
    let mut facts = Facts::default();
    let mut flow = Flow::new();
    flow.insert(initial, Trace::default());
    for (index, step) in app.steps.iter().enumerate() {
        let site = Site::Config(index);
        facts.events.insert(
            (site, step.id),
            StepEvent {
                step: step.id,
                site,
                options: (0..step.options.len()).collect(),
                flow: flow.clone(),
                configured: true,
                context_name: None,
            },
        );
        let mut next = Flow::new();
        for (state, trace) in &flow {
            for option in 0..step.options.len().min(u8::MAX as usize - 1) {
                let mut s = state.clone();
                s.exec[index] = option as u8 + 1;
                s.view[index] = option as u8 + 1;
                insert(
                    &mut next,
                    s,
                    trace.push(TraceEntry::StepRan {
                        step: step.id,
                        option,
                        site: None,
                    }),
                );
            }
        }
        if !step.options.is_empty() {
            flow = next;
        }
    }
    facts
}
