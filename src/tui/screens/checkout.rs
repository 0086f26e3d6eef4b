//! The final render, grams and print time, the price, and the order form.

use crate::domain::{Cents, Stage};
use crate::pipeline::{OrderRequest, SessionParams};
use crate::store::Region;
use crate::tui::action::{Action, KeyContext};
use crate::tui::app::{App, ScreenId, View};
use crate::tui::images::ImageSlot;
use crate::tui::msg::{Effect, JobKind, JobSpec};
use crate::tui::screens::studio::report_lines;
use crate::tui::widgets::field::LineField;
use crate::tui::widgets::picture::Picture;
use crate::tui::widgets::spinner;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};
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
    ("Esc", "back to the studio (everything typed is kept)"),
    ("? F1", "this help (? outside text fields)"),
    ("q Ctrl-Q", "quit"),
];

pub fn hints(ctx: KeyContext) -> &'static str {
    match ctx {
        KeyContext::Text => {
            "Tab next · Enter next · Ctrl-G order · Esc studio · F1 help · Ctrl-Q quit"
        }
        _ => "Tab fields · ← → region · Enter confirm · Esc studio · ? help · q quit",
    }
}

/// A plausible address: something@domain.tld, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((user, domain)) = email.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && !email.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
}

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
            self.errors[EMAIL] = Some(if email.is_empty() {
                "needed".into()
            } else {
                "not an email address".into()
            });
            self.focus = EMAIL;
            return None;
        }
        if address.is_empty() || address.chars().count() > MAX_ADDRESS_CHARS {
            self.errors[ADDRESS] = Some(if address.is_empty() {
                "needed".into()
            } else {
                "too long".into()
            });
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
    if session.results.slice.is_none() && !app.shared.job_pending(&[JobKind::Quote, JobKind::Order])
    {
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
                for ch in text
                    .trim_end()
                    .chars()
                    .map(|ch| if ch == '\n' { ',' } else { ch })
                    .filter(|ch| !ch.is_control())
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
    if app.checkout.placed.is_some() || app.checkout.ordering {
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
    Rect {
        x: r.x + 1,
        y: r.y + 1,
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

fn hours(minutes: f64) -> String {
    let m = minutes.round().max(0.0) as u64;
    if m >= 60 {
        format!("{} h {:02} min", m / 60, m % 60)
    } else {
        format!("{m} min")
    }
}

fn panel<'a>(title: &'a str, v: &View<'_, CheckoutScreen>) -> Block<'a> {
    let t = &v.shared.theme;
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(false))
        .title_top(Span::styled(format!(" {title} "), t.accent()))
}

fn render_print(v: &View<'_, CheckoutScreen>, area: Rect, buf: &mut Buffer) {
    let sh = v.shared;
    let t = &sh.theme;
    let results = sh.session.as_ref().map(|s| &s.results);
    let mut lines = Vec::new();
    match results.and_then(|r| r.slice.as_ref()) {
        Some(slice) => {
            lines.push(Line::from(vec![
                Span::styled("filament ", t.muted()),
                Span::raw(format!("{:.1} g PLA", slice.grams)),
            ]));
            lines.push(Line::from(vec![
                Span::styled("print time ", t.muted()),
                Span::raw(hours(slice.minutes)),
            ]));
            lines.push(Line::from(vec![
                Span::styled("from ", t.muted()),
                Span::raw(slice.slicer.clone()),
            ]));
        }
        None if sh.job_pending(&[JobKind::Quote, JobKind::Order]) => {
            lines.push(Line::from(Span::styled(
                format!("{} slicing…", spinner::frame(sh.tick)),
                t.accent(),
            )));
        }
        None => lines.push(Line::from(Span::styled("not sliced yet", t.muted()))),
    }
    if let Some(report) = results.and_then(|r| r.printability.as_ref()) {
        lines.extend(report_lines(report, t).into_iter().skip(1).take(1));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(panel("Print", v))
        .render(area, buf);
}

fn render_price(v: &View<'_, CheckoutScreen>, area: Rect, buf: &mut Buffer) {
    let sh = v.shared;
    let t = &sh.theme;
    let grams = sh
        .session
        .as_ref()
        .and_then(|s| s.results.slice.as_ref())
        .map(|s| s.grams);
    let block = panel("Price", v);
    let Some(grams) = grams else {
        Paragraph::new(Span::styled("after slicing", t.muted()))
            .block(block)
            .render(area, buf);
        return;
    };
    let q = sh.rates.quote(grams, v.screen.region);
    let w = block.inner(area).width.saturating_sub(2) as usize;
    let row = |label: &str, cents: i64, strong: bool| {
        let amount = format!("{} {}", Cents(cents), q.currency);
        let pad = w.saturating_sub(label.chars().count() + amount.chars().count());
        let style = if strong { t.accent() } else { t.base() };
        Line::from(vec![
            Span::styled(
                format!(" {label}"),
                if strong { t.accent() } else { t.muted() },
            ),
            Span::raw(" ".repeat(pad)),
            Span::styled(amount, style),
        ])
    };
    let region = match v.screen.region {
        Region::Eu => "shipping (EU)",
        Region::International => "shipping (international)",
    };
    let lines = vec![
        row(&format!("material ({grams:.0} g)"), q.material_cents, false),
        row("service", q.service_cents, false),
        row(region, q.shipping_cents, false),
        Line::from(Span::styled(
            format!(" {}", "─".repeat(w.saturating_sub(1))),
            t.muted(),
        )),
        row("total", q.total_cents, true),
    ];
    Paragraph::new(lines).block(block).render(area, buf);
}

fn render_order(v: &View<'_, CheckoutScreen>, area: Rect, buf: &mut Buffer) {
    let c = v.screen;
    let sh = v.shared;
    let t = &sh.theme;
    let block = panel("Order", v);
    let inner = block.inner(area);
    block.render(area, buf);
    if let Some(p) = &c.placed {
        let lines = vec![
            Line::from(Span::styled(
                format!(
                    "✓ Order {} saved",
                    p.order_id.chars().take(8).collect::<String>()
                ),
                t.ok(),
            )),
            Line::from(Span::styled(
                format!("for {} (pending)", c.email.value()),
                t.muted(),
            )),
            Line::raw(""),
            Line::from(Span::styled("STL and 3MF are in:", t.muted())),
            Line::from(Span::raw(p.dir.display().to_string())),
            Line::raw(""),
            Line::from(Span::styled("Esc back · q quit", t.muted())),
        ];
        Paragraph::new(lines).wrap(Wrap { trim: false }).render(
            Rect {
                x: inner.x + 1,
                width: inner.width.saturating_sub(2),
                ..inner
            },
            buf,
        );
        return;
    }
    let rows = [("Email", &c.email, EMAIL), ("Address", &c.address, ADDRESS)];
    let y_of = |i: usize| inner.y + [0u16, 1, 2][i.min(2)];
    for (label, input, i) in rows {
        if y_of(i) >= inner.bottom() {
            continue;
        }
        // The strip takes the row, leaving room for a message when there is one.
        let error = c.errors[i].as_deref();
        let reserve = error.map_or(1, |e| e.chars().count() as u16 + 2);
        let strip = inner.width.saturating_sub(9 + reserve).max(8);
        LineField {
            label,
            label_width: 9,
            input,
            width: strip,
            focused: c.focus == i,
            error,
            note: None,
            theme: t,
        }
        .render(
            Rect {
                y: y_of(i),
                height: 1,
                ..inner
            },
            buf,
        );
    }
    if y_of(REGION) < inner.bottom() {
        let chip = |r: Region, label: &'static str| {
            let chosen = c.region == r;
            let style = match (chosen, c.focus == REGION) {
                (true, true) => t.selected(),
                (true, false) => t.accent(),
                _ => t.muted(),
            };
            Span::styled(
                if chosen {
                    format!("‹{label}›")
                } else {
                    format!(" {label} ")
                },
                style,
            )
        };
        let marker = if c.focus == REGION { "▸" } else { " " };
        Line::from(vec![
            Span::styled(
                format!("{marker}{:<8}", "Ship to"),
                if c.focus == REGION {
                    t.accent()
                } else {
                    t.muted()
                },
            ),
            chip(Region::Eu, "EU"),
            Span::raw(" "),
            chip(Region::International, "international"),
        ])
        .render(
            Rect {
                y: y_of(REGION),
                height: 1,
                ..inner
            },
            buf,
        );
    }
    let button_y = inner.y + 4;
    if button_y < inner.bottom() {
        let text = if c.ordering {
            format!(" {} placing the order… ", spinner::frame(sh.tick))
        } else {
            " [ Confirm order ▸ ] ".to_string()
        };
        let style = if c.focus == CONFIRM {
            t.selected()
        } else {
            t.accent()
        };
        Line::from(Span::styled(text, style)).render(
            Rect {
                y: button_y,
                height: 1,
                ..inner
            },
            buf,
        );
    }
    if button_y + 2 < inner.bottom() {
        let note = "The order is saved with its STL and 3MF; payment and printing follow by email.";
        Paragraph::new(Span::styled(note, t.muted()))
            .wrap(Wrap { trim: true })
            .render(
                Rect {
                    x: inner.x + 1,
                    y: button_y + 2,
                    width: inner.width.saturating_sub(2),
                    height: inner.bottom() - button_y - 2,
                },
                buf,
            );
    }
}

impl Widget for View<'_, CheckoutScreen> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let sh = self.shared;
        let t = &sh.theme;
        let [left, right] = columns(area);
        let [preview, print] = left_split(left);
        panel("Final piece", &self).render(preview, buf);
        let spin = sh.solid_pending.then(|| spinner::frame(sh.tick));
        Picture {
            protocol: self.screen.picture.protocol(),
            placeholder: "rendering",
            spinner: spin,
            theme: t,
        }
        .render(picture_rect(area), buf);
        render_print(&self, print, buf);
        let [price, order] =
            Layout::vertical([Constraint::Length(7), Constraint::Min(6)]).areas(right);
        render_price(&self, price, buf);
        render_order(&self, order, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::{app_at, with_session};

    #[test]
    fn emails_are_checked() {
        assert!(valid_email("ann@example.org"));
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "ann@org",
            "a nn@x.org",
            "ann@x.org.",
            "a@b@c.org",
        ] {
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
        let Some(Effect::StartJob { spec, .. }) = fx.first() else {
            panic!("the order job starts")
        };
        assert_eq!(spec.kind, JobKind::Order);
        let params = spec.params.clone().unwrap_or_default();
        assert_eq!(params.region, Region::International);
        assert_eq!(
            params.order.map(|o| o.address),
            Some("1 Main St,Springfield".to_string())
        );
        assert!(
            on_action(&mut app, Action::SubmitAll).is_empty(),
            "no second order while the first is placed"
        );
    }
}
