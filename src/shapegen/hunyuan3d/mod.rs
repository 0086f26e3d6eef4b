//! Hunyuan3D-2 shape generation (Tencent, `hy3dgen` 2.0.2) ported to candle, stage for stage:
//! [`preprocess`] (ImageProcessorV2) -> [`dinov2`] (the image conditioner) -> [`dit`] (the
//! flow-matching denoiser) driven by [`sampler`] over a [`scheduler`] ladder -> [`vae`] (latent
//! transformer and geometry decoder) -> [`volume`] (dense or FlashVDM decoding on a grid) ->
//! marching cubes from `mesh/`. Each stage is checked against the official code's outputs by
//! `tests/hunyuan3d_parity.rs`.
//!
//! Entry points: [`Hunyuan3DGenerator`] (the `hunyuan3d` [`crate::shapegen::ShapeGenerator`]),
//! [`Hunyuan3D`] (the loaded models: `latents` from an image and noise, `mesh` from latents) and
//! [`weights::ModelFiles`] (finding `config.yaml` and the weights in a folder or its official
//! variant subfolders). Supporting pieces that the official code gets from its libraries:
//! [`cv_resize`] (OpenCV's resize, bit-exact), [`resample`] (PyTorch's antialiased interpolation),
//! [`torch_sort`] (the order `torch.sort` leaves ties in, which FlashVDM's key selection depends on).

pub mod attention;
pub mod backend;
pub mod config;
pub mod cv_resize;
pub mod dinov2;
pub mod dit;
pub mod fused;
pub mod nn;
pub mod pipeline;
pub mod preprocess;
pub mod resample;
pub mod sampler;
pub mod scheduler;
pub mod simd;
pub mod torch_sort;
pub mod vae;
pub mod volume;
pub mod weights;

pub use pipeline::{Hunyuan3D, Hunyuan3DGenerator, Options};

use crate::stage::StageError;

/// What can go wrong inside the port.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Model(String),
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

impl From<Error> for StageError {
    fn from(e: Error) -> Self {
        match e {
            Error::Cancelled => StageError::Cancelled,
            Error::BadInput(m) => StageError::BadInput(m),
            Error::Model(m) => StageError::Failed(format!("Hunyuan3D-2: {m}")),
            Error::Candle(e) => StageError::Failed(format!("Hunyuan3D-2: {e}")),
        }
    }
}
