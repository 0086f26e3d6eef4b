//! `memoreez orders`: list, show, advance.

use super::{CliError, CliResult, Context};
use clap::Subcommand;
use memoreez::domain::Cents;
use memoreez::store::{OrderRow, OrderState};
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum OrdersCommand {
    /// All orders, newest first
    List {
        #[arg(long)]
        json: bool,
    },
    /// One order in full, as JSON
    Show { id: String },
    /// Move an order on: paid, printing, shipped or cancelled
    Advance {
        id: String,
        #[arg(value_parser = parse_state)]
        state: OrderState,
    },
}

fn parse_state(s: &str) -> Result<OrderState, String> {
    OrderState::parse(s).ok_or_else(|| format!("unknown state '{s}'; use paid, printing, shipped or cancelled"))
}

fn json(o: &OrderRow) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or_default()
}

pub fn run(ctx: &Context, cmd: OrdersCommand) -> CliResult {
    let cfg = ctx.config()?;
    let store = ctx.store(&cfg)?;
    match cmd {
        OrdersCommand::List { json: as_json } => {
            let orders = store.list_orders().map_err(|e| CliError::Failed(e.to_string()))?;
            if orders.is_empty() && !as_json {
                eprintln!("no orders yet");
            } else if !as_json {
                println!("{:<10} {:<10} {:>10} {:<28} created", "id", "state", "total", "email");
            }
            for o in &orders {
                if as_json {
                    println!("{}", json(o));
                } else {
                    let created: String = o.created_at.replace('T', " ").chars().take(19).collect();
                    let total = format!("{} {}", Cents(o.total_cents), o.currency);
                    println!("{:<10} {:<10} {:>10} {:<28} {}", &o.id[..8], o.state, total, o.email, created);
                }
            }
        }
        OrdersCommand::Show { id } => {
            let o = store.order(&id).map_err(|e| CliError::BadInput(e.to_string()))?;
            let mut v = json(&o);
            v["folder"] = serde_json::json!(store.order_dir(&o.id));
            println!("{v}");
        }
        OrdersCommand::Advance { id, state } => {
            let o = store.advance_order(&id, state).map_err(|e| CliError::BadInput(e.to_string()))?;
            eprintln!("order {} is now {}", &o.id[..8], o.state);
            println!("{}", json(&o));
        }
    }
    Ok(ExitCode::SUCCESS)
}
