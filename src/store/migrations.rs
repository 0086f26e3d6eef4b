//! Numbered schema migrations, applied in order inside one transaction each; `PRAGMA user_version`
//! records the last one applied.

use rusqlite::Connection;

/// Each entry moves the schema from version `index` to `index + 1`. Never edit a shipped entry: add one.
pub const MIGRATIONS: &[&str] = &[
    // 1: the three tables of DESIGN section 7.
    r#"
    CREATE TABLE sessions (
        id             TEXT PRIMARY KEY,
        step           TEXT NOT NULL DEFAULT 'new',
        facts          TEXT NOT NULL,
        params         TEXT NOT NULL,
        chosen_concept INTEGER,
        results        TEXT NOT NULL DEFAULT '{}',
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );
    CREATE TABLE assets (
        id         TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL CHECK (kind IN
                     ('concept_image', 'cutout', 'raw_mesh', 'final_mesh', 'gcode', 'preview')),
        slot       INTEGER NOT NULL DEFAULT 0,
        title      TEXT,
        style      TEXT,
        prompt     TEXT,
        status     TEXT NOT NULL CHECK (status IN ('generated', 'processing', 'completed', 'failed')),
        error      TEXT,
        path       TEXT,
        sha256     TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX assets_by_session ON assets(session_id, kind, slot);
    CREATE TABLE orders (
        id             TEXT PRIMARY KEY,
        session_id     TEXT NOT NULL REFERENCES sessions(id),
        state          TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'printing', 'shipped', 'cancelled')),
        email          TEXT NOT NULL,
        region         TEXT NOT NULL CHECK (region IN ('eu', 'international')),
        address        TEXT NOT NULL DEFAULT '',
        currency       TEXT NOT NULL,
        material_cents INTEGER NOT NULL,
        service_cents  INTEGER NOT NULL,
        shipping_cents INTEGER NOT NULL,
        total_cents    INTEGER NOT NULL,
        grams          REAL NOT NULL,
        minutes        REAL NOT NULL,
        stl_path       TEXT,
        threemf_path   TEXT,
        gcode_path     TEXT,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );
    CREATE TABLE order_events (
        order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        state    TEXT NOT NULL,
        at       TEXT NOT NULL
    );
    "#,
    // 2: an order records the solid it was priced on, so an edited piece no longer reads as ordered;
    // sessions imported before origins were typed get theirs, and keep their picture once.
    r#"
    ALTER TABLE orders ADD COLUMN solid_sha256 TEXT;
    UPDATE sessions SET params = json_set(params, '$.origin',
        CASE json_extract(facts, '$.hobbies') WHEN 'own picture' THEN 'picture' ELSE 'model' END)
    WHERE json_valid(params) AND json_valid(facts)
      AND json_extract(facts, '$.hobbies') IN ('own picture', 'own model');
    DELETE FROM assets WHERE kind = 'concept_image' AND slot > 0 AND session_id IN
        (SELECT id FROM sessions WHERE json_valid(params) AND json_extract(params, '$.origin') IN ('picture', 'model'));
    "#,
];

/// Brings the database up to the newest schema. Refuses a database made by a newer memoreez.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<MigrateOutcome> {
    let current: usize = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Ok(MigrateOutcome::TooNew { found: current, known: MIGRATIONS.len() });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(MigrateOutcome::Current)
}

#[derive(Debug, PartialEq, Eq)]
pub enum MigrateOutcome {
    Current,
    TooNew { found: usize, known: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_on_an_empty_database_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MigrateOutcome::Current);
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        assert_eq!(migrate(&mut conn).unwrap(), MigrateOutcome::Current);
        for table in ["sessions", "assets", "orders", "order_events"] {
            let n: i64 =
                conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = ?1", [table], |r| r.get(0)).unwrap();
            assert_eq!(n, 1, "{table} missing");
        }
    }

    #[test]
    fn a_newer_schema_is_reported_not_touched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MigrateOutcome::TooNew { found: 99, known: MIGRATIONS.len() });
    }

    #[test]
    fn asset_kinds_are_checked() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO sessions (id, facts, params, created_at, updated_at) VALUES ('s', '{}', '{}', 't', 't')",
            [],
        )
        .unwrap();
        let bad = conn.execute(
            "INSERT INTO assets (id, session_id, kind, status, created_at, updated_at)
             VALUES ('a', 's', 'poster', 'generated', 't', 't')",
            [],
        );
        assert!(bad.is_err());
    }
}
