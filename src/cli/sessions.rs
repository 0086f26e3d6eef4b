//! `memoreez sessions`: list them, or resume one where it stopped.

use super::{CliError, CliResult, Context};
use clap::Args;
use memoreez::domain::{Origin, Stage};
use memoreez::pipeline::{Listing, PipelineError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct SessionsArgs {
    /// Continue this session (id or a unique prefix) and finish it
    #[arg(long, value_name = "ID")]
    resume: Option<String>,
    /// With --resume: the concept to make (1-4), for sessions that stopped at the gallery
    #[arg(long, requires = "resume", value_parser = clap::value_parser!(u8).range(1..=4))]
    pick: Option<u8>,
    /// With --resume: write the finished solid's STL here
    #[arg(long, requires = "resume", value_name = "FILE.stl")]
    out: Option<PathBuf>,
    /// With --resume: also write a 3MF here
    #[arg(long = "3mf", requires = "out", value_name = "FILE.3mf")]
    threemf: Option<PathBuf>,
    /// With --resume: also write the G-code here (when PrusaSlicer sliced the piece)
    #[arg(long, requires = "out", value_name = "FILE.gcode")]
    gcode: Option<PathBuf>,
    /// List as JSON lines instead of a table
    #[arg(long)]
    json: bool,
}

fn list(ctx: &Context, cfg: &memoreez::config::Config, json: bool) -> CliResult {
    let store = ctx.store(cfg)?;
    let rows = store.list_sessions().map_err(|e| CliError::Failed(e.to_string()))?;
    if rows.is_empty() && !json {
        eprintln!("no sessions yet; start one with `memoreez make` or `memoreez`");
    }
    if !json && !rows.is_empty() {
        println!("{:<10} {:<9} {:<19} {:<16} about", "id", "reached", "updated", "name");
    }
    for row in rows {
        let updated: String = row.updated_at.replace('T', " ").chars().take(19).collect();
        let Listing { name, about, reached, origin } = Listing::of(&row);
        if json {
            let line = serde_json::json!({"id": row.id, "reached": reached, "origin": origin, "name": name,
                "about": about, "created_at": row.created_at, "updated_at": row.updated_at});
            println!("{line}");
        } else {
            let name: String = name.chars().take(16).collect();
            println!("{:<10} {:<9} {:<19} {:<16} {}", &row.id[..8], reached, updated, name, about);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(ctx: &Context, a: SessionsArgs) -> CliResult {
    let cfg = ctx.config()?;
    let Some(id) = a.resume else {
        return list(ctx, &cfg, a.json);
    };
    let outputs = match &a.out {
        Some(out) => Some(super::make::check_outputs(out, a.threemf.as_deref(), a.gcode.as_deref())?),
        None => None,
    };
    let pipeline = ctx.pipeline(&cfg)?;
    let session = pipeline.load(&id).map_err(|e| match e {
        PipelineError::Store(_) => CliError::BadInput(e.to_string()),
        other => CliError::Failed(other.to_string()),
    })?;
    let mut params = session.params.clone();
    if let Some(p) = a.pick {
        let slot = p as usize - 1;
        if session.params.origin != Origin::Facts && slot != 0 {
            return Err(CliError::BadInput(format!(
                "--pick {p}: this session has one {}, not four concepts; leave --pick out",
                session.params.origin.label()
            )));
        }
        if params.pick != Some(slot) && session.chosen.is_some_and(|c| c != slot) {
            pipeline.invalidate_from(&session.id, Stage::Matting).map_err(|e| CliError::Failed(e.to_string()))?;
        }
        params.pick = Some(slot);
    }
    // Files asked for now replace those asked for when the session began.
    if let Some(outputs) = outputs {
        params.outputs = outputs;
    }
    if params != session.params {
        pipeline.save_params(&session.id, &params).map_err(|e| CliError::Failed(e.to_string()))?;
    }
    let outcome = super::run_to_end(&pipeline, &session.id)?;
    println!("{}", super::summary::summary(&outcome, params.seed));
    Ok(ExitCode::SUCCESS)
}
