//! The permutation `torch.sort` gives on the CPU for a 1-D int64 tensor, ties included.
//!
//! FlashVDM samples every 50th query of each group after sorting the queries by group, so which
//! queries are sampled depends on the order of equal keys. PyTorch sorts such a tensor with FBGEMM's
//! radix sort (stable) from `GRAIN_SIZE` (32768) elements on, and below that with `std::sort` over
//! (value, index) pairs compared by value: libstdc++'s introsort, reproduced here step for step
//! (`__introsort_loop`, `__move_median_to_first`, `__unguarded_partition`, heap fallback,
//! `__final_insertion_sort`, threshold 16).

const GRAIN_SIZE: usize = 32768;
const THRESHOLD: usize = 16;

/// `torch.sort(keys).indices` (ascending).
pub fn sort_indices(keys: &[i64]) -> Vec<usize> {
    let mut v: Vec<(i64, usize)> = keys.iter().copied().zip(0..).collect();
    if v.len() >= GRAIN_SIZE {
        v.sort_by_key(|p| p.0);
    } else if v.len() > 1 {
        let n = v.len();
        let depth = 2 * (usize::BITS - 1 - n.leading_zeros()) as usize;
        introsort_loop(&mut v, 0, n, depth);
        final_insertion_sort(&mut v, 0, n);
    }
    v.into_iter().map(|p| p.1).collect()
}

type Item = (i64, usize);

fn less(a: &Item, b: &Item) -> bool {
    a.0 < b.0
}

fn introsort_loop(v: &mut [Item], first: usize, mut last: usize, mut depth: usize) {
    while last - first > THRESHOLD {
        if depth == 0 {
            heap_sort(&mut v[first..last]);
            return;
        }
        depth -= 1;
        let cut = partition_pivot(v, first, last);
        introsort_loop(v, cut, last, depth);
        last = cut;
    }
}

fn partition_pivot(v: &mut [Item], first: usize, last: usize) -> usize {
    let mid = first + (last - first) / 2;
    move_median_to_first(v, first, first + 1, mid, last - 1);
    unguarded_partition(v, first + 1, last, first)
}

fn move_median_to_first(v: &mut [Item], result: usize, a: usize, b: usize, c: usize) {
    let pick = if less(&v[a], &v[b]) {
        if less(&v[b], &v[c]) {
            b
        } else if less(&v[a], &v[c]) {
            c
        } else {
            a
        }
    } else if less(&v[a], &v[c]) {
        a
    } else if less(&v[b], &v[c]) {
        c
    } else {
        b
    };
    v.swap(result, pick);
}

fn unguarded_partition(v: &mut [Item], mut first: usize, mut last: usize, pivot: usize) -> usize {
    loop {
        while less(&v[first], &v[pivot]) {
            first += 1;
        }
        last -= 1;
        while less(&v[pivot], &v[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        v.swap(first, last);
        first += 1;
    }
}

fn final_insertion_sort(v: &mut [Item], first: usize, last: usize) {
    if last - first > THRESHOLD {
        insertion_sort(v, first, first + THRESHOLD);
        for i in first + THRESHOLD..last {
            unguarded_linear_insert(v, i);
        }
    } else {
        insertion_sort(v, first, last);
    }
}

fn insertion_sort(v: &mut [Item], first: usize, last: usize) {
    if first == last {
        return;
    }
    for i in first + 1..last {
        if less(&v[i], &v[first]) {
            let val = v[i];
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            unguarded_linear_insert(v, i);
        }
    }
}

fn unguarded_linear_insert(v: &mut [Item], mut last: usize) {
    let val = v[last];
    let mut next = last - 1;
    while less(&val, &v[next]) {
        v[last] = v[next];
        last = next;
        next -= 1;
    }
    v[last] = val;
}

/// `std::__partial_sort(first, last, last)`: make_heap then sort_heap.
fn heap_sort(v: &mut [Item]) {
    let len = v.len();
    if len < 2 {
        return;
    }
    let mut parent = (len - 2) / 2;
    loop {
        let value = v[parent];
        adjust_heap(v, parent, len, value);
        if parent == 0 {
            break;
        }
        parent -= 1;
    }
    let mut last = len;
    while last > 1 {
        last -= 1;
        let value = v[last];
        v[last] = v[0];
        adjust_heap(&mut v[..last], 0, last, value);
    }
}

fn adjust_heap(v: &mut [Item], mut hole: usize, len: usize, value: Item) {
    let top = hole;
    let mut second = hole;
    while second < (len.saturating_sub(1)) / 2 {
        second = 2 * (second + 1);
        if less(&v[second], &v[second - 1]) {
            second -= 1;
        }
        v[hole] = v[second];
        hole = second;
    }
    if len % 2 == 0 && len >= 2 && second == (len - 2) / 2 {
        second = 2 * (second + 1);
        v[hole] = v[second - 1];
        hole = second - 1;
    }
    // push_heap
    while hole > top {
        let parent = (hole - 1) / 2;
        if !less(&v[parent], &value) {
            break;
        }
        v[hole] = v[parent];
        hole = parent;
    }
    v[hole] = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_key() {
        let keys: Vec<i64> = (0..5000).map(|i| (i * 7919 % 216) as i64).collect();
        let idx = sort_indices(&keys);
        for w in idx.windows(2) {
            assert!(keys[w[0]] <= keys[w[1]]);
        }
        let mut seen = idx.clone();
        seen.sort();
        assert_eq!(seen, (0..5000).collect::<Vec<_>>());
    }

    #[test]
    fn heap_sort_sorts() {
        let mut v: Vec<Item> = (0..100).map(|i| ((i * 37 % 11) as i64, i)).collect();
        heap_sort(&mut v);
        for w in v.windows(2) {
            assert!(w[0].0 <= w[1].0);
        }
    }

    #[test]
    fn large_inputs_are_stable() {
        let keys: Vec<i64> = (0..40000).map(|i| (i % 3) as i64).collect();
        let idx = sort_indices(&keys);
        assert_eq!(&idx[..3], &[0, 3, 6]);
    }
}
