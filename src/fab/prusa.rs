//! PrusaSlicer's command line as a [`Slicer`]: slices the saved STL into G-code and reads grams and
//! print time from the G-code's closing comments.

use crate::config::PrintProfile;
use crate::fab::estimate::EstimateSlicer;
use crate::fab::{SliceStats, Slicer};
use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Program names tried on PATH.
const NAMES: [&str; 2] = ["prusa-slicer", "PrusaSlicer"];
/// A slice that takes longer than this has hung.
const TIME_LIMIT: Duration = Duration::from_secs(15 * 60);
const POLL: Duration = Duration::from_millis(50);
/// PrusaSlicer's default bed is this square, mm.
const DEFAULT_BED_MM: f64 = 200.0;
/// Room around the piece for the skirt (6 mm away) and its line, mm.
const BED_CLEARANCE_MM: f64 = 20.0;
const GRAMS_KEY: &str = "; total filament used [g] =";
const TIME_KEY: &str = "; estimated printing time (normal mode) =";

/// A PrusaSlicer executable, the version it reports, and the profile it slices with.
#[derive(Debug, Clone, PartialEq)]
pub struct PrusaSlicer {
    exe: PathBuf,
    version: String,
    profile: PrintProfile,
}

/// PrusaSlicer when it is on PATH and answers `--help`, with the default profile. Starting it
/// costs a few hundred milliseconds, so the answer is found once per process and kept.
pub fn detect() -> Option<PrusaSlicer> {
    static PROBE: OnceLock<Option<PrusaSlicer>> = OnceLock::new();
    PROBE.get_or_init(probe).clone()
}

fn probe() -> Option<PrusaSlicer> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |n| dir.join(n)))
        .filter(|p| p.is_file())
        .find_map(PrusaSlicer::at)
}

/// PrusaSlicer when this machine has it, else the estimator; which one is decided on first use,
/// not when the backends are built.
#[derive(Debug, Clone, Default)]
pub struct AutoSlicer {
    profile: PrintProfile,
}

impl AutoSlicer {
    pub fn new(profile: PrintProfile) -> Self {
        Self { profile }
    }
}

impl Slicer for AutoSlicer {
    fn kind(&self) -> crate::stage::BackendKind {
        if detect().is_some() {
            crate::stage::BackendKind::Local
        } else {
            crate::stage::BackendKind::Offline
        }
    }

    fn name(&self) -> &str {
        if detect().is_some() {
            "prusa-slicer"
        } else {
            "estimate"
        }
    }

    fn slice(
        &self,
        solid: &Mesh,
        stl: &Path,
        gcode_out: &Path,
        progress: &dyn Progress,
    ) -> Result<(SliceStats, bool), StageError> {
        match detect() {
            Some(p) => p.with_profile(self.profile.clone()).slice(solid, stl, gcode_out, progress),
            None => EstimateSlicer::new(self.profile.clone()).slice(solid, stl, gcode_out, progress),
        }
    }
}

impl PrusaSlicer {
    /// The executable at `exe`, if it runs and says it is PrusaSlicer.
    pub fn at(exe: PathBuf) -> Option<Self> {
        let out = Command::new(&exe).arg("--help").stdin(Stdio::null()).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = version_line(&text)?;
        Some(Self { exe, version, profile: PrintProfile::default() })
    }

    /// The same executable slicing with `profile`.
    pub fn with_profile(self, profile: PrintProfile) -> Self {
        Self { profile, ..self }
    }

    /// E.g. "PrusaSlicer-2.5.0+UNKNOWN".
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn exe(&self) -> &Path {
        &self.exe
    }

    /// The command line for `profile` (the design's defaults: 0.2 mm layers, 15 % infill, 0.4 mm
    /// nozzle, PLA at 1.24 g/cm³; without the density PrusaSlicer reports 0 g). `bed_mm`, when
    /// given, replaces the default 200 mm square bed (which refuses wider pieces).
    pub fn args(stl: &Path, gcode_out: &Path, bed_mm: Option<f64>, profile: &PrintProfile) -> Vec<OsString> {
        let p = profile;
        let mut a: Vec<OsString> = vec![
            "--export-gcode".into(),
            "--filament-density".into(),
            p.filament_density_g_cm3.to_string().into(),
            "--layer-height".into(),
            p.layer_height_mm.to_string().into(),
            "--fill-density".into(),
            format!("{}%", p.fill_density_percent).into(),
            "--nozzle-diameter".into(),
            p.nozzle_mm.to_string().into(),
            "--filament-diameter".into(),
            p.filament_diameter_mm.to_string().into(),
            "--perimeters".into(),
            p.perimeters.to_string().into(),
        ];
        if p.fill_density_percent >= 100.0 {
            // PrusaSlicer refuses its default pattern at 100 %: "not supposed to work at 100% density".
            a.push("--fill-pattern".into());
            a.push("rectilinear".into());
        }
        if p.supports {
            a.push("--support-material".into());
        }
        // Seams at the back, away from the engraved front; PrusaSlicer 2.5 then also skips its
        // seam visibility pass, which costs seconds per piece (12 s -> 3.6 s on a 64k-face one).
        a.push("--seam-position".into());
        a.push("rear".into());
        a.push("--output".into());
        a.push(gcode_out.as_os_str().to_owned());
        if let Some(w) = bed_mm {
            a.push("--bed-shape".into());
            a.push(format!("0x0,{w:.0}x0,{w:.0}x{w:.0},0x{w:.0}").into());
        }
        a.push(stl.as_os_str().to_owned());
        a
    }
}

/// The first line naming PrusaSlicer; `--help` may print log lines before it.
fn version_line(help: &str) -> Option<String> {
    let line = help.lines().map(str::trim).find(|l| l.starts_with("PrusaSlicer"))?;
    line.split_whitespace().next().map(String::from)
}

impl Slicer for PrusaSlicer {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Local
    }

    fn name(&self) -> &str {
        "prusa-slicer"
    }

    fn slice(
        &self,
        solid: &Mesh,
        stl: &Path,
        gcode_out: &Path,
        progress: &dyn Progress,
    ) -> Result<(SliceStats, bool), StageError> {
        if !stl.is_file() {
            return Err(StageError::Failed(format!("there is no STL to slice at {}", stl.display())));
        }
        let bed = larger_bed(solid);
        if let Some(w) = bed {
            progress.note(&format!(
                "the piece is wider than PrusaSlicer's default {DEFAULT_BED_MM:.0} mm bed; slicing on a {w:.0} mm one"
            ));
        }
        progress.step(1, 3, &format!("slicing with {}", self.version));
        let child = Command::new(&self.exe)
            .args(Self::args(stl, gcode_out, bed, &self.profile))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| StageError::io(format!("could not start {}", self.exe.display()), e))?;
        let (ok, log) = wait(child, progress)?;
        if !ok {
            return Err(StageError::Failed(format!("PrusaSlicer could not slice the piece: {}", failure_reason(&log))));
        }
        progress.step(2, 3, "sliced; reading the G-code");
        let file = std::fs::File::open(gcode_out)
            .map_err(|e| StageError::io(format!("PrusaSlicer wrote no G-code at {}", gcode_out.display()), e))?;
        let (grams, minutes) = read_stats(BufReader::new(file)).map_err(StageError::Failed)?;
        progress.step(3, 3, "filament and time read");
        Ok((SliceStats { grams, minutes, slicer: self.version.replacen('-', " ", 1) }, true))
    }
}

/// A bed big enough for the piece with room for the skirt, when the default one is not.
fn larger_bed(solid: &Mesh) -> Option<f64> {
    let (lo, hi) = solid.bounds()?;
    let widest = f64::from((hi[0] - lo[0]).max(hi[1] - lo[1]));
    let needed = widest + BED_CLEARANCE_MM;
    (needed > DEFAULT_BED_MM).then(|| (needed / 10.0).ceil() * 10.0)
}

/// Waits for the slicer, draining its output on threads (a full pipe would stall it) and killing it
/// when cancelled or past the time limit. Returns whether it succeeded and its output.
fn wait(mut child: Child, progress: &dyn Progress) -> Result<(bool, String), StageError> {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                // A broken pipe only loses log text.
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if progress.is_cancelled() => break Err(StageError::Cancelled),
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                break Err(StageError::Failed(format!(
                    "PrusaSlicer did not finish within {} minutes",
                    TIME_LIMIT.as_secs() / 60
                )))
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => break Err(StageError::io("could not wait for PrusaSlicer", e)),
        }
    };
    if status.is_err() {
        // It may have exited meanwhile; either way it must not outlive us.
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut log = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    log.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    Ok((status?.success(), log))
}

/// The lines of PrusaSlicer's output that say what went wrong, without its trace logging.
fn failure_reason(log: &str) -> String {
    let lines: Vec<&str> = log.lines().map(str::trim).filter(|l| !l.is_empty() && !is_trace(l)).collect();
    let errors: Vec<&str> = lines.iter().copied().filter(|l| l.to_lowercase().contains("error")).collect();
    let chosen = if errors.is_empty() { &lines[lines.len().saturating_sub(3)..] } else { &errors[..] };
    if chosen.is_empty() {
        "it exited without saying why".into()
    } else {
        chosen.join("; ")
    }
}

/// PrusaSlicer's own log lines, "[time] [thread] [trace] ...".
fn is_trace(line: &str) -> bool {
    line.starts_with('[') && line.contains("] [trace]")
}

/// Grams and minutes from the G-code's summary comments.
pub fn read_stats(gcode: impl BufRead) -> Result<(f64, f64), String> {
    let (mut grams, mut minutes) = (None, None);
    for line in gcode.lines() {
        let line = line.map_err(|e| format!("could not read the G-code: {e}"))?;
        if let Some(v) = line.strip_prefix(GRAMS_KEY) {
            grams = v.trim().parse::<f64>().ok();
        } else if let Some(v) = line.strip_prefix(TIME_KEY) {
            minutes = parse_duration_minutes(v.trim());
        }
    }
    let grams = grams.ok_or("the G-code has no filament weight (\"total filament used [g]\")")?;
    let minutes = minutes.ok_or("the G-code has no print time (\"estimated printing time\")")?;
    if grams <= 0.0 {
        return Err("PrusaSlicer reported 0 g of filament; the filament density was not applied".into());
    }
    Ok((grams, minutes))
}

/// "1d 2h 3m 4s", "2h 5m", "9s" -> minutes.
pub fn parse_duration_minutes(s: &str) -> Option<f64> {
    let mut seconds = 0.0;
    let mut any = false;
    for part in s.split_whitespace() {
        let unit = part.chars().last()?;
        let n: f64 = part[..part.len() - unit.len_utf8()].parse().ok()?;
        seconds += n * match unit {
            'd' => 86400.0,
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        any = true;
    }
    any.then_some(seconds / 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::NoProgress;

    #[test]
    fn durations_in_prusa_format() {
        assert_eq!(parse_duration_minutes("1h 2m 3s"), Some(62.05));
        assert_eq!(parse_duration_minutes("2d 1h"), Some(2940.0));
        assert_eq!(parse_duration_minutes("9s"), Some(0.15));
        assert_eq!(parse_duration_minutes("45m"), Some(45.0));
        assert_eq!(parse_duration_minutes(""), None);
        assert_eq!(parse_duration_minutes("soon"), None);
        assert_eq!(parse_duration_minutes("3x"), None);
    }

    #[test]
    fn stats_come_from_the_summary_comments() {
        let g = "G1 X1\n; filament used [mm] = 100\n; total filament used [g] = 12.34\n\
                 ; estimated printing time (normal mode) = 1h 2m 3s\n; estimated printing time (silent mode) = 2h\n";
        assert_eq!(read_stats(g.as_bytes()), Ok((12.34, 62.05)));
        assert!(read_stats(
            "; total filament used [g] = 0.00\n; estimated printing time (normal mode) = 1m\n".as_bytes()
        )
        .unwrap_err()
        .contains("density"));
        assert!(read_stats("G1 X1\n".as_bytes()).is_err());
    }

    #[test]
    fn version_is_the_line_naming_prusaslicer() {
        let help = "[2026-01-01] [0x1] [trace]   Initializing StaticPrintConfigs\n\
                    PrusaSlicer-2.5.0+UNKNOWN based on Slic3r (with GUI support)\nhttps://github.com/prusa3d/PrusaSlicer\n";
        assert_eq!(version_line(help).as_deref(), Some("PrusaSlicer-2.5.0+UNKNOWN"));
        assert_eq!(version_line("usage: something else"), None);
    }

    #[test]
    fn failure_reason_prefers_error_lines() {
        let log = "[2026] [0x1] [trace] noise\n10 => Processing\nerror: Some objects are too tall\n";
        assert_eq!(failure_reason(log), "error: Some objects are too tall");
        assert_eq!(failure_reason(""), "it exited without saying why");
    }

    #[test]
    fn slices_a_cube_when_installed() {
        let Some(slicer) = detect() else {
            eprintln!("prusa-slicer not on PATH: skipped slicing");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let cube = crate::fab::manifold_io::to_mesh(&manifold_rs::Manifold::cube(20.0, 20.0, 20.0));
        let stl = dir.path().join("cube.stl");
        crate::mesh::io::write_stl(&stl, &cube).unwrap();
        let gcode = dir.path().join("cube.gcode");
        let (stats, wrote) = slicer.slice(&cube, &stl, &gcode, &NoProgress).unwrap();
        assert!(wrote && gcode.is_file());
        assert!(stats.slicer.starts_with("PrusaSlicer "), "{}", stats.slicer);
        // 8 cm³ at 15 % infill with three walls: a few grams, some tens of minutes.
        assert!(stats.grams > 2.0 && stats.grams < 8.0 * 1.24, "{stats:?}");
        assert!(stats.minutes > 5.0 && stats.minutes < 120.0, "{stats:?}");
    }

    #[test]
    fn the_profile_reaches_the_command_line() {
        let text = |p: &PrintProfile| {
            let a = PrusaSlicer::args(Path::new("m.stl"), Path::new("m.gcode"), None, p);
            a.iter().map(|x| x.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
        };
        assert_eq!(
            text(&PrintProfile::default()),
            "--export-gcode --filament-density 1.24 --layer-height 0.2 --fill-density 15% --nozzle-diameter 0.4 \
             --filament-diameter 1.75 --perimeters 3 --seam-position rear --output m.gcode m.stl"
        );
        let custom = PrintProfile {
            layer_height_mm: 0.3,
            nozzle_mm: 0.6,
            fill_density_percent: 22.5,
            filament_density_g_cm3: 1.27,
            filament_diameter_mm: 2.85,
            perimeters: 2,
            supports: true,
        };
        assert_eq!(
            text(&custom),
            "--export-gcode --filament-density 1.27 --layer-height 0.3 --fill-density 22.5% --nozzle-diameter 0.6 \
             --filament-diameter 2.85 --perimeters 2 --support-material --seam-position rear --output m.gcode m.stl"
        );
    }

    #[test]
    fn a_denser_profile_slices_heavier_when_installed() {
        let Some(slicer) = detect() else {
            eprintln!("prusa-slicer not on PATH: skipped slicing with a profile");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let cube = crate::fab::manifold_io::to_mesh(&manifold_rs::Manifold::cube(20.0, 20.0, 20.0));
        let stl = dir.path().join("cube.stl");
        crate::mesh::io::write_stl(&stl, &cube).unwrap();
        let grams = |fill: f64| {
            let p = PrintProfile { fill_density_percent: fill, ..PrintProfile::default() };
            let out = dir.path().join(format!("cube{fill}.gcode"));
            slicer.clone().with_profile(p).slice(&cube, &stl, &out, &NoProgress).unwrap().0.grams
        };
        let (light, heavy, full) = (grams(15.0), grams(60.0), grams(100.0));
        assert!(heavy > light * 1.3, "15% infill {light} g, 60% infill {heavy} g");
        // Solid: the cube's 8 cm³ of PLA at 1.24 g/cm³, give or take what the slicer overlaps.
        assert!((full - 9.92).abs() < 0.1 * 9.92 && full > heavy, "100% infill {full} g");
    }

    #[test]
    fn auto_names_what_it_will_use() {
        let auto = AutoSlicer::default();
        assert_eq!(auto.name(), if detect().is_some() { "prusa-slicer" } else { "estimate" });
    }

    #[test]
    fn wide_pieces_get_a_larger_bed() {
        let narrow = crate::fab::manifold_io::to_mesh(&manifold_rs::Manifold::cube(100.0, 50.0, 10.0));
        let wide = crate::fab::manifold_io::to_mesh(&manifold_rs::Manifold::cube(240.0, 30.0, 10.0));
        assert_eq!(larger_bed(&narrow), None);
        assert_eq!(larger_bed(&wide), Some(260.0));
        let args = PrusaSlicer::args(Path::new("a.stl"), Path::new("a.gcode"), Some(260.0), &PrintProfile::default());
        let pos = args.iter().position(|a| a == "--bed-shape").unwrap();
        assert_eq!(args[pos + 1], "0x0,260x0,260x260,0x260");
        assert_eq!(args.last().map(|a| a.as_os_str()), Some(std::ffi::OsStr::new("a.stl")));
        let Some(slicer) = detect() else {
            eprintln!("prusa-slicer not on PATH: skipped slicing a wide piece");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let stl = dir.path().join("wide.stl");
        crate::mesh::io::write_stl(&stl, &wide).unwrap();
        let (stats, _) = slicer.slice(&wide, &stl, &dir.path().join("wide.gcode"), &NoProgress).unwrap();
        assert!(stats.grams > 10.0, "{stats:?}");
    }

    #[test]
    fn failures_say_why() {
        let Some(slicer) = detect() else {
            eprintln!("prusa-slicer not on PATH: skipped the failure check");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let stl = dir.path().join("garbage.stl");
        std::fs::write(&stl, b"this is not an STL").unwrap();
        let Err(e) = slicer.slice(&Mesh::default(), &stl, &dir.path().join("g.gcode"), &NoProgress) else {
            panic!("garbage should not slice");
        };
        assert!(e.to_string().starts_with("PrusaSlicer could not slice the piece: "), "{e}");
        let Err(e) = slicer.slice(&Mesh::default(), &dir.path().join("none.stl"), &dir.path().join("g"), &NoProgress)
        else {
            panic!("a missing STL should fail");
        };
        assert!(e.to_string().contains("no STL"), "{e}");
    }
}
