//! Row-major 2D grids (cell `p` at `y * w + x`): neighbours and flood fill, shared by the cut-out
//! (pixels) and hollowing (voxel layers).

/// The 4-neighbours of cell `p` in a `w` x `h` grid.
pub fn neighbours4(p: usize, w: usize, h: usize) -> impl Iterator<Item = usize> {
    let (x, y) = (p % w, p / w);
    [(x > 0).then(|| p - 1), (x + 1 < w).then(|| p + 1), (y > 0).then(|| p - w), (y + 1 < h).then(|| p + w)]
        .into_iter()
        .flatten()
}

/// The 8-neighbours of cell `p` in a `w` x `h` grid.
pub fn neighbours8(p: usize, w: usize, h: usize) -> impl Iterator<Item = usize> {
    let (x, y) = ((p % w) as isize, (p / w) as isize);
    (-1..=1)
        .flat_map(move |dy| (-1..=1).map(move |dx| (x + dx, y + dy)))
        .filter(move |&(nx, ny)| (nx, ny) != (x, y) && nx >= 0 && ny >= 0 && (nx as usize) < w && (ny as usize) < h)
        .map(move |(nx, ny)| ny as usize * w + nx as usize)
}

/// Cells connected to `start` for which `inside` holds, marking them in `seen`.
pub fn flood<I: Iterator<Item = usize>>(
    start: usize,
    w: usize,
    h: usize,
    seen: &mut [bool],
    inside: impl Fn(usize) -> bool,
    neighbours: fn(usize, usize, usize) -> I,
) -> Vec<usize> {
    let mut region = vec![start];
    seen[start] = true;
    let mut next = 0;
    while next < region.len() {
        let p = region[next];
        next += 1;
        for n in neighbours(p, w, h) {
            if !seen[n] && inside(n) {
                seen[n] = true;
                region.push(n);
            }
        }
    }
    region
}
