//! Helpers for running the real binary against a temporary data dir.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with a private data dir and no user config.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_memoreez"));
        c.env("MEMOREEZ_DATA_DIR", self.data())
            .env_remove("MEMOREEZ_CONFIG")
            .env_remove("MEMOREEZ_TEST_PAUSE_AT")
            .env_remove("MEMOREEZ_CLOUDFLARE_BASE_URL")
            .env_remove("CLOUDFLARE_ACCOUNT_ID")
            .env_remove("CLOUDFLARE_API_TOKEN")
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("OLLAMA_HOST")
            .env_remove("MEMOREEZ_HY3D_SERVERS")
            .env_remove("MEMOREEZ_HY3D_TOKEN")
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("HOME", self.dir.path());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run memoreez")
    }
}

pub fn stdout_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!("stdout is not one JSON object ({e}):\n{text}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr))
    })
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn read_stl(path: &Path) -> memoreez::mesh::Mesh {
    memoreez::mesh::io::read_stl(&std::fs::read(path).expect("read stl")).expect("parse stl")
}

/// A JPEG of a grey ellipse (`squash` wide for each unit tall) on white, as an image service returns.
pub fn disc_jpeg(size: u32, squash: f32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f32 - size as f32 / 2.0, y as f32 - size as f32 * 0.55);
        if (dx / squash).powi(2) + dy * dy < (size as f32 * 0.3).powi(2) {
            image::Rgb([120, 120, 120])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg).unwrap();
    out
}

/// A closed sphere of radius 0.8 in Hunyuan3D's model space, as a GLB a server would return.
pub fn sphere_glb(resolution: usize) -> Vec<u8> {
    let sdf = |p: [f32; 3]| (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() - 0.8;
    let progress = memoreez::stage::NoProgress;
    let mesh = memoreez::shapegen::mesh_from_sdf(&sdf, ([-1.0; 3], [1.0; 3]), resolution, &progress).unwrap();
    memoreez::mesh::io::glb_bytes(&mesh)
}
