//! The `logbraid` binary: parse the command line, run, map the outcome to an exit status.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use logbraid::app;
use logbraid::cli::{Config, Mode};
use logbraid::demo::Demo;
use logbraid::engine::Engine;
use logbraid::engine::SourceDef;
use logbraid::print::{self, Outcome, Printer};
use logbraid::source::SourceSpec;
use tokio_util::sync::CancellationToken;

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => e.exit(),
    };
    match run(config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("logbraid: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("logbraid-worker")
        .build()
        .context("cannot start the async runtime")?;
    // Kept alive until the run is over: dropping it stops the writers and removes the files.
    let demo = if config.demo {
        Some(Demo::start().context("cannot start the demo")?)
    } else {
        None
    };
    let mut sources = config.sources;
    if let Some(demo) = &demo {
        sources.extend(demo.paths().into_iter().map(|path| SourceDef {
            spec: SourceSpec::File(path),
            name: None,
        }));
    }
    let outcome = runtime.block_on(async {
        let engine = Engine::start(sources, config.engine, CancellationToken::new())
            .context("invalid glob")?;
        if config.mode == Mode::Tui {
            app::run(engine, config.max_memory)
                .await
                .context("terminal error")?;
            return Ok(Outcome::Done);
        }
        let colour = config.output.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        let out: Box<dyn Write + Send> = match &config.output {
            Some(path) => Box::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open {} for writing", path.display()))?,
            ),
            None => Box::new(std::io::stdout()),
        };
        let printer = Printer::new(out, config.prefix, colour, config.filter, config.escapes);
        print::run(engine, printer, config.output.is_none())
            .await
            .context("cannot write the output")
    });
    // Sources blocked in reads (stdin) must not hold the exit up.
    runtime.shutdown_background();
    Ok(match outcome? {
        Outcome::Done => ExitCode::SUCCESS,
        Outcome::NothingOpened => {
            eprintln!("logbraid: no source could be opened");
            ExitCode::FAILURE
        }
    })
}
