//! `models::verify` on a small fake model made from a fixture's tiny weights: a good copy passes,
//! and each kind of damage is named for the file it hits.

use memoreez::models::verify::{read_safetensors_header, verify, FileStatus, Quiet, Source};
use memoreez::models::{presence, Manifest, Presence, Receipt, ReceiptFile};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const CONFIG: &str = "sub/config.yaml";
const WEIGHTS: &str = "sub/model.safetensors";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d/turbo-tiny").join(name)
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A manifest for `someone/tiny` whose weights entry carries `extra` lines.
fn manifest(extra: &str) -> Manifest {
    let text = format!(
        r#"
name = "tiny"
description = "test"
kind = "hunyuan3d"
variant = "turbo"
repo = "someone/tiny"
[licence]
name = "Test"
url = "https://example.invalid"
[[files]]
path = "{CONFIG}"
[[files]]
path = "{WEIGHTS}"
tensors = ["model.latent_in.weight", "vae.post_kl.weight"]
{extra}
"#
    );
    Manifest::parse("tiny.toml", &text).unwrap()
}

/// Installs the fixture's config and weights as the fake model; returns the models dir.
fn install(root: &Path) -> PathBuf {
    let dir = root.join("someone/tiny/sub");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("config.yaml"), dir.join("config.yaml")).unwrap();
    std::fs::copy(fixture("model.safetensors"), dir.join("model.safetensors")).unwrap();
    root.to_path_buf()
}

fn status(m: &Manifest, models: &Path, path: &str) -> FileStatus {
    let report = verify(m, models, true, &Quiet);
    report.files.into_iter().find(|f| f.path == path).unwrap().status
}

fn weights_path(models: &Path) -> PathBuf {
    models.join("someone/tiny").join(WEIGHTS)
}

#[test]
fn a_good_copy_passes_with_its_hash_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    let bytes = std::fs::read(fixture("model.safetensors")).unwrap();
    let m = manifest(&format!("size = {}\nsha256 = \"{}\"", bytes.len(), sha(&bytes)));
    let report = verify(&m, &models, true, &Quiet);
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        status(&m, &models, WEIGHTS),
        FileStatus::Ok { size: bytes.len() as u64, sha256: Some(Source::Manifest) }
    );
    assert_eq!(
        presence(&m, &models),
        Presence::Installed { bytes: bytes.len() as u64 + std::fs::metadata(fixture("config.yaml")).unwrap().len() }
    );
    let header = read_safetensors_header(&weights_path(&models)).unwrap();
    assert!(header.tensors.contains_key("model.latent_in.weight"));
}

#[test]
fn a_missing_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    std::fs::remove_file(weights_path(&models)).unwrap();
    let m = manifest("");
    assert_eq!(status(&m, &models, WEIGHTS), FileStatus::Missing);
    assert!(!verify(&m, &models, true, &Quiet).is_ok());
    assert!(matches!(presence(&m, &models), Presence::Partial { missing, .. } if missing == [WEIGHTS]));
    assert_eq!(presence(&m, tmp.path().join("elsewhere").as_path()), Presence::Absent);
}

#[test]
fn a_wrong_size_is_caught_before_anything_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    let len = std::fs::metadata(weights_path(&models)).unwrap().len();
    let m = manifest(&format!("size = {}", len + 1));
    assert_eq!(status(&m, &models, WEIGHTS), FileStatus::WrongSize { expected: len + 1, actual: len });
}

#[test]
fn a_corrupt_or_cut_off_header_is_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    let path = weights_path(&models);
    let good = std::fs::read(&path).unwrap();

    let mut garbled = good.clone();
    garbled[8..24].copy_from_slice(b"not json at all!");
    std::fs::write(&path, &garbled).unwrap();
    assert!(matches!(status(&manifest(""), &models, WEIGHTS), FileStatus::BadHeader(m) if m.contains("JSON")));

    std::fs::write(&path, &good[..good.len() - 100]).unwrap();
    assert!(matches!(status(&manifest(""), &models, WEIGHTS), FileStatus::BadHeader(m) if m.contains("cut off")));

    std::fs::write(&path, [1u8, 2, 3]).unwrap();
    assert!(matches!(status(&manifest(""), &models, WEIGHTS), FileStatus::BadHeader(_)));
}

#[test]
fn the_wrong_checkpoint_lacks_the_named_tensors() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    let m = Manifest::parse(
        "t.toml",
        &format!(
            "name = \"tiny\"\ndescription = \"t\"\nkind = \"hunyuan3d\"\nvariant = \"turbo\"\nrepo = \"someone/tiny\"\n\
             [licence]\nname = \"T\"\nurl = \"u\"\n[[files]]\npath = \"{WEIGHTS}\"\n\
             tensors = [\"model.latent_in.weight\", \"model.no_such_layer.weight\"]\n"
        ),
    )
    .unwrap();
    assert_eq!(status(&m, &models, WEIGHTS), FileStatus::MissingTensors(vec!["model.no_such_layer.weight".into()]));
}

#[test]
fn a_changed_byte_fails_the_hash_recorded_by_the_pull() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    let path = weights_path(&models);
    let mut bytes = std::fs::read(&path).unwrap();
    let m = manifest("");
    let mut receipt = Receipt::default();
    receipt.record(ReceiptFile { path: WEIGHTS.into(), size: bytes.len() as u64, sha256: sha(&bytes) });
    receipt.save(&m, &models).unwrap();
    assert_eq!(
        status(&m, &models, WEIGHTS),
        FileStatus::Ok { size: bytes.len() as u64, sha256: Some(Source::Receipt) }
    );

    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(status(&m, &models, WEIGHTS), FileStatus::WrongHash { .. }));
    // --quick skips the hash and so cannot see it.
    assert!(verify(&m, &models, false, &Quiet).is_ok());
}

#[test]
fn a_config_that_does_not_read_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let models = install(tmp.path());
    std::fs::write(models.join("someone/tiny").join(CONFIG), "model: {target: x}\n").unwrap();
    assert!(matches!(status(&manifest(""), &models, CONFIG), FileStatus::BadConfig(_)));
}
