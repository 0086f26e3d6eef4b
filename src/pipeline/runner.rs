//! Runs a session's stages in order as one cancellable background job. Each stage first looks for
//! its saved output and skips when it is there (and intact), so a killed run resumes where it died.

use super::backends::Backends;
use super::progress::{CancelToken, ProgressEvent, StageReporter};
use super::session::{Outcome, OutputFiles, SessionParams, SessionResults};
use super::StageError;
use crate::domain::{Concept, Stage};
use crate::mesh::Mesh;
use crate::shapegen::ShapeInput;
use crate::store::{AssetKind, AssetRow, AssetStatus, NewAsset, NewOrder, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error("{stage}: {source}")]
    Stage {
        stage: Stage,
        #[source]
        source: StageError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("pick a concept first (1-4)")]
    NeedsPick,
    #[error("cannot write {path}: {source}. Choose another output path; the session is saved, so `memoreez sessions --resume {session}` writes it without redoing anything")]
    Export {
        path: PathBuf,
        session: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the background job stopped unexpectedly: {0}")]
    Join(String),
}

impl PipelineError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, PipelineError::Stage { source: StageError::Cancelled, .. })
    }
    pub fn is_bad_input(&self) -> bool {
        matches!(self, PipelineError::Stage { source: StageError::BadInput(_), .. } | PipelineError::NeedsPick)
    }
}

/// Runs stages over one store with one set of backends.
#[derive(Clone)]
pub struct Pipeline {
    pub store: Arc<Store>,
    pub backends: Arc<Backends>,
}

/// Test hook: `MEMOREEZ_TEST_PAUSE_AT=shape:30000` holds a stage for that many ms after it starts, so
/// a test can kill the process mid-stage deterministically. Cancellation still works while held.
const PAUSE_ENV: &str = "MEMOREEZ_TEST_PAUSE_AT";

fn test_pause(stage: Stage, cancel: &CancelToken) {
    let Ok(spec) = std::env::var(PAUSE_ENV) else { return };
    let Some((key, ms)) = spec.split_once(':') else { return };
    if key != stage.key() {
        return;
    }
    let until = std::time::Instant::now() + std::time::Duration::from_millis(ms.parse().unwrap_or(0));
    while std::time::Instant::now() < until && !cancel.is_cancelled() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

struct Run<'a> {
    pipeline: &'a Pipeline,
    session: String,
    tx: UnboundedSender<ProgressEvent>,
    cancel: CancelToken,
}

impl Run<'_> {
    fn store(&self) -> &Store {
        &self.pipeline.store
    }

    fn save_results(&self, results: &SessionResults) -> Result<(), PipelineError> {
        save_results(self.store(), &self.session, results)
    }

    fn reporter(&self, stage: Stage) -> StageReporter {
        StageReporter::new(stage, self.tx.clone(), self.cancel.clone())
    }

    fn skipped(&self, stage: Stage) {
        let _ = self.tx.send(ProgressEvent::Skipped { stage });
    }

    /// Runs one stage's work with start/finish/failure events and the cancel check around it.
    fn stage<T>(
        &self,
        stage: Stage,
        backend: &str,
        work: impl FnOnce(&StageReporter) -> Result<T, StageError>,
    ) -> Result<T, PipelineError> {
        let rep = self.reporter(stage);
        rep.send(ProgressEvent::Started { stage, backend: backend.to_string() });
        test_pause(stage, &self.cancel);
        let result = if self.cancel.is_cancelled() { Err(StageError::Cancelled) } else { work(&rep) };
        match result {
            Ok(v) => {
                rep.send(ProgressEvent::Finished { stage, elapsed: rep.elapsed() });
                Ok(v)
            }
            Err(source) => {
                rep.send(ProgressEvent::Failed { stage, error: source.to_string() });
                Err(PipelineError::Stage { stage, source })
            }
        }
    }

    /// The saved file of an asset, or None when it is missing or damaged (then the stage reruns).
    fn intact(&self, asset: &AssetRow) -> Option<Vec<u8>> {
        if !matches!(asset.status, AssetStatus::Generated | AssetStatus::Completed) {
            return None;
        }
        self.store().read_file(asset).ok()
    }

    fn latest(&self, kind: AssetKind, slot: usize) -> Result<Option<(AssetRow, Vec<u8>)>, PipelineError> {
        let rows = self.store().assets(&self.session, kind)?;
        Ok(rows.into_iter().rev().filter(|a| a.slot == slot).find_map(|a| self.intact(&a).map(|b| (a, b))))
    }

    fn save(&self, kind: AssetKind, slot: usize, bytes: &[u8], ext: &str) -> Result<AssetRow, PipelineError> {
        let (rel, sha) = self.store().put_file(bytes, ext)?;
        let fields = NewAsset { slot, ..NewAsset::default() };
        Ok(self.store().add_asset(&self.session, kind, &fields, AssetStatus::Completed, Some((&rel, &sha)))?)
    }

    fn concepts(&self) -> Result<Vec<(AssetRow, Concept)>, PipelineError> {
        let rows = self.store().assets(&self.session, AssetKind::ConceptImage)?;
        Ok(rows
            .into_iter()
            .filter_map(|a| {
                let c = Concept { title: a.title.clone()?, style: a.style?, prompt: a.prompt.clone()? };
                Some((a, c))
            })
            .collect())
    }

    fn ideation(&self, params: &SessionParams) -> Result<(), PipelineError> {
        if self.concepts()?.len() == 4 {
            self.skipped(Stage::Ideation);
            return Ok(());
        }
        let b = &self.pipeline.backends;
        let facts = self.store().session(&self.session)?.facts;
        let concepts = self.stage(Stage::Ideation, b.ideator.name(), |rep| {
            let cs = b.ideator.concepts(&facts, params.seed, rep)?;
            if cs.len() != 4 {
                return Err(StageError::Failed(format!("the ideation backend gave {} concepts, not 4", cs.len())));
            }
            Ok(cs)
        })?;
        self.store().drop_assets(&self.session, &[AssetKind::ConceptImage])?;
        for (slot, c) in concepts.iter().enumerate() {
            let fields = NewAsset { slot, title: Some(&c.title), style: Some(c.style), prompt: Some(&c.prompt) };
            self.store().add_asset(&self.session, AssetKind::ConceptImage, &fields, AssetStatus::Processing, None)?;
        }
        self.store().set_step(&self.session, Some(Stage::Ideation))?;
        Ok(())
    }

    fn images(&self, params: &SessionParams) -> Result<(), PipelineError> {
        let pending: Vec<(AssetRow, Concept)> =
            self.concepts()?.into_iter().filter(|(a, _)| self.intact(a).is_none()).collect();
        if pending.is_empty() {
            self.skipped(Stage::Images);
            return Ok(());
        }
        let b = &self.pipeline.backends;
        let total = pending.len();
        self.stage(Stage::Images, b.images.name(), |rep| {
            for (i, (asset, concept)) in pending.iter().enumerate() {
                if rep.is_cancelled() {
                    return Err(StageError::Cancelled);
                }
                use crate::pipeline::Progress;
                rep.note(&format!("drawing concept {}: {}", asset.slot + 1, concept.title));
                let img = b.images.generate(concept, params.image_seed(asset.slot), &super::NoProgress)?;
                let png = encode_png(&img)?;
                let saved = self.store().put_file(&png, "png").and_then(|(rel, sha)| {
                    self.store().finish_asset(&asset.id, AssetStatus::Generated, Some((&rel, &sha)), None)
                });
                saved.map_err(|e| StageError::Failed(e.to_string()))?;
                rep.step(i + 1, total, &format!("concept {} drawn", asset.slot + 1));
            }
            Ok(())
        })?;
        self.store().set_step(&self.session, Some(Stage::Images))?;
        Ok(())
    }

    fn run(&self, until: Stage) -> Result<Outcome, PipelineError> {
        let session = self.store().session(&self.session)?;
        let mut params: SessionParams = serde_json::from_value(session.params.clone()).unwrap_or_default();
        let mut results: SessionResults = serde_json::from_value(session.results.clone()).unwrap_or_default();
        for (stage, name) in self.pipeline.backends.names() {
            results.backends.insert(stage.key().to_string(), name);
        }
        let mut outcome = Outcome {
            session_id: self.session.clone(),
            concepts: Vec::new(),
            chosen: None,
            results: results.clone(),
            files: OutputFiles::default(),
        };

        self.ideation(&params)?;
        let concepts = self.concepts()?;
        outcome.concepts = concepts.iter().map(|(_, c)| c.clone()).collect();
        if until == Stage::Ideation {
            return Ok(outcome);
        }
        self.images(&params)?;
        if until == Stage::Images {
            return Ok(outcome);
        }
        let concepts = self.concepts()?;

        let slot = params.pick.or(session.chosen_concept).ok_or(PipelineError::NeedsPick)?;
        let (image_asset, concept) = concepts.get(slot).cloned().ok_or(PipelineError::NeedsPick)?;
        if session.chosen_concept != Some(slot) {
            self.store().set_chosen_concept(&self.session, Some(slot))?;
        }
        params.pick = Some(slot);
        outcome.chosen = Some(slot);
        let b = self.pipeline.backends.clone();

        // Cut-out.
        let cutout_png = match self.latest(AssetKind::Cutout, slot)? {
            Some((_, bytes)) => {
                self.skipped(Stage::Matting);
                bytes
            }
            None => {
                let image_bytes = self.intact(&image_asset).ok_or(StoreError::AssetMissing {
                    path: image_asset.path.clone().unwrap_or_default(),
                    sha256: image_asset.sha256.clone().unwrap_or_default(),
                })?;
                let png = self.stage(Stage::Matting, b.matting.name(), |rep| {
                    let img = decode_png(&image_bytes)?.to_rgba8();
                    encode_png(&b.matting.cut_out(&img, rep)?)
                })?;
                self.save(AssetKind::Cutout, slot, &png, "png")?;
                self.store().set_step(&self.session, Some(Stage::Matting))?;
                png
            }
        };
        if until == Stage::Matting {
            return Ok(outcome);
        }

        // Image to 3D.
        let raw = match self.latest(AssetKind::RawMesh, slot)? {
            Some((_, bytes)) => {
                self.skipped(Stage::Shape);
                read_mesh(&bytes)?
            }
            None => {
                let mesh = self.stage(Stage::Shape, b.shape.name(), |rep| {
                    let cutout = decode_png(&cutout_png)?.to_rgba8();
                    let input = ShapeInput { cutout: &cutout, concept: Some(&concept), seed: params.image_seed(slot) };
                    b.shape.generate(&input, rep)
                })?;
                self.save(AssetKind::RawMesh, slot, &crate::mesh::io::stl_bytes(&mesh), "stl")?;
                self.store().set_step(&self.session, Some(Stage::Shape))?;
                mesh
            }
        };
        if until == Stage::Shape {
            return Ok(outcome);
        }

        // Printable solid. Its saved form is only valid for the spec it was made with.
        let final_asset = match self.latest(AssetKind::FinalMesh, slot)?.filter(|_| results.printability.is_some()) {
            Some((asset, _)) => {
                self.skipped(Stage::Fabrication);
                asset
            }
            None => {
                let printable =
                    self.stage(Stage::Fabrication, b.fab.name(), |rep| b.fab.make_printable(&raw, &params.fab, rep))?;
                let asset =
                    self.save(AssetKind::FinalMesh, slot, &crate::mesh::io::stl_bytes(&printable.mesh), "stl")?;
                results.printability = Some(printable.report);
                results.slice = None;
                results.quote = None;
                self.save_results(&results)?;
                self.store().set_step(&self.session, Some(Stage::Fabrication))?;
                asset
            }
        };
        outcome.results = results.clone();
        if until == Stage::Fabrication {
            return Ok(outcome);
        }
        let final_stl = self.store().root().join(final_asset.path.clone().unwrap_or_default());

        // Slicing.
        let gcode_asset = self.latest(AssetKind::Gcode, slot)?;
        if results.slice.is_some() {
            self.skipped(Stage::Slicing);
        } else {
            let tmp = tempfile::Builder::new()
                .suffix(".gcode")
                .tempfile_in(self.store().root())
                .map_err(|e| StoreError::from_io("creating a temporary file in", self.store().root(), e))?;
            let (stats, wrote_gcode) = self.stage(Stage::Slicing, b.slicer.name(), |rep| {
                let solid = read_mesh(&std::fs::read(&final_stl).map_err(|e| StageError::io("reading the solid", e))?)
                    .map_err(|e| StageError::Failed(e.to_string()))?;
                b.slicer.slice(&solid, &final_stl, tmp.path(), rep)
            })?;
            if wrote_gcode {
                let bytes = std::fs::read(tmp.path()).map_err(|e| StoreError::from_io("reading", tmp.path(), e))?;
                self.save(AssetKind::Gcode, slot, &bytes, "gcode")?;
            }
            results.slice = Some(stats);
            self.save_results(&results)?;
            self.store().set_step(&self.session, Some(Stage::Slicing))?;
        }
        let gcode_asset = gcode_asset.or(self.latest(AssetKind::Gcode, slot)?);

        // Price.
        let stats = results.slice.clone().unwrap_or_else(|| crate::fab::SliceStats {
            grams: 0.0,
            minutes: 0.0,
            slicer: String::new(),
        });
        let quote = b.rates.quote(stats.grams, params.region);
        if results.quote.as_ref() != Some(&quote) {
            self.stage(Stage::Pricing, "rates", |_| Ok(()))?;
            results.quote = Some(quote.clone());
            self.save_results(&results)?;
            self.store().set_step(&self.session, Some(Stage::Pricing))?;
        } else {
            self.skipped(Stage::Pricing);
        }

        // The person's files, and the order.
        let final_bytes = std::fs::read(&final_stl).map_err(|e| StoreError::from_io("reading", &final_stl, e))?;
        let final_mesh = read_mesh(&final_bytes)?;
        let gcode_bytes = gcode_asset.as_ref().map(|(_, b)| b.clone());
        outcome.files = self.export(&params, &final_bytes, &final_mesh, gcode_bytes.as_deref())?;
        if let Some(req) = &params.order {
            if results.order_id.is_none() {
                let order = self.store().create_order(&NewOrder {
                    session_id: self.session.clone(),
                    email: req.email.clone(),
                    region: params.region,
                    address: req.address.clone(),
                    currency: quote.currency.clone(),
                    material_cents: quote.material_cents,
                    service_cents: quote.service_cents,
                    shipping_cents: quote.shipping_cents,
                    total_cents: quote.total_cents,
                    grams: stats.grams,
                    minutes: stats.minutes,
                })?;
                let dir = self.store().order_dir(&order.id);
                let rel = |name: &str| PathBuf::from("orders").join(&order.id).join(name);
                self.write_file(&dir.join("model.stl"), &final_bytes)?;
                let threemf = crate::mesh::threemf::threemf_bytes(&final_mesh)
                    .map_err(|e| StageError::Failed(e.to_string()))
                    .map_err(|source| PipelineError::Stage { stage: Stage::Pricing, source })?;
                self.write_file(&dir.join("model.3mf"), &threemf)?;
                // A picture of what was ordered, for the person and the print shop.
                let still = crate::render::still(&final_mesh, 800, 600, [255; 3]);
                let failed = |e: crate::render::encode::EncodeError| StageError::Failed(e.to_string());
                let picture = crate::render::encode::png_bytes(&still)
                    .map_err(|e| PipelineError::Stage { stage: Stage::Pricing, source: failed(e) })?;
                self.write_file(&dir.join("preview.png"), &picture)?;
                let gcode_rel = match &gcode_bytes {
                    Some(g) => {
                        self.write_file(&dir.join("model.gcode"), g)?;
                        Some(rel("model.gcode"))
                    }
                    None => None,
                };
                self.store().set_order_files(
                    &order.id,
                    Some(&rel("model.stl")),
                    Some(&rel("model.3mf")),
                    gcode_rel.as_deref(),
                )?;
                results.order_id = Some(order.id);
                self.save_results(&results)?;
            }
        }
        outcome.results = results;
        Ok(outcome)
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> Result<(), PipelineError> {
        let export = |source| PipelineError::Export { path: path.to_path_buf(), session: self.session.clone(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(export)?;
        }
        crate::store::files::write_atomic(path, bytes).map_err(export)
    }

    fn export(
        &self,
        params: &SessionParams,
        stl: &[u8],
        mesh: &Mesh,
        gcode: Option<&[u8]>,
    ) -> Result<OutputFiles, PipelineError> {
        let mut files = OutputFiles::default();
        if let Some(path) = &params.outputs.stl {
            self.write_file(path, stl)?;
            files.stl = Some(path.clone());
            if let Some(g) = gcode {
                let gpath = path.with_extension("gcode");
                self.write_file(&gpath, g)?;
                files.gcode = Some(gpath);
            }
        }
        if let Some(path) = &params.outputs.threemf {
            let bytes = crate::mesh::threemf::threemf_bytes(mesh).map_err(|e| PipelineError::Stage {
                stage: Stage::Fabrication,
                source: StageError::Failed(e.to_string()),
            })?;
            self.write_file(path, &bytes)?;
            files.threemf = Some(path.clone());
        }
        Ok(files)
    }
}

/// Results are plain data; serialising them cannot fail, so a failure would be a bug worth surfacing.
fn save_results(store: &Store, session: &str, results: &SessionResults) -> Result<(), PipelineError> {
    let json = serde_json::to_value(results).map_err(StoreError::from)?;
    Ok(store.set_results(session, &json)?)
}

fn encode_png(img: &image::RgbaImage) -> Result<Vec<u8>, StageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| StageError::Failed(format!("encoding PNG: {e}")))?;
    Ok(out.into_inner())
}

fn decode_png(bytes: &[u8]) -> Result<image::DynamicImage, StageError> {
    image::load_from_memory(bytes).map_err(|e| StageError::Failed(format!("a saved image could not be read: {e}")))
}

fn read_mesh(bytes: &[u8]) -> Result<Mesh, PipelineError> {
    crate::mesh::io::read_stl(bytes).map_err(|e| PipelineError::Stage {
        stage: Stage::Shape,
        source: StageError::Failed(format!("a saved mesh could not be read: {e}")),
    })
}

impl Pipeline {
    pub fn new(store: Arc<Store>, backends: Arc<Backends>) -> Self {
        Self { store, backends }
    }

    /// Runs the session up to and including `until`, on the calling thread. Front ends use [`Pipeline::spawn`].
    pub fn run_blocking(
        &self,
        session: &str,
        until: Stage,
        tx: UnboundedSender<ProgressEvent>,
        cancel: CancelToken,
    ) -> Result<Outcome, PipelineError> {
        Run { pipeline: self, session: session.to_string(), tx, cancel }.run(until)
    }

    /// Runs the session in the background; progress arrives on `tx`, `cancel` stops it between steps.
    pub fn spawn(
        &self,
        session: String,
        until: Stage,
        tx: UnboundedSender<ProgressEvent>,
        cancel: CancelToken,
    ) -> tokio::task::JoinHandle<Result<Outcome, PipelineError>> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.run_blocking(&session, until, tx, cancel))
    }

    /// Forgets the outputs from `stage` on, so the next run redoes them (after an edit).
    pub fn invalidate_from(&self, session: &str, stage: Stage) -> Result<(), PipelineError> {
        let row = self.store.session(session)?;
        let mut results: SessionResults = serde_json::from_value(row.results).unwrap_or_default();
        let kinds: &[AssetKind] = match stage {
            Stage::Ideation => &[
                AssetKind::ConceptImage,
                AssetKind::Cutout,
                AssetKind::RawMesh,
                AssetKind::FinalMesh,
                AssetKind::Gcode,
            ],
            Stage::Images => &[AssetKind::Cutout, AssetKind::RawMesh, AssetKind::FinalMesh, AssetKind::Gcode],
            Stage::Matting => &[AssetKind::Cutout, AssetKind::RawMesh, AssetKind::FinalMesh, AssetKind::Gcode],
            Stage::Shape => &[AssetKind::RawMesh, AssetKind::FinalMesh, AssetKind::Gcode],
            Stage::Fabrication => &[AssetKind::FinalMesh, AssetKind::Gcode],
            Stage::Slicing => &[AssetKind::Gcode],
            Stage::Pricing => &[],
        };
        self.store.drop_assets(session, kinds)?;
        if stage <= Stage::Fabrication {
            results.printability = None;
            // A new solid can be ordered again; the earlier order keeps its own files.
            results.order_id = None;
        }
        if stage <= Stage::Slicing {
            results.slice = None;
        }
        results.quote = None;
        save_results(&self.store, session, &results)?;
        let before = Stage::ALL.iter().copied().rfind(|s| *s < stage);
        if row.step.is_some_and(|s| s >= stage) {
            self.store.set_step(session, before)?;
        }
        Ok(())
    }
}
