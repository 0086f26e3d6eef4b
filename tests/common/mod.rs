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
