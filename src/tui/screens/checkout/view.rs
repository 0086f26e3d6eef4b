//! Drawing Checkout: the final render, print facts, the price and the order form. Reads state only.

use super::{columns, left_split, picture_rect, CheckoutScreen, ADDRESS, CONFIRM, EMAIL, REGION};
use crate::domain::Cents;
use crate::domain::Region;
use crate::tui::app::View;
use crate::tui::msg::JobKind;
use crate::tui::screens::studio::report_lines;
use crate::tui::widgets::field::LineField;
use crate::tui::widgets::picture::Picture;
use crate::tui::widgets::spinner;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

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
            lines.push(Line::from(vec![Span::styled("print time ", t.muted()), Span::raw(hours(slice.minutes))]));
            lines.push(Line::from(vec![Span::styled("from ", t.muted()), Span::raw(slice.slicer.clone())]));
        }
        None if sh.job_pending(&[JobKind::Quote, JobKind::Order]) => {
            lines.push(Line::from(Span::styled(format!("{} slicing…", spinner::frame(sh.tick)), t.accent())));
        }
        None => lines.push(Line::from(Span::styled("not sliced yet", t.muted()))),
    }
    if let Some(report) = results.and_then(|r| r.printability.as_ref()) {
        lines.extend(report_lines(report, t).into_iter().skip(1).take(1));
    }
    Paragraph::new(lines).wrap(Wrap { trim: true }).block(panel("Print", v)).render(area, buf);
}

fn render_price(v: &View<'_, CheckoutScreen>, area: Rect, buf: &mut Buffer) {
    let sh = v.shared;
    let t = &sh.theme;
    let grams = sh.session.as_ref().and_then(|s| s.results.slice.as_ref()).map(|s| s.grams);
    let block = panel("Price", v);
    let Some(grams) = grams else {
        Paragraph::new(Span::styled("after slicing", t.muted())).block(block).render(area, buf);
        return;
    };
    let q = sh.rates.quote(grams, v.screen.region);
    let w = block.inner(area).width.saturating_sub(2) as usize;
    let row = |label: &str, cents: i64, strong: bool| {
        let amount = format!("{} {}", Cents(cents), q.currency);
        let pad = w.saturating_sub(label.chars().count() + amount.chars().count());
        let style = if strong { t.accent() } else { t.base() };
        Line::from(vec![
            Span::styled(format!(" {label}"), if strong { t.accent() } else { t.muted() }),
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
        Line::from(Span::styled(format!(" {}", "─".repeat(w.saturating_sub(1))), t.muted())),
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
    let current = sh.session.as_ref().is_some_and(|s| s.results.order_is_current());
    let mut top = inner;
    match &c.placed {
        Some(p) if !current => {
            // The piece changed after it was ordered: that order stands for the earlier version.
            let line = format!(
                "Order {} was for an earlier version; confirm to order this one",
                p.order_id.chars().take(8).collect::<String>()
            );
            Paragraph::new(Line::from(Span::styled(line, t.warn())))
                .wrap(Wrap { trim: true })
                .render(Rect { x: inner.x + 1, width: inner.width.saturating_sub(2), height: 2, ..inner }, buf);
            top = Rect { y: inner.y + 2, height: inner.height.saturating_sub(2), ..inner };
        }
        _ => {}
    }
    let inner = top;
    if let Some(p) = c.placed.as_ref().filter(|_| current) {
        let lines = vec![
            Line::from(Span::styled(
                format!("✓ Order {} saved", p.order_id.chars().take(8).collect::<String>()),
                t.ok(),
            )),
            Line::from(Span::styled(format!("for {} (pending)", c.email.value()), t.muted())),
            Line::raw(""),
            Line::from(Span::styled("STL and 3MF are in:", t.muted())),
            Line::from(Span::raw(p.dir.display().to_string())),
            Line::raw(""),
            Line::from(Span::styled("Esc back · q quit", t.muted())),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(Rect { x: inner.x + 1, width: inner.width.saturating_sub(2), ..inner }, buf);
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
        LineField { label, label_width: 9, input, width: strip, focused: c.focus == i, error, note: None, theme: t }
            .render(Rect { y: y_of(i), height: 1, ..inner }, buf);
    }
    if y_of(REGION) < inner.bottom() {
        let chip = |r: Region, label: &'static str| {
            let chosen = c.region == r;
            let style = match (chosen, c.focus == REGION) {
                (true, true) => t.selected(),
                (true, false) => t.accent(),
                _ => t.muted(),
            };
            Span::styled(if chosen { format!("‹{label}›") } else { format!(" {label} ") }, style)
        };
        let marker = if c.focus == REGION { "▸" } else { " " };
        Line::from(vec![
            Span::styled(format!("{marker}{:<8}", "Ship to"), if c.focus == REGION { t.accent() } else { t.muted() }),
            chip(Region::Eu, "EU"),
            Span::raw(" "),
            chip(Region::International, "international"),
        ])
        .render(Rect { y: y_of(REGION), height: 1, ..inner }, buf);
    }
    let button_y = inner.y + 4;
    if button_y < inner.bottom() {
        let text = if c.ordering {
            format!(" {} placing the order… ", spinner::frame(sh.tick))
        } else {
            " [ Confirm order ▸ ] ".to_string()
        };
        let style = if c.focus == CONFIRM { t.selected() } else { t.accent() };
        Line::from(Span::styled(text, style)).render(Rect { y: button_y, height: 1, ..inner }, buf);
    }
    if button_y + 2 < inner.bottom() {
        let note = "The order is saved with its STL and 3MF; payment and printing follow by email.";
        Paragraph::new(Span::styled(note, t.muted())).wrap(Wrap { trim: true }).render(
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
        Picture { protocol: self.screen.picture.protocol(), placeholder: "rendering", spinner: spin, theme: t }
            .render(picture_rect(area), buf);
        render_print(&self, print, buf);
        let [price, order] = Layout::vertical([Constraint::Length(7), Constraint::Min(6)]).areas(right);
        render_price(&self, price, buf);
        render_order(&self, order, buf);
    }
}
