//! The sampling loop of `Hunyuan3DDiTFlowMatchingPipeline.__call__` (hy3dgen 2.0.2
//! `hy3dgen/shapegen/pipelines.py`): classifier-free guidance with the conditional batch first,
//! or the guidance embedding for distilled checkpoints, and an Euler update per step.
//! Owning the loop lets progress be reported and cancellation be honoured between steps.

use super::dit::Hunyuan3DDiT;
use super::scheduler::Ladder;
use super::Error;
use crate::stage::Progress;
use candle_core::{DType, Tensor};

/// How the condition steers the denoiser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Guidance {
    /// `uncond + scale * (cond - uncond)` over a batch of two (the official default, scale 5.0).
    Classifier { scale: f64 },
    /// Guidance-distilled checkpoints (`guidance_embed: true`): the scale goes in as an input.
    Embedded { scale: f64 },
}

/// Runs the whole ladder from `noise` (`[1, L, C]`). `cond` and `uncond` are `[1, N, E]` image tokens
/// (uncond is only read for classifier-free guidance). Calls `progress.step` after each step and
/// stops with [`Error::Cancelled`] when asked to.
pub fn sample(
    dit: &Hunyuan3DDiT,
    ladder: &Ladder,
    noise: &Tensor,
    cond: &Tensor,
    uncond: &Tensor,
    guidance: Guidance,
    progress: &dyn Progress,
) -> Result<Tensor, Error> {
    let dtype = noise.dtype();
    let device = noise.device();
    let mut latents = noise.to_dtype(DType::F32)?;
    let (context, guidance_input) = match guidance {
        Guidance::Classifier { .. } => (Tensor::cat(&[cond, uncond], 0)?.to_dtype(dtype)?, None),
        Guidance::Embedded { scale } => {
            let b = latents.dim(0)?;
            let g = Tensor::from_vec(vec![scale as f32; b], b, device)?;
            (cond.to_dtype(dtype)?, Some(g))
        }
    };
    let total = ladder.len();
    for i in 0..total {
        if progress.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let model_input = match guidance {
            Guidance::Classifier { .. } => Tensor::cat(&[&latents, &latents], 0)?,
            Guidance::Embedded { .. } => latents.clone(),
        }
        .to_dtype(dtype)?;
        let b = model_input.dim(0)?;
        // Kept in f32 whatever the model's dtype (upstream casts it to the model dtype first, which
        // in f16/bf16 moves the high-frequency phases of the embedding; in f32 the two agree).
        let t = Tensor::from_vec(vec![ladder.model_time(i); b], b, device)?;
        let pred = dit.forward(&model_input, &t, &context, guidance_input.as_ref())?;
        let pred = match guidance {
            Guidance::Classifier { scale } => {
                let pred_cond = pred.narrow(0, 0, b / 2)?;
                let pred_uncond = pred.narrow(0, b / 2, b / 2)?;
                (&pred_uncond + ((pred_cond - &pred_uncond)? * scale)?)?
            }
            Guidance::Embedded { .. } => pred,
        };
        // The scheduler upcasts the sample to f32 and casts the update back to the model's dtype.
        let update = (pred.to_dtype(DType::F32)? * ladder.dt(i) as f64)?;
        latents = (latents + update)?.to_dtype(dtype)?.to_dtype(DType::F32)?;
        progress.step(i + 1, total, "diffusion step");
    }
    Ok(latents.to_dtype(dtype)?)
}
