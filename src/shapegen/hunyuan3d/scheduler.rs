//! The two schedulers of hy3dgen 2.0.2 (`hy3dgen/shapegen/schedulers.py`), as the pipeline drives them.
//!
//! Both step `x <- x + (sigma_next - sigma) * v`. Note that hy3dgen's sigmas run *up* from 0 to 1
//! (its flow goes from noise at 0 to data at 1) and the pipeline passes `sigmas = linspace(0, 1, N)`.
//! - `FlowMatchEulerDiscreteScheduler`: the given sigmas, shifted (`shift * s / (1 + (shift-1) s)`),
//!   in f32, then a terminal 1.0; timesteps are `sigmas * num_train_timesteps`.
//! - `ConsistencyFlowMatchEulerDiscreteScheduler`: `pcm_timesteps` anchor sigmas taken from
//!   `linspace(0, 1, num_train_timesteps)`; `N` of them at `floor(linspace(0, pcm, N, endpoint=False))`,
//!   in f64 as numpy computes them, then a terminal 1.0. The pipeline's sigmas only set `N`.

use super::config::{SchedulerKind, SchedulerParams};

/// The ladder for one run: `timesteps[i]` is given to the model (divided by
/// `num_train_timesteps`), `sigmas` has one more entry, the terminal 1.0.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    pub timesteps: Vec<f32>,
    pub sigmas: Vec<f64>,
    pub num_train_timesteps: usize,
}

impl Ladder {
    pub fn new(kind: SchedulerKind, params: &SchedulerParams, steps: usize) -> Self {
        match kind {
            SchedulerKind::FlowMatchEuler => flow_match(params, steps),
            SchedulerKind::Consistency => consistency(params, steps),
        }
    }

    pub fn len(&self) -> usize {
        self.timesteps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timesteps.is_empty()
    }

    /// The model's time input for step `i`: `timestep as f32 / num_train_timesteps`, in f32.
    pub fn model_time(&self, i: usize) -> f32 {
        self.timesteps[i] / self.num_train_timesteps as f32
    }

    /// `sigma_next - sigma` for step `i`, as the f32 factor the update multiplies by.
    pub fn dt(&self, i: usize) -> f32 {
        (self.sigmas[i + 1] - self.sigmas[i]) as f32
    }
}

/// numpy's `linspace(start, stop, num)` with `endpoint=True`, in f64.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    match num {
        0 => vec![],
        1 => vec![start],
        _ => {
            let step = (stop - start) / (num - 1) as f64;
            let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
            v[num - 1] = stop;
            v
        }
    }
}

fn flow_match(params: &SchedulerParams, steps: usize) -> Ladder {
    let shift = params.shift;
    let n_train = params.num_train_timesteps as f32;
    let sigmas: Vec<f32> =
        linspace(0.0, 1.0, steps).into_iter().map(|s| (shift * s / (1.0 + (shift - 1.0) * s)) as f32).collect();
    let timesteps = sigmas.iter().map(|s| s * n_train).collect();
    let mut sigmas: Vec<f64> = sigmas.into_iter().map(f64::from).collect();
    sigmas.push(1.0);
    Ladder { timesteps, sigmas, num_train_timesteps: params.num_train_timesteps }
}

fn consistency(params: &SchedulerParams, steps: usize) -> Ladder {
    let n_train = params.num_train_timesteps;
    let pcm = params.pcm_timesteps.max(1);
    let all = linspace(0.0, 1.0, n_train);
    let step_ratio = (n_train / pcm) as f64;
    // euler_timesteps = [0] + [round(i * step_ratio) - 1 for i in 1..pcm]
    let euler: Vec<usize> = std::iter::once(0)
        .chain((1..pcm).map(|i| ((i as f64 * step_ratio).round_ties_even() as usize).saturating_sub(1)))
        .collect();
    let anchors: Vec<f64> = euler.iter().map(|&i| all[i]).collect();
    // floor(linspace(0, pcm, steps, endpoint=False))
    let mut sigmas: Vec<f64> = (0..steps)
        .map(|i| {
            let x = i as f64 * (pcm as f64 / steps as f64);
            anchors[(x.floor() as usize).min(anchors.len() - 1)]
        })
        .collect();
    let timesteps = sigmas.iter().map(|s| (s * n_train as f64) as f32).collect();
    sigmas.push(1.0);
    Ladder { timesteps, sigmas, num_train_timesteps: n_train }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pcm: usize) -> SchedulerParams {
        SchedulerParams { num_train_timesteps: 1000, shift: 1.0, pcm_timesteps: pcm }
    }

    #[test]
    fn flow_match_runs_from_zero_to_one() {
        let l = Ladder::new(SchedulerKind::FlowMatchEuler, &params(50), 5);
        assert_eq!(l.timesteps, vec![0.0, 250.0, 500.0, 750.0, 1000.0]);
        assert_eq!(l.sigmas, vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.0]);
        assert_eq!(l.dt(4), 0.0);
    }

    #[test]
    fn consistency_takes_pcm_anchors() {
        let l = Ladder::new(SchedulerKind::Consistency, &params(100), 5);
        // anchors at euler indices 0, 199, 399, 599, 799 of linspace(0, 1, 1000)
        let want: Vec<f64> = [0usize, 199, 399, 599, 799].iter().map(|&i| i as f64 / 999.0).collect();
        for (a, b) in l.sigmas.iter().zip(&want) {
            assert!((a - b).abs() < 1e-12);
        }
        assert_eq!(*l.sigmas.last().unwrap(), 1.0);
    }
}
