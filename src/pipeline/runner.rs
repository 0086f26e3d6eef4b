//! Runs a session's stages in order as one cancellable background job, one method per stage. Each
//! stage first looks for its saved output and skips when it is there (and intact), so a killed run
//! resumes where it died. What a session starts from (its [`Origin`]) decides which stages run.

use super::session::{DamagedSession, Outcome, Session, SessionParams, SessionResults};
use crate::domain::{Concept, Origin, Stage};
use crate::mesh::Mesh;
use crate::shapegen::ShapeInput;
use crate::stage::{CancelToken, Progress, ProgressEvent, StageError, StageReporter};
use crate::store::{AssetKind, AssetRow, AssetStatus, NewAsset, Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::mpsc::UnboundedSender;

use super::backends::Backends;

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
    #[error(transparent)]
    Damaged(#[from] DamagedSession),
    #[error("pick a concept first (1-4)")]
    NeedsPick,
    #[error("nothing to save yet: the printable solid is not made; finish the Studio step first (or run `memoreez sessions --resume ID`)")]
    NoSolid,
    #[error("cannot write {path}: {source}. Choose another output path; the session is saved, so `memoreez sessions --resume {session} --out FILE` writes it without redoing anything")]
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

    /// A failure of `stage`, blamed on it.
    pub(super) fn at(stage: Stage) -> impl Fn(StageError) -> PipelineError {
        move |source| PipelineError::Stage { stage, source }
    }
}

/// Runs stages over one store with one set of backends.
#[derive(Clone)]
pub struct Pipeline {
    pub store: Arc<Store>,
    pub backends: Arc<Backends>,
}

/// The printable solid of a run, kept in memory for slicing, the price and the files.
#[derive(Debug, Clone)]
pub struct Solid {
    pub mesh: Mesh,
    pub stl: Vec<u8>,
    pub sha256: String,
    /// Where the store keeps its STL (the slicer reads the file).
    pub path: PathBuf,
}

/// Test hook: `MEMOREEZ_TEST_PAUSE_AT=shape:30000` holds a stage for that many ms after it starts, so
/// a test can kill the process mid-stage deterministically. Cancellation still works while held.
const PAUSE_ENV: &str = "MEMOREEZ_TEST_PAUSE_AT";

fn test_pause(stage: Stage, cancel: &CancelToken) {
    let Ok(spec) = std::env::var(PAUSE_ENV) else { return };
    let Some((key, ms)) = spec.split_once(':') else { return };
    if Stage::from_key(key) != Some(stage) {
        return;
    }
    let until = std::time::Instant::now() + std::time::Duration::from_millis(ms.parse().unwrap_or(0));
    while std::time::Instant::now() < until && !cancel.is_cancelled() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

impl Solid {
    /// The solid as its saved STL holds it (corners welded by position), so every file made from
    /// it (3MF, the order's copies, the preview) matches the STL exactly.
    pub(super) fn from_saved(store: &Store, asset: AssetRow, stl: Vec<u8>) -> Result<Solid, PipelineError> {
        let mesh = read_mesh(&stl).map_err(PipelineError::at(Stage::Fabrication))?;
        let path = store.root().join(asset.path.unwrap_or_default());
        Ok(Solid { mesh, stl, sha256: asset.sha256.unwrap_or_default(), path })
    }
}

/// The saved file of an asset, or None when it is missing or damaged (then the stage reruns).
fn intact(store: &Store, asset: &AssetRow) -> Option<Vec<u8>> {
    if !matches!(asset.status, AssetStatus::Generated | AssetStatus::Completed) {
        return None;
    }
    store.read_file(asset).ok()
}

/// The newest intact asset of `kind` for concept `slot`, with its file.
pub(super) fn latest(
    store: &Store,
    session: &str,
    kind: AssetKind,
    slot: usize,
) -> Result<Option<(AssetRow, Vec<u8>)>, PipelineError> {
    let rows = store.assets(session, kind)?;
    Ok(rows.into_iter().rev().filter(|a| a.slot == slot).find_map(|a| intact(store, &a).map(|b| (a, b))))
}

pub(super) struct Run<'a> {
    pub(super) pipeline: &'a Pipeline,
    pub(super) session: String,
    pub(super) tx: UnboundedSender<ProgressEvent>,
    pub(super) cancel: CancelToken,
}

impl Run<'_> {
    pub(super) fn store(&self) -> &Store {
        &self.pipeline.store
    }

    fn backends(&self) -> &Backends {
        &self.pipeline.backends
    }

    pub(super) fn save_results(&self, results: &SessionResults) -> Result<(), PipelineError> {
        save_results(self.store(), &self.session, results)
    }

    pub(super) fn note(&self, stage: Stage, message: &str) {
        let _ = self.tx.send(ProgressEvent::Note { stage, message: message.to_string() });
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
        let rep = StageReporter::new(stage, self.tx.clone(), self.cancel.clone());
        rep.send(ProgressEvent::Started { stage, backend: backend.to_string() });
        test_pause(stage, &self.cancel);
        let result = if self.cancel.is_cancelled() { Err(StageError::Cancelled) } else { work(&rep) };
        match result {
            Ok(v) => {
                tracing::info!(session = %self.session, %stage, backend, elapsed_ms = rep.elapsed().as_millis() as u64, "done");
                rep.send(ProgressEvent::Finished { stage, elapsed: rep.elapsed() });
                Ok(v)
            }
            Err(source) => {
                tracing::warn!(session = %self.session, %stage, backend, error = %source, "failed");
                rep.send(ProgressEvent::Failed { stage, error: source.to_string() });
                Err(PipelineError::Stage { stage, source })
            }
        }
    }

    fn intact(&self, asset: &AssetRow) -> Option<Vec<u8>> {
        intact(self.store(), asset)
    }

    pub(super) fn latest(&self, kind: AssetKind, slot: usize) -> Result<Option<(AssetRow, Vec<u8>)>, PipelineError> {
        latest(self.store(), &self.session, kind, slot)
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

    /// The whole run up to `until`; returns the session as it now stands and, past the solid, the solid.
    pub(super) fn run(&self, until: Stage) -> Result<(Outcome, Session, Option<Solid>), PipelineError> {
        let mut s = self.pipeline.load(&self.session)?;
        for (stage, label) in self.backends().labels() {
            if s.params.origin.runs(stage) {
                s.results.backends.insert(stage.key().to_string(), label);
            }
        }
        let mut outcome = Outcome::new(&s);
        let origin = s.params.origin;
        if origin.runs(Stage::Ideation) {
            self.ideas(&s)?;
            outcome.concepts = self.concepts()?.into_iter().map(|(_, c)| c).collect();
            if until <= Stage::Ideation {
                return Ok((outcome, s, None));
            }
            self.images(&s.params)?;
            if until <= Stage::Images {
                return Ok((outcome, s, None));
            }
        }
        if until < origin.first_stage() {
            return Ok((outcome, s, None));
        }
        let slot = self.pick(&mut s)?;
        outcome.chosen = Some(slot);
        let raw = match origin {
            Origin::Model => self.saved_model(slot)?,
            Origin::Facts | Origin::Picture => {
                let cutout = self.cutout(slot)?;
                if until <= Stage::Matting {
                    return Ok((outcome, s, None));
                }
                // Motif geometry only for concepts the offline image backend drew; a person's own
                // picture goes to image-to-3D as it is.
                let concept = match origin {
                    Origin::Facts => outcome.concepts.get(slot).cloned(),
                    _ => None,
                };
                self.shape(&s.params, slot, &cutout, concept.as_ref())?
            }
        };
        if until <= Stage::Shape {
            return Ok((outcome, s, None));
        }
        let solid = self.solid(&mut s, slot, &raw)?;
        if until >= Stage::Slicing {
            self.slice(&mut s, slot, &solid)?;
        }
        if until >= Stage::Pricing {
            self.price(&mut s)?;
        }
        outcome.results = s.results.clone();
        Ok((outcome, s, Some(solid)))
    }

    fn ideas(&self, s: &Session) -> Result<(), PipelineError> {
        if self.concepts()?.len() == 4 {
            self.skipped(Stage::Ideation);
            return Ok(());
        }
        let ideator = &self.backends().ideator;
        let concepts =
            self.stage(Stage::Ideation, &crate::stage::described(ideator.name(), ideator.model()), |rep| {
                let cs = ideator.concepts(&s.facts, s.params.seed, rep)?;
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
        let images = &self.backends().images;
        let total = pending.len();
        self.stage(Stage::Images, &crate::stage::described(images.name(), images.model()), |rep| {
            let queue = std::sync::Mutex::new(pending.iter());
            let done = std::sync::atomic::AtomicUsize::new(0);
            let failures = std::sync::Mutex::new(Vec::new());
            // Each picture is saved as it arrives, so its card fills in while the others are drawn.
            let worker = || loop {
                let next = queue.lock().ok().and_then(|mut q| q.next());
                let Some((asset, concept)) = next else { return };
                if rep.is_cancelled() {
                    return;
                }
                rep.note(&format!("drawing concept {}: {}", asset.slot + 1, concept.title));
                match self.draw(asset, concept, params.image_seed(asset.slot), rep) {
                    Ok(()) => {
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        rep.step(n, total, &format!("concept {} drawn", asset.slot + 1));
                    }
                    Err(StageError::Cancelled) => return,
                    Err(e) => {
                        let message = e.to_string();
                        let _ = self.store().finish_asset(&asset.id, AssetStatus::Failed, None, Some(&message));
                        rep.note(&format!("concept {} could not be drawn: {message}", asset.slot + 1));
                        if let Ok(mut f) = failures.lock() {
                            f.push((asset.slot, message));
                        }
                    }
                }
            };
            let workers = images.parallel().clamp(1, total);
            std::thread::scope(|scope| {
                for _ in 1..workers {
                    scope.spawn(worker);
                }
                worker();
            });
            if rep.is_cancelled() {
                return Err(StageError::Cancelled);
            }
            let failures = failures.into_inner().unwrap_or_default();
            match failures.as_slice() {
                [] => Ok(()),
                [(slot, message)] if total == 1 => {
                    Err(StageError::Failed(format!("concept {} could not be drawn: {message}", slot + 1)))
                }
                [(_, first), ..] => Err(StageError::Failed(format!(
                    "{} of {total} pictures could not be drawn ({first}); the others are saved: press r on a card to \
                     try it again",
                    failures.len()
                ))),
            }
        })?;
        self.store().set_step(&self.session, Some(Stage::Images))?;
        Ok(())
    }

    /// Draws one concept and saves its picture.
    fn draw(&self, asset: &AssetRow, concept: &Concept, seed: u64, rep: &StageReporter) -> Result<(), StageError> {
        let img = self.backends().images.generate(concept, seed, rep)?;
        let png = encode_png(&img)?;
        let saved = self.store().put_file(&png, "png").and_then(|(rel, sha)| {
            self.store().finish_asset(&asset.id, AssetStatus::Generated, Some((&rel, &sha)), None)
        });
        saved.map_err(|e| StageError::Failed(e.to_string()))
    }

    /// The concept to make: the person's pick for facts, the one picture or model otherwise.
    fn pick(&self, s: &mut Session) -> Result<usize, PipelineError> {
        let slot = match s.params.origin {
            Origin::Facts => {
                let slot = s.params.pick.or(s.chosen).ok_or(PipelineError::NeedsPick)?;
                if slot >= self.concepts()?.len() {
                    return Err(PipelineError::NeedsPick);
                }
                slot
            }
            Origin::Picture | Origin::Model => 0,
        };
        if s.chosen != Some(slot) {
            self.store().set_chosen_concept(&self.session, Some(slot))?;
            s.chosen = Some(slot);
        }
        s.params.pick = Some(slot);
        Ok(slot)
    }

    /// The picture (concept image or own picture) of `slot`, cut out.
    fn cutout(&self, slot: usize) -> Result<image::RgbaImage, PipelineError> {
        if let Some((_, bytes)) = self.latest(AssetKind::Cutout, slot)? {
            self.skipped(Stage::Matting);
            return decode_png(&bytes).map(|i| i.to_rgba8()).map_err(PipelineError::at(Stage::Matting));
        }
        let (_, picture) = self.latest(AssetKind::ConceptImage, slot)?.ok_or_else(|| {
            PipelineError::at(Stage::Matting)(StageError::Failed(
                "the picture to cut out is missing from the data dir; draw it again (r in the gallery) or import it again".into(),
            ))
        })?;
        let matting = &self.backends().matting;
        let cut = self.stage(Stage::Matting, matting.name(), |rep| {
            let img = decode_png(&picture)?.to_rgba8();
            matting.cut_out(&img, rep)
        })?;
        self.save(AssetKind::Cutout, slot, &encode_png(&cut).map_err(PipelineError::at(Stage::Matting))?, "png")?;
        self.store().set_step(&self.session, Some(Stage::Matting))?;
        Ok(cut)
    }

    fn shape(
        &self,
        params: &SessionParams,
        slot: usize,
        cutout: &image::RgbaImage,
        concept: Option<&Concept>,
    ) -> Result<Mesh, PipelineError> {
        if let Some((_, bytes)) = self.latest(AssetKind::RawMesh, slot)? {
            self.skipped(Stage::Shape);
            return read_mesh(&bytes).map_err(PipelineError::at(Stage::Shape));
        }
        let shape = &self.backends().shape;
        let mesh = self.stage(Stage::Shape, &crate::stage::described(shape.name(), shape.model()), |rep| {
            let input = ShapeInput { cutout, concept, seed: params.image_seed(slot) };
            shape.generate(&input, rep)
        })?;
        let stl = crate::mesh::io::stl_bytes(&mesh);
        self.save(AssetKind::RawMesh, slot, &stl, "stl")?;
        self.store().set_step(&self.session, Some(Stage::Shape))?;
        // Carried on as the STL holds it, so a fresh run, a resumed one and `memoreez solid --raw`
        // on the same file all make the same solid.
        read_mesh(&stl).map_err(PipelineError::at(Stage::Shape))
    }

    /// A person's own model, saved as the raw mesh when the session was created.
    fn saved_model(&self, slot: usize) -> Result<Mesh, PipelineError> {
        let (_, bytes) = self.latest(AssetKind::RawMesh, slot)?.ok_or_else(|| {
            PipelineError::at(Stage::Shape)(StageError::Failed(
                "the imported model is missing from the data dir; import the file again".into(),
            ))
        })?;
        self.skipped(Stage::Shape);
        read_mesh(&bytes).map_err(PipelineError::at(Stage::Shape))
    }

    /// The printable solid; its saved form is only valid for the spec it was made with, which
    /// `invalidate_from` forgets after an edit.
    fn solid(&self, s: &mut Session, slot: usize, raw: &Mesh) -> Result<Solid, PipelineError> {
        let saved = self.latest(AssetKind::FinalMesh, slot)?.filter(|_| s.results.printability.is_some());
        if let Some((asset, stl)) = saved {
            self.skipped(Stage::Fabrication);
            let solid = Solid::from_saved(self.store(), asset, stl)?;
            if s.results.solid_sha256.as_deref() != Some(solid.sha256.as_str()) {
                s.results.solid_sha256 = Some(solid.sha256.clone());
                self.save_results(&s.results)?;
            }
            return Ok(solid);
        }
        let fab = &self.backends().fab;
        let printable =
            self.stage(Stage::Fabrication, fab.name(), |rep| fab.make_printable(raw, &s.params.fab, rep))?;
        let stl = crate::mesh::io::stl_bytes(&printable.mesh);
        let asset = self.save(AssetKind::FinalMesh, slot, &stl, "stl")?;
        let solid = Solid::from_saved(self.store(), asset, stl)?;
        s.results.printability = Some(printable.report);
        s.results.solid_sha256 = Some(solid.sha256.clone());
        s.results.slice = None;
        s.results.quote = None;
        self.save_results(&s.results)?;
        self.store().set_step(&self.session, Some(Stage::Fabrication))?;
        Ok(solid)
    }

    fn slice(&self, s: &mut Session, slot: usize, solid: &Solid) -> Result<(), PipelineError> {
        if s.results.slice.is_some() {
            self.skipped(Stage::Slicing);
            return Ok(());
        }
        let root = self.store().root();
        let tmp = tempfile::Builder::new()
            .suffix(".gcode")
            .tempfile_in(root)
            .map_err(|e| StoreError::from_io("creating a temporary file in", root, e))?;
        let slicer = &self.backends().slicer;
        let (stats, wrote_gcode) =
            self.stage(Stage::Slicing, slicer.name(), |rep| slicer.slice(&solid.mesh, &solid.path, tmp.path(), rep))?;
        if wrote_gcode {
            let bytes = std::fs::read(tmp.path()).map_err(|e| StoreError::from_io("reading", tmp.path(), e))?;
            self.save(AssetKind::Gcode, slot, &bytes, "gcode")?;
        }
        s.results.slice = Some(stats);
        self.save_results(&s.results)?;
        self.store().set_step(&self.session, Some(Stage::Slicing))?;
        Ok(())
    }

    fn price(&self, s: &mut Session) -> Result<(), PipelineError> {
        let grams = s.results.slice.as_ref().map_or(0.0, |st| st.grams);
        let quote = self.backends().rates.quote(grams, s.params.region);
        if s.results.quote.as_ref() == Some(&quote) {
            self.skipped(Stage::Pricing);
            return Ok(());
        }
        self.stage(Stage::Pricing, "rates", |_| Ok(()))?;
        s.results.quote = Some(quote);
        self.save_results(&s.results)?;
        self.store().set_step(&self.session, Some(Stage::Pricing))?;
        Ok(())
    }
}

/// Results are plain data; serialising them cannot fail, so a failure would be a bug worth surfacing.
pub(super) fn save_results(store: &Store, session: &str, results: &SessionResults) -> Result<(), PipelineError> {
    let json = serde_json::to_value(results).map_err(StoreError::from)?;
    Ok(store.set_results(session, &json)?)
}

pub(super) fn encode_png(img: &image::RgbaImage) -> Result<Vec<u8>, StageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| StageError::Failed(format!("encoding PNG: {e}")))?;
    Ok(out.into_inner())
}

fn decode_png(bytes: &[u8]) -> Result<image::DynamicImage, StageError> {
    image::load_from_memory(bytes).map_err(|e| StageError::Failed(format!("a saved image could not be read: {e}")))
}

pub(super) fn read_mesh(bytes: &[u8]) -> Result<Mesh, StageError> {
    crate::mesh::io::read_stl(bytes).map_err(|e| StageError::Failed(format!("a saved mesh could not be read: {e}")))
}

impl Pipeline {
    pub fn new(store: Arc<Store>, backends: Arc<Backends>) -> Self {
        Self { store, backends }
    }

    /// A session read once, typed; a damaged row is an error that names it.
    pub fn load(&self, id: &str) -> Result<Session, PipelineError> {
        Ok(Session::from_row(self.store.session(id)?)?)
    }

    /// Saves new choices for a session (they drive its next run).
    pub fn save_params(&self, id: &str, params: &SessionParams) -> Result<(), PipelineError> {
        let json = serde_json::to_value(params).map_err(StoreError::from)?;
        Ok(self.store.set_params(id, &json)?)
    }

    fn runner(&self, session: &str, tx: UnboundedSender<ProgressEvent>, cancel: CancelToken) -> Run<'_> {
        Run { pipeline: self, session: session.to_string(), tx, cancel }
    }

    /// Runs the session up to and including `until`, on the calling thread. Front ends use [`Pipeline::spawn`].
    pub fn run_blocking(
        &self,
        session: &str,
        until: Stage,
        tx: UnboundedSender<ProgressEvent>,
        cancel: CancelToken,
    ) -> Result<Outcome, PipelineError> {
        self.runner(session, tx, cancel).run(until).map(|(outcome, _, _)| outcome)
    }

    /// Runs every stage, then delivers: the files the session asks for, and its order when it asks
    /// for one that is not placed yet for this solid.
    pub fn finish_blocking(
        &self,
        session: &str,
        tx: UnboundedSender<ProgressEvent>,
        cancel: CancelToken,
    ) -> Result<Outcome, PipelineError> {
        let run = self.runner(session, tx, cancel);
        let (mut outcome, mut s, solid) = run.run(Stage::Pricing)?;
        let solid = solid.expect("a run to the price makes the solid");
        run.deliver(&mut s, &solid, &mut outcome)?;
        Ok(outcome)
    }

    /// Runs the session in the background up to `until`, or to the end with delivery when
    /// `deliver`; progress arrives on `tx`, `cancel` stops it between steps.
    pub fn spawn(
        &self,
        session: String,
        until: Stage,
        deliver: bool,
        tx: UnboundedSender<ProgressEvent>,
        cancel: CancelToken,
    ) -> tokio::task::JoinHandle<Result<Outcome, PipelineError>> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            if deliver {
                me.finish_blocking(&session, tx, cancel)
            } else {
                me.run_blocking(&session, until, tx, cancel)
            }
        })
    }

    /// Forgets the outputs from `stage` on, so the next run redoes them (after an edit). An order
    /// placed earlier stays, recorded against the solid it was for.
    pub fn invalidate_from(&self, session: &str, stage: Stage) -> Result<(), PipelineError> {
        let s = self.load(session)?;
        let mut results = s.results;
        let later: Vec<AssetKind> = [
            (Stage::Images, AssetKind::ConceptImage),
            (Stage::Matting, AssetKind::Cutout),
            (Stage::Shape, AssetKind::RawMesh),
            (Stage::Fabrication, AssetKind::FinalMesh),
            (Stage::Slicing, AssetKind::Gcode),
        ]
        .into_iter()
        // Ideas and images share their rows: images are redrawn by clearing their files, and the
        // rows go only with new ideas.
        .filter(|(made_by, kind)| stage == Stage::Ideation || (*kind != AssetKind::ConceptImage && *made_by >= stage))
        // A person's own picture or model is where the session starts, never redone.
        .filter(|(made_by, _)| s.params.origin.runs(*made_by))
        .map(|(_, kind)| kind)
        .collect();
        self.store.drop_assets(&s.id, &later)?;
        if stage <= Stage::Fabrication {
            results.printability = None;
            results.solid_sha256 = None;
        }
        if stage <= Stage::Slicing {
            results.slice = None;
        }
        results.quote = None;
        save_results(&self.store, &s.id, &results)?;
        let before = Stage::ALL.iter().copied().rfind(|st| *st < stage);
        if s.step.is_some_and(|st| st >= stage) {
            self.store.set_step(&s.id, before)?;
        }
        Ok(())
    }
}
