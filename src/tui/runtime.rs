//! Carries out `update`'s effects off the UI thread (store, pipeline, decoding, rendering, encoding)
//! and reports back as messages. Nothing here draws.

use super::graphics;
use super::msg::{CardData, Effect, JobError, JobKind, JobOutput, JobSpec, Msg, Opened};
use super::preview_worker::{Command, PreviewWorker};
use crate::pipeline::{create, Pipeline, PipelineError, Session};
use crate::stage::CancelToken;
use crate::store::{AssetKind, AssetRow, Store};
use ratatui::layout::Size;
use ratatui_image::picker::Picker;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

pub struct Runtime {
    pipeline: Pipeline,
    picker: Picker,
    tx: UnboundedSender<Msg>,
    cancels: HashMap<u64, CancelToken>,
    preview: PreviewWorker,
}

/// Reads a session into what the studio holds; a damaged one is an error naming it.
pub fn session_info(store: &Store, id: &str) -> Result<Box<Opened>, String> {
    let row = store.session(id).map_err(|e| e.to_string())?;
    let session = Session::from_row(row).map_err(|e| e.to_string())?;
    let order_dir = session.results.order_id.as_deref().map(|o| store.order_dir(o));
    Ok(Box::new(Opened { session, order_dir }))
}

/// Saves what the job starts from: new facts, params, images to redraw, outputs to redo.
fn prepare(p: &Pipeline, spec: &JobSpec) -> Result<(), PipelineError> {
    let store = &p.store;
    if let Some(facts) = &spec.facts {
        store.set_facts(&spec.session, facts)?;
    }
    if let Some(params) = &spec.params {
        p.save_params(&spec.session, params)?;
    }
    if !spec.clear_images.is_empty() {
        let rows = store.assets(&spec.session, AssetKind::ConceptImage)?;
        for slot in &spec.clear_images {
            if let Some(row) = rows.iter().rev().find(|a| a.slot == *slot) {
                store.clear_asset_file(&row.id)?;
            }
        }
    }
    if let Some(stage) = spec.invalidate {
        p.invalidate_from(&spec.session, stage)?;
    }
    Ok(())
}

fn latest_per_slot(rows: Vec<AssetRow>) -> [Option<AssetRow>; 4] {
    let mut out: [Option<AssetRow>; 4] = Default::default();
    for row in rows {
        if let Some(slot) = out.get_mut(row.slot) {
            *slot = Some(row);
        }
    }
    out
}

fn load_concepts(store: &Store, session: &str, known: &[Option<String>; 4]) -> Result<Vec<CardData>, String> {
    let rows = store.assets(session, AssetKind::ConceptImage).map_err(|e| e.to_string())?;
    let mut cards = Vec::new();
    for (slot, row) in latest_per_slot(rows).into_iter().enumerate() {
        let Some(row) = row else { continue };
        let mut card = CardData {
            slot,
            title: row.title.clone().unwrap_or_default(),
            style: row.style,
            sha256: row.sha256.clone(),
            image: None,
            error: row.error.clone(),
        };
        if row.sha256.is_some() && row.sha256 != known[slot] {
            match store
                .read_file(&row)
                .map_err(|e| e.to_string())
                .and_then(|b| image::load_from_memory(&b).map_err(|e| e.to_string()))
            {
                Ok(img) => card.image = Some(Arc::new(img)),
                Err(e) => {
                    card.sha256 = None;
                    card.error = Some(format!("cannot show it: {e}"));
                }
            }
        }
        cards.push(card);
    }
    Ok(cards)
}

/// The session's finished solid, for the preview worker (which also draws the still).
fn read_solid(store: &Store, session: &str, slot: usize) -> Result<crate::mesh::Mesh, String> {
    let rows = store.assets(session, AssetKind::FinalMesh).map_err(|e| e.to_string())?;
    let row = rows.into_iter().rev().find(|a| a.slot == slot).ok_or("the solid is not saved yet")?;
    let bytes = store.read_file(&row).map_err(|e| e.to_string())?;
    crate::mesh::io::read_stl(&bytes).map_err(|e| e.to_string())
}

impl Runtime {
    pub fn new(pipeline: Pipeline, picker: Picker, tx: UnboundedSender<Msg>) -> Runtime {
        let preview = PreviewWorker::spawn(picker.clone(), tx.clone());
        Runtime { pipeline, picker, tx, cancels: HashMap::new(), preview }
    }

    /// Runs `work` on the blocking pool and sends its message back; a closed channel means we are quitting.
    fn spawn(&self, work: impl FnOnce() -> Msg + Send + 'static) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(work());
        });
    }

    pub fn run(&mut self, effect: Effect) {
        let store = self.pipeline.store.clone();
        match effect {
            Effect::CreateSession { facts, mut params } => self.spawn(move || {
                // The seed is picked here, not in `update`, which stays deterministic.
                params.seed = rand::random();
                let result =
                    create(&store, &facts, params).map_err(|e| e.to_string()).and_then(|id| session_info(&store, &id));
                Msg::SessionOpened(result)
            }),
            Effect::SaveFiles { session, outputs } => {
                let pipeline = self.pipeline.clone();
                self.spawn(move || {
                    // `~/` is the home folder and relative paths the studio's working directory; the
                    // message shows them whole.
                    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
                    let abs = |p: Option<std::path::PathBuf>| {
                        p.map(|p| match (p.strip_prefix("~"), &home) {
                            (Ok(rest), Some(home)) => home.join(rest),
                            _ => std::path::absolute(&p).unwrap_or(p),
                        })
                    };
                    let outputs = crate::pipeline::Outputs {
                        stl: abs(outputs.stl),
                        threemf: abs(outputs.threemf),
                        gcode: abs(outputs.gcode),
                    };
                    Msg::FilesSaved(pipeline.save_files(&session, &outputs).map_err(|e| e.to_string()))
                })
            }
            Effect::OpenSession { id } => self.spawn(move || Msg::SessionOpened(session_info(&store, &id))),
            Effect::StartJob { id, spec } => self.start_job(id, spec),
            Effect::CancelJob { id } => {
                if let Some(token) = self.cancels.get(&id) {
                    token.cancel();
                }
            }
            Effect::LoadConcepts { seq, session, known } => {
                self.spawn(move || match load_concepts(&store, &session, &known) {
                    Ok(cards) => Msg::ConceptsLoaded { seq, session, cards },
                    Err(e) => Msg::ConceptsLoaded {
                        seq,
                        session,
                        cards: (0..4)
                            .map(|slot| CardData {
                                slot,
                                title: String::new(),
                                style: None,
                                sha256: None,
                                image: None,
                                error: Some(e.clone()),
                            })
                            .collect(),
                    },
                })
            }
            Effect::Encode { key, image } => {
                let picker = self.picker.clone();
                self.spawn(move || Msg::Encoded {
                    key,
                    result: graphics::encode(&picker, &image, Size::new(key.cells.0, key.cells.1)),
                });
            }
            Effect::RenderSolid { session, slot, version, px, background } => {
                let (worker, tx) = (self.preview.sender(), self.tx.clone());
                tokio::task::spawn_blocking(move || {
                    let failed = match read_solid(&store, &session, slot) {
                        Ok(mesh) => worker
                            .send(Command::Mesh { version, mesh, still: px, background })
                            .err()
                            .map(|_| "the preview stopped".to_string()),
                        Err(e) => Some(e),
                    };
                    if let Some(e) = failed {
                        let _ = tx.send(Msg::SolidRendered { version, result: Err(e) });
                    }
                });
            }
            Effect::Preview(request) => self.preview.send(Command::Request(request)),
        }
    }

    fn start_job(&mut self, id: u64, spec: JobSpec) {
        self.cancels.retain(|_, t| !t.is_cancelled());
        let cancel = CancelToken::new();
        self.cancels.insert(id, cancel.clone());
        let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel();
        let pipeline = self.pipeline.clone();
        let job = tokio::task::spawn_blocking(move || {
            prepare(&pipeline, &spec)
                .and_then(|()| match spec.kind {
                    JobKind::Order => pipeline.finish_blocking(&spec.session, ptx, cancel),
                    _ => pipeline.run_blocking(&spec.session, spec.until, ptx, cancel),
                })
                .map(|outcome| {
                    let order_dir = outcome.results.order_id.as_deref().map(|o| pipeline.store.order_dir(o));
                    Box::new(JobOutput { outcome, order_dir })
                })
                .map_err(|e| JobError { cancelled: e.is_cancelled(), message: e.to_string() })
        });
        let tx = self.tx.clone();
        // Progress first, the result last: the channel closes when the job drops its sender, so
        // every event is forwarded before the job is reported done.
        tokio::spawn(async move {
            while let Some(event) = prx.recv().await {
                let _ = tx.send(Msg::Progress { job: id, event });
            }
            let result = job.await.unwrap_or_else(|e| {
                Err(JobError { cancelled: false, message: format!("the background job stopped unexpectedly: {e}") })
            });
            let _ = tx.send(Msg::JobDone { job: id, result });
        });
    }
}
