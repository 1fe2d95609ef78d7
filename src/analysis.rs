//! The analysis stage: for each application, which steps can run where, and in which states.
//!
//! With a script, the script is parsed and run by the abstract interpreter. Without one (or
//! with an empty one) every configured step runs in order, which is what the server does.

use crate::model::Application;
use crate::script::interp::{self, Facts, Site, StepEvent};
use crate::script::state::{ANY_OPTION, Flow, State, Trace, TraceEntry, insert};
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
                    s.options.iter().map(|o| (o.idp.value.clone(), o.authenticator.value.clone())).collect(),
                )
            })
            .collect(),
        observed: vec![true; app.steps.len()],
    }
}

/// Below this many combinations of options, every step is kept apart without asking.
const SMALL_STATE_SPACE: usize = 512;

/// Analyses one application; a script that does not parse is returned as the error.
pub fn analyze_app(app: &Application) -> Result<AppAnalysis, ScriptError> {
    let mut info = steps_info(app);
    let subject = app.step_index(app.subject_step);
    let initial = State::initial(app.steps.len(), subject);
    let run_script = |info: &StepsInfo, ast: &swc_ecma_ast::Script| {
        // Many steps with many options multiply into many states. Unless that product is
        // small, a first run with only the subject step kept apart finds which steps the script
        // reads or marks as the subject; the real run keeps exactly those apart.
        let combinations =
            app.steps.iter().try_fold(1usize, |acc, s| acc.checked_mul(s.options.len().max(1)));
        if combinations.is_some_and(|c| c <= SMALL_STATE_SPACE) {
            return interp::analyze(ast, info, initial.clone());
        }
        let mut coarse = StepsInfo { steps: info.steps.clone(), observed: only(subject, app.steps.len()) };
        let probe = interp::analyze(ast, &coarse, initial.clone());
        for (i, (id, _)) in info.steps.iter().enumerate() {
            coarse.observed[i] |= probe.accessed.contains(id) || probe.marked.contains(id);
        }
        interp::analyze(ast, &coarse, initial.clone())
    };
    let facts = match &app.script {
        // A disabled script does not run; neither does the script of an application on the
        // tenant's default flow.
        Some(script) if script.enabled && !app.uses_default_flow => {
            // Parsed, analysed and dropped on a stack deep enough for the script's nesting.
            js::on_parse_stack(&script.text, || js::parse(&script.text).map(|ast| run_script(&info, &ast)))?
        }
        // A disabled script is not run: every step runs in order. What it would do is kept, so
        // that a rule can say when enabling it changes the verdict.
        Some(script) => {
            let if_enabled = js::on_parse_stack(&script.text, || {
                js::parse(&script.text)
                    .ok()
                    .map(|ast| Box::new(AppAnalysis { facts: run_script(&info, &ast), if_enabled: None }))
            });
            info.observed = only(subject, app.steps.len());
            return Ok(AppAnalysis { facts: default_order(app, &info, initial), if_enabled });
        }
        None => {
            info.observed = only(subject, app.steps.len());
            default_order(app, &info, initial)
        }
    };
    Ok(AppAnalysis { facts, if_enabled: None })
}

/// Only step `index` is observed.
fn only(index: Option<usize>, len: usize) -> Vec<bool> {
    (0..len).map(|i| Some(i) == index).collect()
}

/// No script: every step runs in configuration order, with any of its options.
fn default_order(app: &Application, info: &StepsInfo, initial: State) -> Facts {
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
                written: None,
            },
        );
        // Only the subject step's option matters without a script; the others run "with some
        // option" (one state, not one per option).
        let moves: Vec<(usize, u8)> = if info.observed.get(index).copied().unwrap_or(true) {
            (0..step.options.len().min(u8::MAX as usize - 1)).map(|o| (o, o as u8 + 1)).collect()
        } else {
            vec![(interp::ANY, ANY_OPTION)]
        };
        let mut next = Flow::new();
        for (state, trace) in &flow {
            for &(option, slot) in &moves {
                let mut s = state.clone();
                s.set_exec(index, slot);
                s.set_view(index, slot);
                insert(&mut next, s, trace.push(TraceEntry::StepRan { step: step.id, option, site: None }));
            }
        }
        if !step.options.is_empty() {
            flow = next;
        }
    }
    facts.end = flow;
    facts
}
