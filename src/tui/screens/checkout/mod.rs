//! The final render, grams and print time, the price, and the order form.

use crate::domain::Region;
use crate::domain::Stage;
use crate::pipeline::{OrderRequest, SessionParams};
use crate::tui::action::{Action, KeyContext};
use crate::tui::app::{App, ScreenId};
use crate::tui::images::ImageSlot;
use crate::tui::msg::{Effect, JobKind, JobSpec};
use ratatui::layout::{Constraint, Layout, Rect};
use std::path::PathBuf;
use tui_input::{Input, InputRequest};

const EMAIL: usize = 0;
const REGION: usize = 1;
const ADDRESS: usize = 2;
const CONFIRM: usize = 3;
const FOCUSES: usize = 4;
pub const MAX_ADDRESS_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub order_id: String,
    pub dir: PathBuf,
}

pub struct CheckoutScreen {
    pub email: Input,
    pub region: Region,
    pub address: Input,
    pub focus: usize,
    /// Email, region (unused), address.
    pub errors: [Option<String>; 3],
    pub picture: ImageSlot,
    pub placed: Option<Placed>,
    pub ordering: bool,
}

impl Default for CheckoutScreen {
    fn default() -> Self {
        CheckoutScreen {
            email: Input::default(),
            region: Region::Eu,
            address: Input::default(),
            focus: EMAIL,
            errors: Default::default(),
            picture: ImageSlot::default(),
            placed: None,
            ordering: false,
        }
    }
}

pub const HELP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab  ↑ ↓", "email → region → address → confirm"),
    ("← →  (region)", "EU or international shipping"),
    ("Enter", "next field; on the button: place the order"),
    ("Ctrl-G", "place the order from any field"),
    ("Ctrl-S", "save the STL and 3MF (and G-code once sliced) where you say, no order needed"),
    ("Esc", "back to the studio (everything typed is kept)"),
    ("? F1", "this help (? outside text fields)"),
    ("q Ctrl-Q", "quit"),
];

pub fn hints(ctx: KeyContext) -> &'static str {
    match ctx {
        KeyContext::Text => "Tab next · Enter next · Ctrl-G order · Esc studio · F1 help · Ctrl-Q quit",
        _ => "Tab fields · ← → region · Enter confirm · Esc studio · ? help · q quit",
    }
}

pub use crate::domain::valid_email;

impl CheckoutScreen {
    pub fn key_context(&self) -> KeyContext {
        if self.focus == EMAIL || self.focus == ADDRESS {
            KeyContext::Text
        } else {
            KeyContext::Command
        }
    }

    pub fn fill(&mut self, params: &SessionParams) {
        if let Some(order) = &params.order {
            self.email = Input::new(order.email.clone());
            self.address = Input::new(order.address.clone());
        }
        self.region = params.region;
        self.errors = Default::default();
        self.ordering = false;
    }

    fn field_mut(&mut self, i: usize) -> Option<&mut Input> {
        match i {
            EMAIL => Some(&mut self.email),
            ADDRESS => Some(&mut self.address),
            _ => None,
        }
    }

    /// The order as typed, or the first problem marked on its field.
    pub fn validate(&mut self) -> Option<OrderRequest> {
        self.errors = Default::default();
        let email = self.email.value().trim().to_string();
        let address = self.address.value().trim().to_string();
        if !valid_email(&email) {
            self.errors[EMAIL] = Some(if email.is_empty() { "needed".into() } else { "not an email address".into() });
            self.focus = EMAIL;
            return None;
        }
        if address.is_empty() || address.chars().count() > MAX_ADDRESS_CHARS {
            self.errors[ADDRESS] = Some(if address.is_empty() { "needed".into() } else { "too long".into() });
            self.focus = ADDRESS;
            return None;
        }
        Some(OrderRequest { email, address })
    }
}

/// Slicing and the price for the current solid, unless known or on the way; and its picture.
pub fn ensure_quote(app: &mut App) -> Vec<Effect> {
    let mut effects = Vec::new();
    if app.checkout.picture.image.is_none() && !app.shared.solid_pending {
        effects.extend(app.request_render());
    }
    let Some(session) = &app.shared.session else {
        return effects;
    };
    if session.results.slice.is_none() && !app.shared.job_pending(&[JobKind::Quote, JobKind::Order]) {
        let mut params = session.params.clone();
        // A quote never places an order, whatever an earlier attempt left in the params.
        params.order = None;
        let mut spec = JobSpec::new(JobKind::Quote, &session.id, Stage::Pricing);
        spec.params = Some(params);
        effects.extend(app.request_job(spec));
    }
    effects
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    let c = &mut app.checkout;
    match action {
        Action::NextField | Action::Down => c.focus = (c.focus + 1) % FOCUSES,
        Action::PrevField | Action::Up => c.focus = (c.focus + FOCUSES - 1) % FOCUSES,
        Action::Left | Action::Right if c.focus == REGION => {
            c.region = match c.region {
                Region::Eu => Region::International,
                Region::International => Region::Eu,
            }
        }
        Action::Edit(req) => {
            let focus = c.focus;
            if let Some(field) = c.field_mut(focus) {
                field.handle(req);
                c.errors[focus] = None;
            }
        }
        Action::Paste(text) => {
            let focus = c.focus;
            if let Some(field) = c.field_mut(focus) {
                for ch in
                    text.trim_end().chars().map(|ch| if ch == '\n' { ',' } else { ch }).filter(|ch| !ch.is_control())
                {
                    field.handle(InputRequest::InsertChar(ch));
                }
            }
        }
        Action::Submit if c.focus < CONFIRM => c.focus += 1,
        Action::Submit | Action::SubmitAll => return confirm(app),
        Action::Back => app.go(ScreenId::Studio),
        _ => {}
    }
    Vec::new()
}

fn confirm(app: &mut App) -> Vec<Effect> {
    // One order per version of the piece: after an edit, the new version can be ordered.
    let current = app.shared.session.as_ref().is_some_and(|s| s.results.order_is_current());
    if (app.checkout.placed.is_some() && current) || app.checkout.ordering {
        return Vec::new();
    }
    let Some(order) = app.checkout.validate() else {
        return Vec::new();
    };
    let region = app.checkout.region;
    let Some(session) = app.shared.session.as_mut() else {
        return Vec::new();
    };
    session.params.order = Some(order);
    session.params.region = region;
    let mut spec = JobSpec::new(JobKind::Order, &session.id, Stage::Pricing);
    spec.params = Some(session.params.clone());
    app.checkout.ordering = true;
    app.request_job(spec)
}

fn columns(body: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
}

fn left_split(left: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(left)
}

pub fn picture_rect(body: Rect) -> Rect {
    let r = left_split(columns(body)[0])[0];
    Rect { x: r.x + 1, y: r.y + 1, width: r.width.saturating_sub(2), height: r.height.saturating_sub(2) }
}

mod view;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::{app_at, with_session};

    #[test]
    fn emails_are_checked() {
        assert!(valid_email("ann@example.org"));
        for bad in ["", "ann", "ann@", "@x.org", "ann@org", "a nn@x.org", "ann@x.org.", "a@b@c.org"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn confirm_validates_then_orders_once() {
        let mut app = with_session(app_at(ScreenId::Checkout, 80, 24));
        app.checkout.focus = CONFIRM;
        assert!(on_action(&mut app, Action::Submit).is_empty());
        assert_eq!(app.checkout.errors[EMAIL].as_deref(), Some("needed"));
        assert_eq!(app.checkout.focus, EMAIL);
        for ch in "ann@example.org".chars() {
            on_action(&mut app, Action::Edit(InputRequest::InsertChar(ch)));
        }
        on_action(&mut app, Action::NextField);
        on_action(&mut app, Action::Right);
        assert_eq!(app.checkout.region, Region::International);
        on_action(&mut app, Action::NextField);
        on_action(&mut app, Action::Paste("1 Main St\nSpringfield".into()));
        let fx = on_action(&mut app, Action::SubmitAll);
        let Some(Effect::StartJob { spec, .. }) = fx.first() else { panic!("the order job starts") };
        assert_eq!(spec.kind, JobKind::Order);
        let params = spec.params.clone().unwrap_or_default();
        assert_eq!(params.region, Region::International);
        assert_eq!(params.order.map(|o| o.address), Some("1 Main St,Springfield".to_string()));
        assert!(on_action(&mut app, Action::SubmitAll).is_empty(), "no second order while the first is placed");
    }
}
