//! `memoreez serve`: this host's Hunyuan3D-2 behind the official `api_server.py` protocol, for
//! laptops whose `--shape remote` points here. Listens on 127.0.0.1 unless told otherwise; Ctrl-C
//! stops it after telling the job in flight to stop.

use super::{CliError, CliResult, Context};
use clap::Args;
use memoreez::net::Secret;
use memoreez::serve::{serve, Hunyuan3DMaker, MeshMaker, ServeOptions};
use memoreez::shapegen::hunyuan3d::backend::{DeviceChoice, Precision};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; 0.0.0.0 opens it to the network (set a --token then)
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port (8081 as the official server; 0 picks a free one)
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// Bearer token clients must send (they read it from MEMOREEZ_HY3D_TOKEN)
    #[arg(long, env = "MEMOREEZ_SERVE_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    token: Option<String>,
    /// Jobs that may wait behind the running one; more are answered 503 with Retry-After
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1000))]
    queue: u64,
    /// Folder with the weights [default: the config's backends.hunyuan3d, else the models pulled]
    #[arg(long, value_name = "DIR")]
    weights: Option<PathBuf>,
    /// v2-0, fast, turbo, mini, mini-fast or mini-turbo [default: the first installed]
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// auto, cpu or cuda
    #[arg(long, value_parser = |s: &str| s.parse::<DeviceChoice>())]
    device: Option<DeviceChoice>,
    /// f32, f16 or bf16 [default: f16 on CUDA, f32 on the CPU]
    #[arg(long, value_parser = parse_precision)]
    dtype: Option<Precision>,
}

fn parse_precision(s: &str) -> Result<Precision, String> {
    serde_json::from_value(serde_json::Value::String(s.to_lowercase())).map_err(|_| "use f32, f16 or bf16".to_string())
}

pub fn run(ctx: &Context, a: ServeArgs) -> CliResult {
    let mut cfg = ctx.config()?;
    let h = &mut cfg.backends.hunyuan3d;
    h.weights = a.weights.or(h.weights.take());
    h.variant = a.variant.or(h.variant.take());
    h.device = a.device.or(h.device);
    h.dtype = a.dtype.or(h.dtype);
    let flashvdm = h.flashvdm;
    let model = memoreez::pipeline::local_hunyuan3d(&cfg).map_err(CliError::BadInput)?;
    let token = a.token.and_then(Secret::new);
    if !a.host.is_loopback() && token.is_none() {
        eprintln!("warning: listening on {} with no --token: anyone who can reach this port can use the GPU", a.host);
    }
    let opts = ServeOptions { addr: SocketAddr::new(a.host, a.port), token, queue: a.queue as usize, keep: 64 };
    let maker = Hunyuan3DMaker { model, flashvdm };
    eprintln!("loading {} …", maker.describe());
    maker.model.load_now(&memoreez::stage::NoProgress).map_err(|e| CliError::BadInput(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the server runtime: {e}")))?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping: the job in flight is asked to stop");
    };
    let announce = |addr: SocketAddr| {
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
        tracing::info!(%addr, "serving Hunyuan3D-2");
    };
    rt.block_on(serve(Arc::new(maker), opts, announce, shutdown)).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            ": the port is taken; pick another with --port"
        } else {
            ""
        };
        CliError::Failed(format!("cannot serve on {}:{}: {e}{hint}", a.host, a.port))
    })?;
    Ok(ExitCode::SUCCESS)
}
