//! Hunyuan3D-2 port timings on the CPU: one DiT forward at the size the issue names (width 512,
//! 2 double + 4 single blocks, 3072 latents + 1370 image tokens, batch 2), dense decoding's cost
//! per query once the latents' keys and values are cached (ShapeVAE v2-0 geometry: width 1024,
//! 16 heads, 3072 latents), and FlashVDM's decoding at octree 256 of a sphere-like field (an
//! analytic field in place of the decoder, so that what is timed is FlashVDM's own work; the
//! number of queries it asks for, against the dense grid's, is printed). Weights are zeros: the
//! arithmetic is the same as with real ones.
//!
//! The PyTorch reference for the DiT forward: `shared/tools/hy3dgen_dit_bench.py`, on the same
//! machine in the same window.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use criterion::{criterion_group, criterion_main, Criterion};
use memoreez::shapegen::hunyuan3d::config::{DitConfig, VaeConfig};
use memoreez::shapegen::hunyuan3d::dit::Hunyuan3DDiT;
use memoreez::shapegen::hunyuan3d::vae::GeoDecoder;
use memoreez::shapegen::hunyuan3d::volume::{decode_flashvdm_field, FlashVdm, SphereField};
use memoreez::stage::NoProgress;
use std::time::Duration;

fn dit_config() -> DitConfig {
    serde_json::from_value(serde_json::json!({
        "in_channels": 64, "context_in_dim": 1536, "hidden_size": 512, "num_heads": 8,
        "depth": 2, "depth_single_blocks": 4, "guidance_embed": false
    }))
    .expect("a valid DiT config")
}

fn vae_config() -> VaeConfig {
    serde_json::from_value(serde_json::json!({
        "num_latents": 3072, "embed_dim": 64, "width": 1024, "heads": 16, "num_decoder_layers": 16,
        "include_pi": false, "qkv_bias": false, "qk_norm": true
    }))
    .expect("a valid VAE config")
}

fn dit_forward(c: &mut Criterion) {
    let dev = Device::Cpu;
    let vb = VarBuilder::zeros(DType::F32, &dev);
    let dit = Hunyuan3DDiT::new(&dit_config(), vb).expect("DiT builds");
    let x = Tensor::randn(0f32, 1., (2, 3072, 64), &dev).expect("x");
    let t = Tensor::new(&[0.3f32, 0.3], &dev).expect("t");
    let ctx = Tensor::randn(0f32, 1., (2, 1370, 1536), &dev).expect("ctx");
    let mut g = c.benchmark_group("hunyuan3d");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("dit_forward_w512_2d4s_3072x1370_b2", |b| {
        b.iter(|| dit.forward(&x, &t, &ctx, None).expect("forward"))
    });
    g.finish();
}

fn dense_decode(c: &mut Criterion) {
    let dev = Device::Cpu;
    let vb = VarBuilder::zeros(DType::F32, &dev);
    let dec = GeoDecoder::new(&vae_config(), vb).expect("decoder builds");
    let latents = Tensor::randn(0f32, 1., (1, 3072, 1024), &dev).expect("latents");
    let kv = dec.prepare(&latents).expect("kv");
    let queries = 4096;
    let pts = Tensor::rand(-1f32, 1., (1, queries, 3), &dev).expect("points");
    let mut g = c.benchmark_group("hunyuan3d");
    g.sample_size(10).throughput(criterion::Throughput::Elements(queries as u64));
    g.bench_function("geo_decode_4096_queries_cached_kv", |b| b.iter(|| dec.decode(&kv, &pts).expect("decode")));
    g.finish();
}

fn flashvdm_sphere(c: &mut Criterion) {
    let field = SphereField { radius: 0.5, slope: 20.0 };
    let opts = FlashVdm { octree_resolution: 256, ..FlashVdm::default() };
    let (_, queries) = decode_flashvdm_field(&field, &opts, &NoProgress).expect("decodes");
    let dense = 257usize.pow(3);
    eprintln!(
        "FlashVDM at octree 256 on {field:?}: {queries} queries, dense {dense}: {:.1}% ({:.1}x fewer)",
        100.0 * queries as f64 / dense as f64,
        dense as f64 / queries as f64
    );
    let mut g = c.benchmark_group("hunyuan3d");
    g.sample_size(10);
    g.bench_function("flashvdm_sphere_octree256_bookkeeping", |b| {
        b.iter(|| decode_flashvdm_field(&field, &opts, &NoProgress).expect("decodes"))
    });
    g.finish();
}

criterion_group!(benches, dit_forward, dense_decode, flashvdm_sphere);
criterion_main!(benches);
