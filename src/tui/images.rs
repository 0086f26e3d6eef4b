//! Images on screen: each place that shows one keeps its source image and the encoded form it
//! asked for. Encoding happens off the UI thread; a result that no longer matches what the place
//! wants (the image changed or the pane was resized meanwhile) is dropped.

use super::msg::Effect;
use image::DynamicImage;
use ratatui::layout::Rect;
use ratatui_image::protocol::Protocol;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageTarget {
    Card(usize),
    Studio,
    Checkout,
}

/// Identifies one encoding: which place, which version of its image, at which size in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageKey {
    pub target: ImageTarget,
    pub version: u64,
    pub cells: (u16, u16),
}

#[derive(Clone, Default)]
pub struct ImageSlot {
    pub image: Option<Arc<DynamicImage>>,
    pub version: u64,
    pub wanted: Option<ImageKey>,
    pub shown: Option<(ImageKey, Protocol)>,
}

impl ImageSlot {
    /// A new source image (or none: then the place shows its placeholder at once).
    pub fn set_image(&mut self, image: Option<Arc<DynamicImage>>) {
        if image.is_none() {
            self.shown = None;
        }
        self.image = image;
        self.version += 1;
        self.wanted = None;
    }

    /// Asks for an encoding at `area`'s size unless that is already asked for.
    pub fn want(&mut self, target: ImageTarget, area: Rect) -> Option<Effect> {
        let image = self.image.as_ref()?;
        if area.width == 0 || area.height == 0 {
            return None;
        }
        let key = ImageKey { target, version: self.version, cells: (area.width, area.height) };
        if self.wanted == Some(key) {
            return None;
        }
        self.wanted = Some(key);
        Some(Effect::Encode { key, image: image.clone() })
    }

    /// Takes an encoding if it is the one wanted now; stale ones are dropped.
    pub fn accept(&mut self, key: ImageKey, protocol: Protocol) -> bool {
        if self.wanted == Some(key) {
            self.shown = Some((key, protocol));
            true
        } else {
            false
        }
    }

    pub fn protocol(&self) -> Option<&Protocol> {
        self.shown.as_ref().map(|(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Size;

    fn img() -> Arc<DynamicImage> {
        Arc::new(DynamicImage::new_rgba8(4, 4))
    }

    fn encoded(key: ImageKey) -> Protocol {
        let p = ratatui_image::picker::Picker::halfblocks();
        p.new_protocol(
            DynamicImage::new_rgba8(4, 4),
            Size::new(key.cells.0, key.cells.1),
            ratatui_image::Resize::Fit(None),
        )
        .unwrap()
    }

    #[test]
    fn asks_once_per_size_and_drops_stale_results() {
        let mut s = ImageSlot::default();
        assert!(s.want(ImageTarget::Studio, Rect::new(0, 0, 10, 5)).is_none(), "nothing to show yet");
        s.set_image(Some(img()));
        let Some(Effect::Encode { key: first, .. }) = s.want(ImageTarget::Studio, Rect::new(0, 0, 10, 5)) else {
            panic!("expected an encode request")
        };
        assert!(s.want(ImageTarget::Studio, Rect::new(0, 0, 10, 5)).is_none(), "same size: no second request");
        let Some(Effect::Encode { key: second, .. }) = s.want(ImageTarget::Studio, Rect::new(0, 0, 20, 8)) else {
            panic!("a resize asks again")
        };
        assert!(!s.accept(first, encoded(first)), "the result for the old size is stale");
        assert!(s.accept(second, encoded(second)));
        assert!(s.protocol().is_some());
        s.set_image(None);
        assert!(s.protocol().is_none());
    }
}
