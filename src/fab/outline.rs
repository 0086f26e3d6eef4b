//! Flat polygons for text: contour orientation, grouping into islands (an outer boundary with its
//! holes) and the measures the engraving needs (area, perimeter, stroke width).

/// A closed polygon without the repeated closing point.
pub type Contour = Vec<[f64; 2]>;

/// One filled region: a counter-clockwise outer boundary and the clockwise holes inside it.
/// This is the shape manifold-rs `extrude` wants for one solid.
#[derive(Debug, Clone, PartialEq)]
pub struct Island {
    pub outer: Contour,
    pub holes: Vec<Contour>,
}

impl Island {
    /// Filled area (outer minus holes).
    pub fn area(&self) -> f64 {
        signed_area(&self.outer) + self.holes.iter().map(|h| signed_area(h)).sum::<f64>()
    }

    /// Length of all boundaries.
    pub fn perimeter(&self) -> f64 {
        perimeter(&self.outer) + self.holes.iter().map(|h| perimeter(h)).sum::<f64>()
    }

    /// (min x, min y, max x, max y) of the outer boundary.
    pub fn bounds(&self) -> [f64; 4] {
        bounds(&self.outer)
    }
}

/// Shoelace area: positive for counter-clockwise contours.
pub fn signed_area(c: &[[f64; 2]]) -> f64 {
    let n = c.len();
    if n < 3 {
        return 0.0;
    }
    let mut twice = 0.0;
    for i in 0..n {
        let [x0, y0] = c[i];
        let [x1, y1] = c[(i + 1) % n];
        twice += x0 * y1 - x1 * y0;
    }
    twice * 0.5
}

pub fn perimeter(c: &[[f64; 2]]) -> f64 {
    let n = c.len();
    (0..n)
        .map(|i| {
            let [x0, y0] = c[i];
            let [x1, y1] = c[(i + 1) % n];
            (x1 - x0).hypot(y1 - y0)
        })
        .sum()
}

pub fn bounds(c: &[[f64; 2]]) -> [f64; 4] {
    c.iter().fold([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY], |b, p| {
        [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
    })
}

/// Even-odd ray test; points exactly on an edge may go either way.
pub fn contains(c: &[[f64; 2]], p: [f64; 2]) -> bool {
    let n = c.len();
    let mut inside = false;
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let [xi, yi] = c[i];
        let [xj, yj] = c[j];
        if (yi > p[1]) != (yj > p[1]) && p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Drops repeated consecutive points (and a closing point equal to the first), and points that lie
/// on the straight line through their neighbours, which the triangulator would only turn into
/// slivers. `eps` is a length in the contour's units.
pub fn tidy(c: &[[f64; 2]], eps: f64) -> Contour {
    let mut out: Contour = Vec::with_capacity(c.len());
    for &p in c {
        if out.last().is_none_or(|q| (p[0] - q[0]).hypot(p[1] - q[1]) > eps) {
            out.push(p);
        }
    }
    while out.len() > 1 {
        let (first, last) = (out[0], out[out.len() - 1]);
        if (first[0] - last[0]).hypot(first[1] - last[1]) > eps {
            break;
        }
        out.pop();
    }
    // Remove collinear points until none is left; each pass is cheap and contours are short.
    loop {
        let n = out.len();
        if n < 4 {
            break;
        }
        let keep: Vec<bool> = (0..n)
            .map(|i| {
                let a = out[(i + n - 1) % n];
                let b = out[i];
                let c = out[(i + 1) % n];
                let cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
                let base = (c[0] - a[0]).hypot(c[1] - a[1]).max(f64::MIN_POSITIVE);
                // Distance of b from the line a-c.
                cross.abs() / base > eps * 0.01
            })
            .collect();
        if keep.iter().all(|k| *k) {
            break;
        }
        // Drop at most every other flagged point per pass so neighbours are judged against kept points.
        let mut dropped_prev = false;
        let mut next = Vec::with_capacity(n);
        for (i, p) in out.iter().enumerate() {
            if !keep[i] && !dropped_prev {
                dropped_prev = true;
                continue;
            }
            dropped_prev = false;
            next.push(*p);
        }
        out = next;
    }
    out
}

/// Groups contours by the non-zero rule as fonts draw them: contours with positive area (after the
/// caller fixed the orientation) are outer boundaries, negative ones are holes and go to the
/// smallest outer that contains them. Overlapping outers (composite glyphs) stay separate islands,
/// so they can be united as solids instead of confusing the triangulator.
pub fn islands(contours: Vec<Contour>) -> Vec<Island> {
    let (outers, holes): (Vec<Contour>, Vec<Contour>) =
        contours.into_iter().filter(|c| c.len() >= 3).partition(|c| signed_area(c) > 0.0);
    let mut result: Vec<Island> = outers.into_iter().map(|outer| Island { outer, holes: Vec::new() }).collect();
    for hole in holes {
        let probe = hole[0];
        let best = result
            .iter()
            .enumerate()
            .filter(|(_, isl)| contains(&isl.outer, probe))
            .min_by(|a, b| signed_area(&a.1.outer).total_cmp(&signed_area(&b.1.outer)))
            .map(|(i, _)| i);
        // A hole outside every outer cannot be drawn; the font is broken there, so skip it.
        if let Some(i) = best {
            result[i].holes.push(hole);
        }
    }
    result
}

/// Mean stroke width of a set of islands: twice the filled area over the boundary length, exact for
/// long strokes of constant width and a fair estimate for letters.
pub fn stroke_width(islands: &[Island]) -> Option<f64> {
    let area: f64 = islands.iter().map(Island::area).sum();
    let perim: f64 = islands.iter().map(Island::perimeter).sum();
    (perim > 0.0 && area > 0.0).then(|| 2.0 * area / perim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> Contour {
        vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]]
    }

    #[test]
    fn area_sign_follows_winding() {
        let sq = square(0.0, 0.0, 2.0);
        assert_eq!(signed_area(&sq), 4.0);
        let rev: Contour = sq.iter().rev().copied().collect();
        assert_eq!(signed_area(&rev), -4.0);
        assert_eq!(perimeter(&sq), 8.0);
    }

    #[test]
    fn holes_go_to_the_smallest_containing_outer() {
        let big = square(0.0, 0.0, 10.0);
        let small = square(20.0, 0.0, 4.0);
        let hole: Contour = square(21.0, 1.0, 1.0).into_iter().rev().collect();
        let isl = islands(vec![big, small.clone(), hole]);
        assert_eq!(isl.len(), 2);
        let with_hole = isl.iter().find(|i| i.outer == small).unwrap();
        assert_eq!(with_hole.holes.len(), 1);
        assert!((with_hole.area() - 15.0).abs() < 1e-12);
    }

    #[test]
    fn tidy_removes_duplicates_closing_point_and_collinear_points() {
        let c = vec![[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]];
        assert_eq!(tidy(&c, 1e-6), vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]);
    }

    #[test]
    fn stroke_of_a_long_bar_is_its_width() {
        let bar = Island { outer: vec![[0.0, 0.0], [100.0, 0.0], [100.0, 1.0], [0.0, 1.0]], holes: vec![] };
        let w = stroke_width(&[bar]).unwrap();
        assert!((w - 1.0).abs() < 0.02, "{w}");
    }
}
