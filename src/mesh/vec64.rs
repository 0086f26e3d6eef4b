//! The few double-precision vector operations the geometry checks share.

pub fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// Distance from `p` to the closest point of triangle `t` (Ericson, "Real-Time Collision
/// Detection", 5.1.5: which Voronoi region of the triangle holds the point).
pub fn point_triangle_distance(p: [f64; 3], t: [[f64; 3]; 3]) -> f64 {
    let [a, b, c] = t;
    let (ab, ac, ap) = (sub(b, a), sub(c, a), sub(p, a));
    let at =
        |s: f64, u: [f64; 3], v: f64, w: [f64; 3]| -> [f64; 3] { std::array::from_fn(|k| a[k] + s * u[k] + v * w[k]) };
    let closest = 'q: {
        let (d1, d2) = (dot(ab, ap), dot(ac, ap));
        if d1 <= 0.0 && d2 <= 0.0 {
            break 'q a;
        }
        let bp = sub(p, b);
        let (d3, d4) = (dot(ab, bp), dot(ac, bp));
        if d3 >= 0.0 && d4 <= d3 {
            break 'q b;
        }
        let vc = d1 * d4 - d3 * d2;
        if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
            break 'q at(d1 / (d1 - d3), ab, 0.0, ac);
        }
        let cp = sub(p, c);
        let (d5, d6) = (dot(ab, cp), dot(ac, cp));
        if d6 >= 0.0 && d5 <= d6 {
            break 'q c;
        }
        let vb = d5 * d2 - d1 * d6;
        if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
            break 'q at(0.0, ab, d2 / (d2 - d6), ac);
        }
        let va = d3 * d6 - d5 * d4;
        if va <= 0.0 && d4 - d3 >= 0.0 && d5 - d6 >= 0.0 {
            let w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
            break 'q std::array::from_fn(|k| b[k] + w * (c[k] - b[k]));
        }
        let denom = 1.0 / (va + vb + vc);
        at(vb * denom, ab, vc * denom, ac)
    };
    let d = sub(p, closest);
    dot(d, d).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_to_each_region_of_a_triangle() {
        let t = [[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 4.0, 0.0]];
        let cases = [
            ([1.0, 1.0, 3.0], 3.0),         // above the face
            ([-3.0, -4.0, 0.0], 5.0),       // beyond vertex a
            ([7.0, 0.0, 4.0], 5.0),         // beyond vertex b
            ([2.0, -2.0, 0.0], 2.0),        // beside edge ab
            ([3.0, 3.0, 0.0], 2f64.sqrt()), // beside edge bc
            ([-1.0, 2.0, 0.0], 1.0),        // beside edge ca
        ];
        for (p, want) in cases {
            let got = point_triangle_distance(p, t);
            assert!((got - want).abs() < 1e-12, "{p:?}: {got} vs {want}");
        }
    }
}
