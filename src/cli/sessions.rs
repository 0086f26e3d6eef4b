//! `memoreez sessions`: list them, or resume one where it stopped.

use super::{CliError, CliResult, Context};
use clap::Args;
use memoreez::pipeline::SessionParams;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct SessionsArgs {
    /// Continue this session (id or a unique prefix) and finish it
    #[arg(long, value_name = "ID")]
    resume: Option<String>,
    /// With --resume: the concept to make (1-4), for sessions that stopped at the gallery
    #[arg(long, requires = "resume", value_parser = clap::value_parser!(u8).range(1..=4))]
    pick: Option<u8>,
    /// List as JSON lines instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, a: SessionsArgs) -> CliResult {
    let cfg = ctx.config()?;
    let Some(id) = a.resume else {
        let store = ctx.store(&cfg)?;
        let sessions = store.list_sessions().map_err(|e| CliError::Failed(e.to_string()))?;
        if sessions.is_empty() && !a.json {
            eprintln!("no sessions yet; start one with `memoreez make` or `memoreez`");
        }
        if !a.json && !sessions.is_empty() {
            println!("{:<10} {:<16} {:<19} {:<16} hobbies", "id", "step", "updated", "name");
        }
        for s in sessions {
            let step = s.step.map(|st| st.label()).unwrap_or("facts");
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({"id": s.id, "step": s.step.map(|st| st.key()), "name": s.facts.name,
                        "hobbies": s.facts.hobbies, "created_at": s.created_at, "updated_at": s.updated_at})
                );
            } else {
                let updated: String = s.updated_at.replace('T', " ").chars().take(19).collect();
                let name: String = s.facts.name.chars().take(16).collect();
                println!("{:<10} {:<16} {:<19} {:<16} {}", &s.id[..8], step, updated, name, s.facts.hobbies);
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let pipeline = ctx.pipeline(&cfg)?;
    let session = pipeline.store.session(&id).map_err(|e| CliError::BadInput(e.to_string()))?;
    let mut params: SessionParams = serde_json::from_value(session.params.clone()).unwrap_or_default();
    if let Some(p) = a.pick {
        let slot = p as usize - 1;
        if params.pick != Some(slot) && session.chosen_concept.is_some_and(|c| c != slot) {
            pipeline
                .invalidate_from(&session.id, memoreez::domain::Stage::Matting)
                .map_err(|e| CliError::Failed(e.to_string()))?;
        }
        params.pick = Some(slot);
        let json = serde_json::to_value(&params).map_err(|e| CliError::Failed(e.to_string()))?;
        pipeline.store.set_params(&session.id, &json).map_err(|e| CliError::Failed(e.to_string()))?;
    }
    let outcome = super::run_to_end(&pipeline, &session.id)?;
    println!("{}", super::summary::summary(&outcome, params.seed));
    Ok(ExitCode::SUCCESS)
}
