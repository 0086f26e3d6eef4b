//! Delivery, the end of the journey: the files a person asked for, and the order. An order records
//! the solid it was priced on, so an edited piece is never shown as ordered.

use super::runner::{latest, PipelineError, Run, Solid};
use super::session::{OutputFiles, Outputs, Session};
use super::{Outcome, Pipeline};
use crate::domain::Stage;
use crate::mesh::Mesh;
use crate::stage::StageError;
use crate::store::{AssetKind, NewOrder};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, making its folder; the error tells how to get the file later.
fn write_file(session: &str, path: &Path, bytes: &[u8]) -> Result<(), PipelineError> {
    let short: String = session.chars().take(8).collect();
    let export = |source| PipelineError::Export { path: path.to_path_buf(), session: short.clone(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(export)?;
    }
    crate::store::files::write_atomic(path, bytes).map_err(export)
}

fn threemf(mesh: &Mesh) -> Result<Vec<u8>, PipelineError> {
    crate::mesh::threemf::threemf_bytes(mesh)
        .map_err(|e| PipelineError::at(Stage::Fabrication)(StageError::Failed(e.to_string())))
}

/// Writes the solid (and its G-code, where there is some) to the paths asked for; what could not be
/// written is said in the result's notes.
fn export(session: &str, outputs: &Outputs, solid: &Solid, gcode: Option<&[u8]>) -> Result<OutputFiles, PipelineError> {
    let mut files = OutputFiles::default();
    if let Some(path) = &outputs.stl {
        write_file(session, path, &solid.stl)?;
        files.stl = Some(path.clone());
    }
    if let Some(path) = &outputs.threemf {
        write_file(session, path, &threemf(&solid.mesh)?)?;
        files.threemf = Some(path.clone());
    }
    match (&outputs.gcode, gcode) {
        (Some(path), Some(g)) => {
            write_file(session, path, g)?;
            files.gcode = Some(path.clone());
        }
        (Some(path), None) => files.notes.push(format!(
            "no G-code for {}: the print was estimated, not sliced; install PrusaSlicer to get G-code",
            path.display()
        )),
        (None, _) => {}
    }
    Ok(files)
}

impl Run<'_> {
    fn gcode(&self, slot: usize) -> Result<Option<Vec<u8>>, PipelineError> {
        Ok(self.latest(AssetKind::Gcode, slot)?.map(|(_, bytes)| bytes))
    }

    /// The files the session asks for, then its order when it asks for one not yet placed for this solid.
    pub(super) fn deliver(&self, s: &mut Session, solid: &Solid, outcome: &mut Outcome) -> Result<(), PipelineError> {
        let slot = s.chosen.unwrap_or(0);
        let gcode = self.gcode(slot)?;
        outcome.files = export(&self.session, &s.params.outputs, solid, gcode.as_deref())?;
        for note in &outcome.files.notes {
            self.note(Stage::Pricing, note);
        }
        if s.params.order.is_some() && !s.results.order_is_current() {
            self.place_order(s, solid, gcode.as_deref())?;
        }
        outcome.results = s.results.clone();
        Ok(())
    }

    fn place_order(&self, s: &mut Session, solid: &Solid, gcode: Option<&[u8]>) -> Result<(), PipelineError> {
        let (Some(req), Some(quote)) = (&s.params.order, &s.results.quote) else {
            return Ok(());
        };
        let (grams, minutes) = s.results.slice.as_ref().map_or((0.0, 0.0), |st| (st.grams, st.minutes));
        let order = self.store().create_order(&NewOrder {
            session_id: s.id.clone(),
            email: req.email.clone(),
            region: s.params.region,
            address: req.address.clone(),
            currency: quote.currency.clone(),
            material_cents: quote.material_cents,
            service_cents: quote.service_cents,
            shipping_cents: quote.shipping_cents,
            total_cents: quote.total_cents,
            grams,
            minutes,
            solid_sha256: solid.sha256.clone(),
        })?;
        let dir = self.store().order_dir(&order.id);
        let rel = |name: &str| PathBuf::from("orders").join(&order.id).join(name);
        write_file(&s.id, &dir.join("model.stl"), &solid.stl)?;
        write_file(&s.id, &dir.join("model.3mf"), &threemf(&solid.mesh)?)?;
        // A picture of what was ordered, for the person and the print shop.
        let still = crate::render::still(&solid.mesh, 800, 600, [255; 3]);
        let picture = crate::render::encode::png_bytes(&still)
            .map_err(|e| PipelineError::at(Stage::Pricing)(StageError::Failed(e.to_string())))?;
        write_file(&s.id, &dir.join("preview.png"), &picture)?;
        let gcode_rel = match gcode {
            Some(g) => {
                write_file(&s.id, &dir.join("model.gcode"), g)?;
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
        tracing::info!(session = %s.id, order = %order.id, solid = %solid.sha256, "order placed");
        s.results.order_id = Some(order.id);
        s.results.ordered_solid_sha256 = Some(solid.sha256.clone());
        self.save_results(&s.results)
    }
}

impl Pipeline {
    /// Writes a session's saved solid (and G-code, where sliced) to the paths asked for, without
    /// running anything: the studio's save key and `sessions --resume ID --out FILE`.
    pub fn save_files(&self, session: &str, outputs: &Outputs) -> Result<OutputFiles, PipelineError> {
        let s = self.load(session)?;
        let slot = s.chosen.unwrap_or(0);
        let (asset, stl) = latest(&self.store, &s.id, AssetKind::FinalMesh, slot)?
            .filter(|_| s.results.solid_sha256.is_some())
            .ok_or(PipelineError::NoSolid)?;
        let solid = Solid::from_saved(&self.store, asset, stl)?;
        let gcode = latest(&self.store, &s.id, AssetKind::Gcode, slot)?.map(|(_, g)| g);
        export(&s.id, outputs, &solid, gcode.as_deref())
    }
}
