//! Every manifest under `models/` parses, is built into the binary verbatim, and agrees with the
//! layout the Hunyuan3D-2 loader expects.

use memoreez::models::{self, Manifest, ModelKind, EMBEDDED};
use memoreez::shapegen::hunyuan3d::weights::{TURBO_VAE_FOLDERS, VARIANT_FOLDERS};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn on_disk() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_manifest_parses_and_is_built_in_verbatim() {
    let files = on_disk();
    assert!(files.len() >= 8, "expected the Hunyuan3D-2 manifests, found {}", files.len());
    for (name, text) in &files {
        Manifest::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        let built_in = EMBEDDED.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
        assert_eq!(built_in, Some(text.as_str()), "{name} is not in models::EMBEDDED as it is on disk");
    }
    let disk: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let embedded: BTreeSet<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
    assert_eq!(disk, embedded, "models/ and models::EMBEDDED list different files");
}

#[test]
fn manifests_match_the_official_layout_and_licence() {
    let all = models::all().unwrap();
    let names: BTreeSet<&str> = all.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), all.len(), "model names repeat");
    for m in &all {
        assert!(m.repo.starts_with("tencent/Hunyuan3D-2"), "{}: {}", m.name, m.repo);
        let territories = m.licence.excluded_territories.join(", ");
        for place in ["European Union", "United Kingdom", "South Korea"] {
            assert!(territories.contains(place), "{}: licence exclusions lack {place}", m.name);
        }
        assert!(m.licence.name.contains("Hunyuan 3D"), "{}", m.name);
        let folder = m.files[0].path.split('/').next().unwrap();
        assert!(m.files.iter().all(|f| f.path.starts_with(folder)), "{}: one folder per model", m.name);
        assert!(m.files.iter().any(|f| f.path.ends_with("config.yaml")), "{}: no config", m.name);
        assert!(m.files.iter().any(|f| f.is_safetensors() && !f.tensors.is_empty()), "{}: no weights", m.name);
        match m.kind {
            ModelKind::Hunyuan3d => {
                let v = m.variant.as_deref().unwrap();
                let expected = VARIANT_FOLDERS.iter().find(|(s, _)| *s == v).map(|(_, f)| *f);
                assert_eq!(expected, Some(folder), "{}: variant {v} lives elsewhere", m.name);
            }
            ModelKind::Hunyuan3dVae => {
                assert!(TURBO_VAE_FOLDERS.iter().any(|(_, vae)| *vae == folder), "{}: {folder}", m.name);
            }
        }
    }
    for (short, _) in VARIANT_FOLDERS {
        assert!(all.iter().any(|m| m.variant.as_deref() == Some(*short)), "no manifest for variant {short}");
    }
}
