//! Parity of the Hunyuan3D-2 port with the official `hy3dgen` 2.0.2, stage by stage.
//!
//! Every folder under `tests/fixtures/hunyuan3d/` is a case (made by `shared/tools/hy3dgen_fixtures.py`),
//! and so is every folder in `MEMOREEZ_HY3D_CASES` (colon-separated). Each stage's output is compared
//! with the reference tensor of the same name: relative error `||a - b|| / ||b||` under 1e-4 in f32.
//! A case that lacks a tensor a test checks fails; a malformed case fails naming its folder.

use candle_core::{DType, Device, Tensor};
use memoreez::shapegen::hunyuan3d::config::Config;
use memoreez::shapegen::hunyuan3d::nn::relative_error;
use memoreez::shapegen::hunyuan3d::weights::WeightCheck;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const TOL: f64 = 1e-4;

struct Case {
    dir: PathBuf,
    cfg: Config,
    meta: serde_json::Value,
    refs: HashMap<String, Tensor>,
    weights: WeightCheck,
}

impl Case {
    fn load(dir: &Path) -> Result<Case, String> {
        let fail = |what: String| format!("malformed Hunyuan3D case {}: {what}", dir.display());
        let cfg = Config::from_file(&dir.join("config.yaml")).map_err(fail)?;
        let meta_text = std::fs::read_to_string(dir.join("case.json")).map_err(|e| fail(format!("case.json: {e}")))?;
        let meta: serde_json::Value = serde_json::from_str(&meta_text).map_err(|e| fail(format!("case.json: {e}")))?;
        let refs = candle_core::safetensors::load(dir.join("reference.safetensors"), &Device::Cpu)
            .map_err(|e| fail(format!("reference.safetensors: {e}")))?;
        if !dir.join("input.png").is_file() {
            return Err(fail("input.png missing".into()));
        }
        let weights = WeightCheck::open(&dir.join("model.safetensors")).map_err(fail)?;
        Ok(Case { dir: dir.to_path_buf(), cfg, meta, refs, weights })
    }

    fn name(&self) -> String {
        self.dir.display().to_string()
    }

    fn reference(&self, name: &str) -> Tensor {
        match self.refs.get(name) {
            Some(t) => t.clone(),
            None => panic!("case {} lacks reference tensor {name}", self.name()),
        }
    }

    fn vb(&self, dtype: DType) -> candle_nn::VarBuilder<'static> {
        self.weights.var_builder(dtype, &Device::Cpu)
    }

    fn meta_f64(&self, key: &str) -> f64 {
        self.meta[key].as_f64().unwrap_or_else(|| panic!("case {}: case.json lacks {key}", self.name()))
    }

    fn meta_usize(&self, key: &str) -> usize {
        self.meta_f64(key) as usize
    }

    fn finish_weights(&self) {
        if let Err(e) = self.weights.finish() {
            panic!("case {}: {e}", self.name());
        }
    }
}

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    if let Ok(extra) = std::env::var("MEMOREEZ_HY3D_CASES") {
        dirs.extend(extra.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    assert!(!dirs.is_empty(), "no Hunyuan3D cases found");
    dirs
}

fn cases() -> Vec<Case> {
    case_dirs().iter().map(|d| Case::load(d).unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// Checks `got` against the reference `name`, same shape and relative error under `tol`.
fn check(case: &Case, name: &str, got: &Tensor, tol: f64) -> f64 {
    let want = case.reference(name);
    assert_eq!(
        got.dims(),
        want.dims(),
        "case {}: {name} has shape {:?}, reference {:?}",
        case.name(),
        got.dims(),
        want.dims()
    );
    let err = relative_error(got, &want).unwrap();
    eprintln!("{}: {name} relative error {err:.3e}", case.name());
    assert!(err < tol, "case {}: {name} relative error {err:.3e} >= {tol:e}", case.name());
    err
}

#[test]
fn malformed_case_fails_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), "model: [").unwrap();
    let err = Case::load(dir.path()).err().unwrap();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}

#[test]
fn weights_match_the_config() {
    use memoreez::shapegen::hunyuan3d::{dit::Hunyuan3DDiT, vae::ShapeVae};
    for case in cases() {
        Hunyuan3DDiT::new(&case.cfg.model.params, case.vb(DType::F32).pp("model")).unwrap();
        ShapeVae::new(&case.cfg.vae.params, case.vb(DType::F32).pp("vae")).unwrap();
        case.finish_weights();
    }
}

mod dit {
    use super::*;
    use memoreez::shapegen::hunyuan3d::dit::Hunyuan3DDiT;

    fn run(case: &Case, dtype: DType) -> Tensor {
        let dit = Hunyuan3DDiT::new(&case.cfg.model.params, case.vb(dtype).pp("model")).unwrap();
        case.finish_weights();
        let x = case.reference("dit.x").to_dtype(dtype).unwrap();
        // Time and guidance stay f32: the embedding is computed in f32 either way.
        let t = case.reference("dit.t");
        let ctx = case.reference("dit.ctx").to_dtype(dtype).unwrap();
        let g = dit.has_guidance_embed().then(|| case.reference("dit.guidance"));
        dit.forward(&x, &t, &ctx, g.as_ref()).unwrap()
    }

    #[test]
    fn forward_matches() {
        for case in cases() {
            check(&case, "dit.out", &run(&case, DType::F32), TOL);
        }
    }

    #[test]
    fn half_precision_within_1e2() {
        for case in cases() {
            for dtype in [DType::F16, DType::BF16] {
                check(&case, "dit.out", &run(&case, dtype), 1e-2);
            }
        }
    }
}

mod preprocess {
    use super::*;
    use memoreez::shapegen::hunyuan3d::preprocess::ImageProcessorV2;

    #[test]
    fn image_processor_matches() {
        for case in cases() {
            let input = image::open(case.dir.join("input.png"))
                .unwrap_or_else(|e| panic!("case {}: input.png: {e}", case.name()))
                .to_rgba8();
            let p = ImageProcessorV2::new(&case.cfg.image_processor.params);
            let out = p.process(&input, &Device::Cpu).unwrap();
            check(&case, "preprocess.image", &out.image, TOL);
            check(&case, "preprocess.mask", &out.mask, TOL);
        }
    }
}

mod conditioner {
    use super::*;
    use memoreez::shapegen::hunyuan3d::dinov2::DinoImageEncoder;

    fn encoder(case: &Case, dtype: DType) -> DinoImageEncoder {
        let kwargs = &case.cfg.conditioner.params.main_image_encoder.kwargs;
        let vb = case.vb(dtype).pp("conditioner.main_image_encoder.model");
        let enc = DinoImageEncoder::new(kwargs, vb).unwrap();
        case.finish_weights();
        enc
    }

    #[test]
    fn dinov2_matches() {
        for case in cases() {
            let enc = encoder(&case, DType::F32);
            let out = enc.forward(&case.reference("preprocess.image")).unwrap();
            check(&case, "conditioner.main", &out, TOL);
            let uncond = enc.unconditional(1, DType::F32, &Device::Cpu).unwrap();
            let want = case.reference("conditioner.uncond");
            assert_eq!(uncond.dims(), want.dims(), "case {}", case.name());
            assert_eq!(relative_error(&uncond, &want).unwrap(), 0.0);
        }
    }

    #[test]
    fn half_precision_within_1e2() {
        for case in cases() {
            for dtype in [DType::F16, DType::BF16] {
                let out = encoder(&case, dtype).forward(&case.reference("preprocess.image")).unwrap();
                check(&case, "conditioner.main", &out, 1e-2);
            }
        }
    }
}

mod scheduler {
    use super::*;
    use memoreez::shapegen::hunyuan3d::scheduler::Ladder;

    #[test]
    fn ladder_matches() {
        for case in cases() {
            let kind = case.cfg.scheduler_kind().unwrap();
            let ladder = Ladder::new(kind, &case.cfg.scheduler.params, case.meta_usize("steps"));
            let n = ladder.len();
            let ts = Tensor::from_vec(ladder.timesteps.clone(), n, &Device::Cpu).unwrap();
            let sig: Vec<f32> = ladder.sigmas.iter().map(|&s| s as f32).collect();
            let sig = Tensor::from_vec(sig, n + 1, &Device::Cpu).unwrap();
            check(&case, "scheduler.timesteps", &ts, TOL);
            check(&case, "scheduler.sigmas", &sig, TOL);
        }
    }
}

mod sampling {
    use super::*;
    use memoreez::shapegen::hunyuan3d::dit::Hunyuan3DDiT;
    use memoreez::shapegen::hunyuan3d::sampler::{sample, Guidance};
    use memoreez::shapegen::hunyuan3d::scheduler::Ladder;
    use memoreez::stage::NoProgress;

    #[test]
    fn loop_from_given_noise_matches() {
        for case in cases() {
            let dit = Hunyuan3DDiT::new(&case.cfg.model.params, case.vb(DType::F32).pp("model")).unwrap();
            case.finish_weights();
            let kind = case.cfg.scheduler_kind().unwrap();
            let ladder = Ladder::new(kind, &case.cfg.scheduler.params, case.meta_usize("steps"));
            let scale = case.meta_f64("guidance");
            let guidance =
                if dit.has_guidance_embed() { Guidance::Embedded { scale } } else { Guidance::Classifier { scale } };
            let out = sample(
                &dit,
                &ladder,
                &case.reference("pipeline.noise"),
                &case.reference("conditioner.main"),
                &case.reference("conditioner.uncond"),
                guidance,
                &NoProgress,
            )
            .unwrap();
            check(&case, "pipeline.latents", &out, TOL);
        }
    }
}

mod vae {
    use super::*;
    use memoreez::shapegen::hunyuan3d::vae::ShapeVae;

    fn decoded(case: &Case, vae: &ShapeVae, dtype: DType) -> Tensor {
        let lat = (case.reference("pipeline.latents") / vae.scale_factor).unwrap();
        vae.forward(&lat.to_dtype(dtype).unwrap()).unwrap()
    }

    #[test]
    fn transformer_matches() {
        for case in cases() {
            let vae = ShapeVae::new(&case.cfg.vae.params, case.vb(DType::F32).pp("vae")).unwrap();
            case.finish_weights();
            check(&case, "vae.decoded", &decoded(&case, &vae, DType::F32), TOL);
        }
    }

    #[test]
    fn geometry_decoder_matches() {
        for case in cases() {
            let vae = ShapeVae::new(&case.cfg.vae.params, case.vb(DType::F32).pp("vae")).unwrap();
            case.finish_weights();
            let logits =
                vae.geo_decoder.forward(&case.reference("geo.queries"), &case.reference("vae.decoded")).unwrap();
            check(&case, "geo.logits", &logits, TOL);
        }
    }

    #[test]
    fn half_precision_within_1e2() {
        for case in cases() {
            for dtype in [DType::F16, DType::BF16] {
                let vae = ShapeVae::new(&case.cfg.vae.params, case.vb(dtype).pp("vae")).unwrap();
                check(&case, "vae.decoded", &decoded(&case, &vae, dtype), 1e-2);
                let latents = case.reference("vae.decoded").to_dtype(dtype).unwrap();
                let logits = vae.geo_decoder.forward(&case.reference("geo.queries"), &latents).unwrap();
                check(&case, "geo.logits", &logits, 1e-2);
            }
        }
    }
}

mod volume {
    use super::*;
    use memoreez::shapegen::hunyuan3d::vae::ShapeVae;
    use memoreez::shapegen::hunyuan3d::volume::{decode_dense, decode_flashvdm, FlashVdm};
    use memoreez::stage::NoProgress;

    fn vae(case: &Case) -> ShapeVae {
        let vae = ShapeVae::new(&case.cfg.vae.params, case.vb(DType::F32).pp("vae")).unwrap();
        case.finish_weights();
        vae
    }

    fn as_tensor(grid: &memoreez::mesh::marching_cubes::Grid) -> Tensor {
        let [a, b, c] = grid.dims;
        Tensor::from_vec(grid.values.clone(), (1, a, b, c), &Device::Cpu).unwrap()
    }

    #[test]
    fn dense_matches() {
        for case in cases() {
            let vae = vae(&case);
            let kv = vae.geo_decoder.prepare(&case.reference("vae.decoded")).unwrap();
            // An odd chunk size, so that chunks straddle rows.
            let grid = decode_dense(
                &vae.geo_decoder,
                &kv,
                case.meta_f64("bounds"),
                case.meta_usize("octree"),
                997,
                &NoProgress,
            )
            .unwrap();
            check(&case, "volume.vanilla", &as_tensor(&grid), TOL);
        }
    }

    #[test]
    fn flashvdm_matches_with_nan_where_the_reference_has_nan() {
        for case in cases() {
            let vae = vae(&case);
            let kv = vae.geo_decoder.prepare(&case.reference("vae.decoded")).unwrap();
            let opts = FlashVdm {
                bounds: case.meta_f64("bounds"),
                octree_resolution: case.meta_usize("hier_octree"),
                min_resolution: case.meta_usize("hier_min"),
                mc_level: case.meta_f64("hier_mc_level") as f32,
                chunk: 1000,
            };
            let (grid, decoded) = decode_flashvdm(&vae.geo_decoder, &kv, &opts, &NoProgress).unwrap();
            let want = case.reference("volume.flashvdm");
            let want_v: Vec<f32> = want.flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(grid.values.len(), want_v.len(), "case {}", case.name());
            let nan_mismatch = grid.values.iter().zip(&want_v).filter(|(a, b)| a.is_nan() != b.is_nan()).count();
            assert_eq!(nan_mismatch, 0, "case {}: NaN placement differs", case.name());
            let fin = |v: &[f32]| -> Vec<f32> { v.iter().map(|x| if x.is_nan() { 0.0 } else { *x }).collect() };
            let [a, b, c] = grid.dims;
            let got = Tensor::from_vec(fin(&grid.values), (1, a, b, c), &Device::Cpu).unwrap();
            let want = Tensor::from_vec(fin(&want_v), want.dims(), &Device::Cpu).unwrap();
            let err = relative_error(&got, &want).unwrap();
            eprintln!(
                "{}: volume.flashvdm relative error {err:.3e} ({decoded} queries of {} dense)",
                case.name(),
                a * b * c
            );
            assert!(err < TOL, "case {}: volume.flashvdm relative error {err:.3e}", case.name());
        }
    }
}

mod marching_cubes {
    use super::*;
    use memoreez::mesh::marching_cubes::{marching_cubes, Grid};
    use std::collections::HashMap as Map;

    fn grid_of(t: &Tensor) -> Grid {
        let d = t.dims();
        Grid { dims: [d[1], d[2], d[3]], values: t.flatten_all().unwrap().to_vec1().unwrap() }
    }

    fn cell(v: &[f32; 3]) -> [i64; 3] {
        v.map(|x| (x * 1000.0).floor() as i64)
    }

    /// For each vertex of `a`, the index of a vertex of `b` within `tol`, if any.
    fn matches(a: &[[f32; 3]], b: &[[f32; 3]], tol: f32) -> Vec<Option<usize>> {
        let mut buckets: Map<[i64; 3], Vec<usize>> = Map::new();
        for (i, v) in b.iter().enumerate() {
            buckets.entry(cell(v)).or_default().push(i);
        }
        a.iter()
            .map(|v| {
                let c = cell(v);
                let mut best: Option<(f32, usize)> = None;
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        for dz in -1..=1 {
                            let key = [c[0] + dx, c[1] + dy, c[2] + dz];
                            for &j in buckets.get(&key).into_iter().flatten() {
                                let d = (0..3).map(|k| (v[k] - b[j][k]).abs()).fold(0f32, f32::max);
                                if d <= tol && best.is_none_or(|(bd, _)| d < bd) {
                                    best = Some((d, j));
                                }
                            }
                        }
                    }
                }
                best.map(|(_, j)| j)
            })
            .collect()
    }

    fn check_mesh(case: &Case, grid_name: &str, prefix: &str, level: f32) {
        let mesh = marching_cubes(&grid_of(&case.reference(grid_name)), level);
        let rv: Vec<f32> = case.reference(&format!("{prefix}.vertices")).flatten_all().unwrap().to_vec1().unwrap();
        let rf: Vec<i32> = case.reference(&format!("{prefix}.faces")).flatten_all().unwrap().to_vec1().unwrap();
        let ref_v: Vec<[f32; 3]> = rv.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let ref_f: Vec<[usize; 3]> = rf.chunks(3).map(|c| [c[0] as usize, c[1] as usize, c[2] as usize]).collect();
        let ours_to_ref = matches(&mesh.vertices, &ref_v, 1e-4);
        let ref_to_ours = matches(&ref_v, &mesh.vertices, 1e-4);
        let unmatched_ours = ours_to_ref.iter().filter(|m| m.is_none()).count();
        let unmatched_ref = ref_to_ours.iter().filter(|m| m.is_none()).count();
        // Orientation: each of our faces, in reference vertex ids, against the reference faces.
        let key = |f: [usize; 3]| {
            let r = (0..3).min_by_key(|&i| f[i]).unwrap();
            [f[r], f[(r + 1) % 3], f[(r + 2) % 3]]
        };
        let ref_set: std::collections::HashSet<[usize; 3]> = ref_f.iter().map(|&f| key(f)).collect();
        let (mut same, mut flipped) = (0usize, 0usize);
        for t in &mesh.triangles {
            let ids: Option<Vec<usize>> = t.iter().map(|&i| ours_to_ref[i as usize]).collect();
            if let Some(ids) = ids {
                if ref_set.contains(&key([ids[0], ids[1], ids[2]])) {
                    same += 1;
                } else if ref_set.contains(&key([ids[0], ids[2], ids[1]])) {
                    flipped += 1;
                }
            }
        }
        eprintln!(
            "{}: {prefix}: {} vertices / {} faces (reference {} / {}); unmatched ours {unmatched_ours}, reference {unmatched_ref}; faces as exported {same}, flipped {flipped}",
            case.name(),
            mesh.vertices.len(),
            mesh.triangles.len(),
            ref_v.len(),
            ref_f.len()
        );
        assert_eq!(unmatched_ours, 0, "case {}: {prefix}: our vertices off the reference", case.name());
        assert_eq!(unmatched_ref, 0, "case {}: {prefix}: reference vertices we lack", case.name());
        assert_eq!(
            same,
            mesh.triangles.len(),
            "case {}: {prefix}: faces not wound as the pipeline exports them ({flipped} reversed)",
            case.name()
        );
        let faces = mesh.triangles.len() as f64;
        assert!(
            (faces - ref_f.len() as f64).abs() <= 0.01 * ref_f.len() as f64,
            "case {}: {prefix}: {faces} faces against {}",
            case.name(),
            ref_f.len()
        );
    }

    #[test]
    fn dense_grid_mesh_matches_skimage() {
        for case in cases() {
            check_mesh(&case, "volume.vanilla", "mc", case.meta_f64("mc_level") as f32);
        }
    }

    #[test]
    fn flashvdm_grid_mesh_matches_skimage() {
        for case in cases() {
            check_mesh(&case, "volume.flashvdm", "mc_flashvdm", case.meta_f64("hier_mc_level") as f32);
        }
    }
}

mod end_to_end {
    use super::*;
    use memoreez::shapegen::hunyuan3d::weights::ModelFiles;
    use memoreez::shapegen::hunyuan3d::{Hunyuan3D, Hunyuan3DGenerator, Options};
    use memoreez::shapegen::{ShapeGenerator, ShapeInput};
    use memoreez::stage::{Progress, StageError};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    fn input(case: &Case) -> image::RgbaImage {
        image::open(case.dir.join("input.png")).unwrap().to_rgba8()
    }

    fn case_options(case: &Case, model: &Hunyuan3D) -> Options {
        Options {
            steps: case.meta_usize("steps"),
            guidance: case.meta_f64("guidance"),
            octree_resolution: case.meta_usize("octree"),
            ..Options::for_config(&model.config)
        }
    }

    /// Counts steps; asks to stop once `stop_after` steps were reported.
    struct Recorder {
        steps: AtomicUsize,
        stop_after: usize,
        messages: Mutex<Vec<String>>,
    }

    impl Progress for Recorder {
        fn step(&self, _: usize, _: usize, message: &str) {
            self.steps.fetch_add(1, Ordering::SeqCst);
            self.messages.lock().unwrap().push(message.to_string());
        }
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            self.steps.load(Ordering::SeqCst) >= self.stop_after
        }
    }

    #[test]
    fn image_to_latents_matches_the_official_pipeline() {
        for case in cases() {
            let files =
                ModelFiles { config: case.dir.join("config.yaml"), weights: case.dir.join("model.safetensors") };
            let model = Hunyuan3D::load(&files, &Device::Cpu, DType::F32).unwrap();
            let opts = case_options(&case, &model);
            let rec = Recorder { steps: AtomicUsize::new(0), stop_after: usize::MAX, messages: Mutex::new(vec![]) };
            let lat = model.latents(&input(&case), &case.reference("pipeline.noise"), &opts, &rec).unwrap();
            assert_eq!(rec.steps.load(Ordering::SeqCst), opts.steps);
            check(&case, "pipeline.latents", &lat, TOL);
        }
    }

    #[test]
    fn generator_makes_a_mesh_with_progress_and_stops_when_asked() {
        for case in cases() {
            let mut generator = Hunyuan3DGenerator::from_dir(&case.dir, None, &Device::Cpu, DType::F32).unwrap();
            generator.options_mut().octree_resolution = case.meta_usize("octree");
            generator.options_mut().steps = case.meta_usize("steps");
            generator.options_mut().flashvdm = false;
            generator.options_mut().mc_level = case.meta_f64("mc_level") as f32;
            let img = input(&case);
            let shape_input = ShapeInput { cutout: &img, concept: None, seed: 7 };
            let rec = Recorder { steps: AtomicUsize::new(0), stop_after: usize::MAX, messages: Mutex::new(vec![]) };
            let mesh = generator.generate(&shape_input, &rec).unwrap();
            assert!(!mesh.triangles.is_empty(), "case {}", case.name());
            let (lo, hi) = mesh.bounds().unwrap();
            assert!(lo.iter().chain(hi.iter()).all(|v| v.abs() <= 1.0101));
            let messages = rec.messages.lock().unwrap();
            assert!(messages.iter().any(|m| m.contains("diffusion")));
            assert!(messages.iter().any(|m| m.contains("volume")));
            drop(messages);

            let stop = Recorder { steps: AtomicUsize::new(0), stop_after: 2, messages: Mutex::new(vec![]) };
            match generator.generate(&shape_input, &stop) {
                Err(StageError::Cancelled) => {}
                other => panic!("case {}: expected Cancelled, got {other:?}", case.name()),
            }
            assert_eq!(stop.steps.load(Ordering::SeqCst), 2);
        }
    }

    #[test]
    fn missing_weights_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d/v2-0-tiny");
        std::fs::copy(src.join("config.yaml"), dir.path().join("config.yaml")).unwrap();
        let all = candle_core::safetensors::load(src.join("model.safetensors"), &Device::Cpu).unwrap();
        let partial: HashMap<String, Tensor> =
            all.into_iter().filter(|(k, _)| !k.starts_with("model.double_blocks.1.")).collect();
        candle_core::safetensors::save(&partial, dir.path().join("model.safetensors")).unwrap();
        let files = ModelFiles::locate(dir.path(), None).unwrap();
        let err = Hunyuan3D::load(&files, &Device::Cpu, DType::F32).err().unwrap().to_string();
        assert!(err.contains("model.double_blocks.1."), "{err}");
        assert!(err.contains("missing"), "{err}");
    }
}

/// `cv2.resize` outputs on random images (`tests/fixtures/hunyuan3d/cv2_resize.py`, OpenCV 4.14),
/// with IPP on (the wheels' default) and off: ours must be bit-exact.
#[test]
fn cv2_resize_is_bit_exact() {
    use memoreez::shapegen::hunyuan3d::cv_resize::{resize, Image8, Interpolation};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d/cv2_resize.bin");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut at = 0;
    let mut records = 0;
    while at < bytes.len() {
        let head: Vec<usize> =
            bytes[at..at + 28].chunks(4).map(|c| i32::from_le_bytes(c.try_into().unwrap()) as usize).collect();
        at += 28;
        let (w, h, cn, dw, dh) = (head[0], head[1], head[2], head[3], head[4]);
        let interp = match (head[5], head[6]) {
            (0, _) => Interpolation::Area,
            (1, 1) => Interpolation::CubicIpp,
            (1, _) => Interpolation::Cubic,
            _ => Interpolation::Nearest,
        };
        let src = Image8 { width: w, height: h, channels: cn, data: bytes[at..at + w * h * cn].to_vec() };
        at += w * h * cn;
        let want = &bytes[at..at + dw * dh * cn];
        at += dw * dh * cn;
        let got = resize(&src, dw, dh, interp);
        let diffs = got.data.iter().zip(want).filter(|(a, b)| a != b).count();
        assert_eq!(diffs, 0, "{interp:?} {w}x{h}x{cn} -> {dw}x{dh}: {diffs} values differ");
        records += 1;
    }
    assert_eq!(records, 11);
}
