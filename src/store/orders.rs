//! Orders and their life: pending -> paid -> printing -> shipped, or cancelled before shipping.

use super::{now, Store, StoreError};
use crate::domain::Region;
use rusqlite::{params, Row};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderState {
    Pending,
    Paid,
    Printing,
    Shipped,
    Cancelled,
}

impl OrderState {
    pub const ALL: [OrderState; 5] =
        [OrderState::Pending, OrderState::Paid, OrderState::Printing, OrderState::Shipped, OrderState::Cancelled];

    pub fn key(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Paid => "paid",
            OrderState::Printing => "printing",
            OrderState::Shipped => "shipped",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|s| s.key() == text.trim().to_lowercase())
    }

    /// The states an order may move to from this one.
    pub fn next(self) -> &'static [OrderState] {
        match self {
            OrderState::Pending => &[OrderState::Paid, OrderState::Cancelled],
            OrderState::Paid => &[OrderState::Printing, OrderState::Cancelled],
            OrderState::Printing => &[OrderState::Shipped, OrderState::Cancelled],
            OrderState::Shipped | OrderState::Cancelled => &[],
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What an order needs when it is placed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    pub session_id: String,
    pub email: String,
    pub region: Region,
    pub address: String,
    pub currency: String,
    pub material_cents: i64,
    pub service_cents: i64,
    pub shipping_cents: i64,
    pub total_cents: i64,
    pub grams: f64,
    pub minutes: f64,
    /// SHA-256 of the solid's STL this order was priced on.
    pub solid_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRow {
    pub id: String,
    pub session_id: String,
    pub state: OrderState,
    pub email: String,
    pub region: Region,
    pub address: String,
    pub currency: String,
    pub material_cents: i64,
    pub service_cents: i64,
    pub shipping_cents: i64,
    pub total_cents: i64,
    pub grams: f64,
    pub minutes: f64,
    pub stl_path: Option<PathBuf>,
    pub threemf_path: Option<PathBuf>,
    pub gcode_path: Option<PathBuf>,
    /// SHA-256 of the solid's STL the order was priced on (None for orders from before it was kept).
    pub solid_sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Every state the order has been in, with when.
    pub history: Vec<(OrderState, String)>,
}

const ORDER_COLS: &str = "id, session_id, state, email, region, address, currency, material_cents, service_cents,
    shipping_cents, total_cents, grams, minutes, stl_path, threemf_path, gcode_path, created_at, updated_at,
    solid_sha256";

fn order_from_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    let bad = |i: usize| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, "bad value".into());
    let state: String = r.get(2)?;
    let region: String = r.get(4)?;
    let path = |i: usize| r.get::<_, Option<String>>(i).map(|p| p.map(PathBuf::from));
    Ok(OrderRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        state: OrderState::parse(&state).ok_or_else(|| bad(2))?,
        email: r.get(3)?,
        region: Region::parse(&region).ok_or_else(|| bad(4))?,
        address: r.get(5)?,
        currency: r.get(6)?,
        material_cents: r.get(7)?,
        service_cents: r.get(8)?,
        shipping_cents: r.get(9)?,
        total_cents: r.get(10)?,
        grams: r.get(11)?,
        minutes: r.get(12)?,
        stl_path: path(13)?,
        threemf_path: path(14)?,
        gcode_path: path(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
        solid_sha256: r.get(18)?,
        history: Vec::new(),
    })
}

impl Store {
    /// Places an order in state pending; its files are attached with [`Store::set_order_files`].
    pub fn create_order(&self, order: &NewOrder) -> Result<OrderRow, StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let t = now();
        {
            let mut conn = self.conn();
            let tx = conn.transaction().map_err(|e| self.sql(e))?;
            tx.execute(
                &format!("INSERT INTO orders ({ORDER_COLS}) VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, NULL, NULL, ?13, ?13, ?14)"),
                params![
                    id,
                    order.session_id,
                    order.email,
                    order.region.key(),
                    order.address,
                    order.currency,
                    order.material_cents,
                    order.service_cents,
                    order.shipping_cents,
                    order.total_cents,
                    order.grams,
                    order.minutes,
                    t,
                    order.solid_sha256
                ],
            )
            .map_err(|e| self.sql(e))?;
            tx.execute("INSERT INTO order_events (order_id, state, at) VALUES (?1, 'pending', ?2)", params![id, t])
                .map_err(|e| self.sql(e))?;
            tx.commit().map_err(|e| self.sql(e))?;
        }
        self.order(&id)
    }

    /// Records where the order's files were written (relative to the data dir).
    pub fn set_order_files(
        &self,
        id: &str,
        stl: Option<&std::path::Path>,
        threemf: Option<&std::path::Path>,
        gcode: Option<&std::path::Path>,
    ) -> Result<(), StoreError> {
        let s = |p: Option<&std::path::Path>| p.map(|p| p.to_string_lossy().into_owned());
        self.conn()
            .execute(
                "UPDATE orders SET stl_path = ?2, threemf_path = ?3, gcode_path = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, s(stl), s(threemf), s(gcode), now()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Finds an order by id or unique prefix, with its history.
    pub fn order(&self, id_or_prefix: &str) -> Result<OrderRow, StoreError> {
        let prefix = super::id_prefix(id_or_prefix).ok_or_else(|| StoreError::NoSuchOrder(id_or_prefix.to_string()))?;
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {ORDER_COLS} FROM orders WHERE id LIKE ?1 || '%' LIMIT 2"))
            .map_err(|e| self.sql(e))?;
        let mut rows: Vec<OrderRow> =
            stmt.query_map([&prefix], order_from_row).and_then(|r| r.collect()).map_err(|e| self.sql(e))?;
        if rows.len() > 1 {
            return Err(StoreError::AmbiguousId(id_or_prefix.to_string()));
        }
        let mut order = rows.pop().ok_or_else(|| StoreError::NoSuchOrder(id_or_prefix.to_string()))?;
        let mut stmt = conn
            .prepare("SELECT state, at FROM order_events WHERE order_id = ?1 ORDER BY at, rowid")
            .map_err(|e| self.sql(e))?;
        let events: Vec<(String, String)> = stmt
            .query_map([&order.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|r| r.collect())
            .map_err(|e| self.sql(e))?;
        order.history = events.into_iter().filter_map(|(s, at)| OrderState::parse(&s).map(|s| (s, at))).collect();
        Ok(order)
    }

    /// All orders, newest first (without history).
    pub fn list_orders(&self) -> Result<Vec<OrderRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {ORDER_COLS} FROM orders ORDER BY created_at DESC"))
            .map_err(|e| self.sql(e))?;
        let rows = stmt.query_map([], order_from_row).and_then(|r| r.collect());
        rows.map_err(|e| self.sql(e))
    }

    /// Moves an order to its next state; refuses moves the life cycle does not allow.
    pub fn advance_order(&self, id_or_prefix: &str, to: OrderState) -> Result<OrderRow, StoreError> {
        let order = self.order(id_or_prefix)?;
        if !order.state.next().contains(&to) {
            let allowed = order.state.next().iter().map(|s| s.key()).collect::<Vec<_>>();
            return Err(StoreError::BadTransition {
                from: order.state.to_string(),
                to: to.to_string(),
                allowed: if allowed.is_empty() { "none (it is final)".into() } else { allowed.join(", ") },
            });
        }
        let t = now();
        {
            let mut conn = self.conn();
            let tx = conn.transaction().map_err(|e| self.sql(e))?;
            tx.execute("UPDATE orders SET state = ?2, updated_at = ?3 WHERE id = ?1", params![order.id, to.key(), t])
                .map_err(|e| self.sql(e))?;
            tx.execute(
                "INSERT INTO order_events (order_id, state, at) VALUES (?1, ?2, ?3)",
                params![order.id, to.key(), t],
            )
            .map_err(|e| self.sql(e))?;
            tx.commit().map_err(|e| self.sql(e))?;
        }
        self.order(&order.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Facts;

    fn new_order(session_id: &str) -> NewOrder {
        NewOrder {
            session_id: session_id.into(),
            email: "a@b.example".into(),
            region: Region::Eu,
            address: "1 Main St".into(),
            currency: "EUR".into(),
            material_cents: 150,
            service_cents: 1200,
            shipping_cents: 800,
            total_cents: 2150,
            grams: 50.0,
            minutes: 120.0,
            solid_sha256: "ab".repeat(32),
        }
    }

    #[test]
    fn orders_move_through_their_life_and_refuse_skips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let facts = Facts { name: "A".into(), hobbies: "golf".into(), quirk: String::new(), occasion: None };
        let s = store.create_session(&facts, &serde_json::json!({})).unwrap();
        let o = store.create_order(&new_order(&s.id)).unwrap();
        assert_eq!(o.state, OrderState::Pending);
        let err = store.advance_order(&o.id, OrderState::Shipped).unwrap_err();
        assert!(err.to_string().contains("allowed next: paid, cancelled"), "{err}");
        store.advance_order(&o.id[..8], OrderState::Paid).unwrap();
        store.advance_order(&o.id, OrderState::Printing).unwrap();
        let o = store.advance_order(&o.id, OrderState::Shipped).unwrap();
        assert_eq!(o.state, OrderState::Shipped);
        let states: Vec<_> = o.history.iter().map(|(s, _)| *s).collect();
        assert_eq!(states, [OrderState::Pending, OrderState::Paid, OrderState::Printing, OrderState::Shipped]);
        assert!(store.advance_order(&o.id, OrderState::Cancelled).is_err());
        assert_eq!(store.list_orders().unwrap().len(), 1);
    }
}
