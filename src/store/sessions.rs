//! Sessions and their assets.

use super::{now, Store, StoreError};
use crate::domain::{Facts, Stage, Style};
use rusqlite::{params, OptionalExtension, Row};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: String,
    /// The last stage whose output is saved; None for a session that has only its facts.
    pub step: Option<Stage>,
    /// The facts, choices (seed, pick, engraving, outputs) and results (printability, slice stats,
    /// price) as saved JSON text: the pipeline owns their shape and says when one is damaged.
    pub facts: String,
    pub params: String,
    pub chosen_concept: Option<usize>,
    pub results: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    ConceptImage,
    Cutout,
    RawMesh,
    FinalMesh,
    Gcode,
    Preview,
}

impl AssetKind {
    pub fn key(self) -> &'static str {
        match self {
            AssetKind::ConceptImage => "concept_image",
            AssetKind::Cutout => "cutout",
            AssetKind::RawMesh => "raw_mesh",
            AssetKind::FinalMesh => "final_mesh",
            AssetKind::Gcode => "gcode",
            AssetKind::Preview => "preview",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [
            AssetKind::ConceptImage,
            AssetKind::Cutout,
            AssetKind::RawMesh,
            AssetKind::FinalMesh,
            AssetKind::Gcode,
            AssetKind::Preview,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetStatus {
    Generated,
    Processing,
    Completed,
    Failed,
}

impl AssetStatus {
    pub fn key(self) -> &'static str {
        match self {
            AssetStatus::Generated => "generated",
            AssetStatus::Processing => "processing",
            AssetStatus::Completed => "completed",
            AssetStatus::Failed => "failed",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [AssetStatus::Generated, AssetStatus::Processing, AssetStatus::Completed, AssetStatus::Failed]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssetRow {
    pub id: String,
    pub session_id: String,
    pub kind: AssetKind,
    /// Which concept (0..4) a concept image, cut-out or mesh belongs to.
    pub slot: usize,
    pub title: Option<String>,
    pub style: Option<Style>,
    pub prompt: Option<String>,
    pub status: AssetStatus,
    pub error: Option<String>,
    pub path: Option<PathBuf>,
    pub sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn bad_column(i: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.to_string().into())
}

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let step: String = r.get(1)?;
    Ok(SessionRow {
        id: r.get(0)?,
        step: Stage::from_key(&step),
        facts: r.get(2)?,
        params: r.get(3)?,
        chosen_concept: r.get::<_, Option<i64>>(4)?.map(|c| c as usize),
        results: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

fn asset_from_row(r: &Row<'_>) -> rusqlite::Result<AssetRow> {
    let kind: String = r.get(2)?;
    let style: Option<String> = r.get(5)?;
    let status: String = r.get(7)?;
    Ok(AssetRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        kind: AssetKind::from_key(&kind).ok_or_else(|| bad_column(2, "kind"))?,
        slot: r.get::<_, i64>(3)? as usize,
        title: r.get(4)?,
        style: style.as_deref().and_then(Style::parse),
        prompt: r.get(6)?,
        status: AssetStatus::from_key(&status).ok_or_else(|| bad_column(7, "status"))?,
        error: r.get(8)?,
        path: r.get::<_, Option<String>>(9)?.map(PathBuf::from),
        sha256: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

const SESSION_COLS: &str = "id, step, facts, params, chosen_concept, results, created_at, updated_at";
const ASSET_COLS: &str =
    "id, session_id, kind, slot, title, style, prompt, status, error, path, sha256, created_at, updated_at";

/// A new asset's descriptive fields.
#[derive(Debug, Clone, Default)]
pub struct NewAsset<'a> {
    pub slot: usize,
    pub title: Option<&'a str>,
    pub style: Option<crate::domain::Style>,
    pub prompt: Option<&'a str>,
}

impl Store {
    pub fn create_session(&self, facts: &Facts, params: &serde_json::Value) -> Result<SessionRow, StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let t = now();
        self.conn()
            .execute(
                "INSERT INTO sessions (id, step, facts, params, created_at, updated_at)
                 VALUES (?1, 'new', ?2, ?3, ?4, ?4)",
                params![id, serde_json::to_string(facts)?, params.to_string(), t],
            )
            .map_err(|e| self.sql(e))?;
        self.session(&id)
    }

    /// Finds a session by its id or a unique prefix of it.
    pub fn session(&self, id_or_prefix: &str) -> Result<SessionRow, StoreError> {
        let prefix =
            super::id_prefix(id_or_prefix).ok_or_else(|| StoreError::NoSuchSession(id_or_prefix.to_string()))?;
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {SESSION_COLS} FROM sessions WHERE id LIKE ?1 || '%' LIMIT 2"))
            .map_err(|e| self.sql(e))?;
        let rows: Vec<SessionRow> =
            stmt.query_map([&prefix], session_from_row).and_then(|rows| rows.collect()).map_err(|e| self.sql(e))?;
        match rows.len() {
            0 => Err(StoreError::NoSuchSession(id_or_prefix.to_string())),
            1 => Ok(rows.into_iter().next().expect("one row")),
            _ => Err(StoreError::AmbiguousId(id_or_prefix.to_string())),
        }
    }

    /// All sessions, most recently updated first.
    pub fn list_sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {SESSION_COLS} FROM sessions ORDER BY updated_at DESC"))
            .map_err(|e| self.sql(e))?;
        let rows = stmt.query_map([], session_from_row).and_then(|rows| rows.collect());
        rows.map_err(|e| self.sql(e))
    }

    pub fn set_step(&self, id: &str, step: Option<Stage>) -> Result<(), StoreError> {
        let key = step.map(Stage::key).unwrap_or("new");
        self.update_session(id, "step", &key)
    }

    pub fn set_params(&self, id: &str, params: &serde_json::Value) -> Result<(), StoreError> {
        self.update_session(id, "params", &params.to_string())
    }

    pub fn set_results(&self, id: &str, results: &serde_json::Value) -> Result<(), StoreError> {
        self.update_session(id, "results", &results.to_string())
    }

    pub fn set_facts(&self, id: &str, facts: &Facts) -> Result<(), StoreError> {
        self.update_session(id, "facts", &serde_json::to_string(facts)?)
    }

    pub fn set_chosen_concept(&self, id: &str, slot: Option<usize>) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE sessions SET chosen_concept = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, slot.map(|s| s as i64), now()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    fn update_session(&self, id: &str, column: &'static str, value: &dyn rusqlite::ToSql) -> Result<(), StoreError> {
        let n = self
            .conn()
            .execute(
                &format!("UPDATE sessions SET {column} = ?2, updated_at = ?3 WHERE id = ?1"),
                params![id, value, now()],
            )
            .map_err(|e| self.sql(e))?;
        if n == 0 {
            return Err(StoreError::NoSuchSession(id.to_string()));
        }
        Ok(())
    }

    /// Records an asset, with its file when it has one.
    pub fn add_asset(
        &self,
        session: &str,
        kind: AssetKind,
        fields: &NewAsset<'_>,
        status: AssetStatus,
        file: Option<(&std::path::Path, &str)>,
    ) -> Result<AssetRow, StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let t = now();
        self.conn()
            .execute(
                &format!("INSERT INTO assets ({ASSET_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?10, ?11, ?11)"),
                params![
                    id,
                    session,
                    kind.key(),
                    fields.slot as i64,
                    fields.title,
                    fields.style.map(|s| s.label()),
                    fields.prompt,
                    status.key(),
                    file.map(|(p, _)| p.to_string_lossy().into_owned()),
                    file.map(|(_, sha)| sha),
                    t
                ],
            )
            .map_err(|e| self.sql(e))?;
        self.asset(&id)
    }

    pub fn asset(&self, id: &str) -> Result<AssetRow, StoreError> {
        let conn = self.conn();
        conn.query_row(&format!("SELECT {ASSET_COLS} FROM assets WHERE id = ?1"), [id], asset_from_row)
            .map_err(|e| self.sql(e))
    }

    /// Marks an asset done with its file, or failed with the reason.
    pub fn finish_asset(
        &self,
        id: &str,
        status: AssetStatus,
        file: Option<(&std::path::Path, &str)>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE assets SET status = ?2, path = COALESCE(?3, path), sha256 = COALESCE(?4, sha256),
                 error = ?5, updated_at = ?6 WHERE id = ?1",
                params![
                    id,
                    status.key(),
                    file.map(|(p, _)| p.to_string_lossy().into_owned()),
                    file.map(|(_, sha)| sha),
                    error,
                    now()
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Forgets an asset's file so its stage makes it again (a regenerated concept image).
    pub fn clear_asset_file(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE assets SET path = NULL, sha256 = NULL, status = 'processing', error = NULL, updated_at = ?2
                 WHERE id = ?1",
                params![id, now()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// A session's assets of one kind, by slot then age.
    pub fn assets(&self, session: &str, kind: AssetKind) -> Result<Vec<AssetRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {ASSET_COLS} FROM assets WHERE session_id = ?1 AND kind = ?2 ORDER BY slot, created_at, rowid"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = stmt.query_map(params![session, kind.key()], asset_from_row).and_then(|rows| rows.collect());
        rows.map_err(|e| self.sql(e))
    }

    /// Forgets a session's assets of these kinds (their files stay: other sessions may share them).
    pub fn drop_assets(&self, session: &str, kinds: &[AssetKind]) -> Result<(), StoreError> {
        let conn = self.conn();
        for kind in kinds {
            conn.execute("DELETE FROM assets WHERE session_id = ?1 AND kind = ?2", params![session, kind.key()])
                .map_err(|e| self.sql(e))?;
        }
        Ok(())
    }

    /// Forgets one asset row.
    pub fn drop_asset(&self, id: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM assets WHERE id = ?1", [id]).map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// True when the session exists (used before long work to fail early).
    pub fn has_session(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row("SELECT 1 FROM sessions WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Occasion;

    fn facts() -> Facts {
        Facts {
            name: "Dad".into(),
            hobbies: "tennis, coffee".into(),
            quirk: String::new(),
            occasion: Some(Occasion::Birthday),
        }
    }

    #[test]
    fn sessions_round_trip_and_resolve_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let s = store.create_session(&facts(), &serde_json::json!({"seed": 7})).unwrap();
        assert_eq!(s.step, None);
        assert_eq!(serde_json::from_str::<Facts>(&s.facts).unwrap(), facts());
        store.set_step(&s.id, Some(Stage::Images)).unwrap();
        store.set_chosen_concept(&s.id, Some(1)).unwrap();
        let back = store.session(&s.id[..6]).unwrap();
        assert_eq!(back.step, Some(Stage::Images));
        assert_eq!(back.chosen_concept, Some(1));
        assert_eq!(back.params, r#"{"seed":7}"#);
        assert!(matches!(store.session("zz"), Err(StoreError::NoSuchSession(_))));
        assert!(matches!(store.session("0000000000"), Err(StoreError::NoSuchSession(_))));
        assert_eq!(store.list_sessions().unwrap().len(), 1);
    }

    #[test]
    fn assets_keep_their_fields_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let s = store.create_session(&facts(), &serde_json::json!({})).unwrap();
        let fields = NewAsset { slot: 2, title: Some("Ace"), style: Some(Style::Heroic), prompt: Some("a racket") };
        let a = store.add_asset(&s.id, AssetKind::ConceptImage, &fields, AssetStatus::Processing, None).unwrap();
        assert_eq!((a.slot, a.style, a.status), (2, Some(Style::Heroic), AssetStatus::Processing));
        let (rel, sha) = store.put_file(b"png bytes", "png").unwrap();
        store.finish_asset(&a.id, AssetStatus::Generated, Some((&rel, &sha)), None).unwrap();
        let a = store.asset(&a.id).unwrap();
        assert_eq!(store.read_file(&a).unwrap(), b"png bytes");
        assert_eq!(store.assets(&s.id, AssetKind::ConceptImage).unwrap().len(), 1);
        store.drop_assets(&s.id, &[AssetKind::ConceptImage]).unwrap();
        assert!(store.assets(&s.id, AssetKind::ConceptImage).unwrap().is_empty());
    }

    #[test]
    fn a_corrupt_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"this is not sqlite at all, just some bytes that were here before".repeat(100);
        std::fs::write(dir.path().join(super::super::DB_FILE), &garbage).unwrap();
        let err = Store::open(dir.path()).err().expect("must refuse");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(std::fs::read(dir.path().join(super::super::DB_FILE)).unwrap(), garbage);
    }
}
