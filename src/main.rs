//! The `logbraid` binary: parse the command line, run, map the outcome to an exit status.

use std::fs::File;
use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::process::ExitCode;

use anyhow::Context;
use logbraid::app;
use logbraid::cli::{Config, Mode};
use logbraid::demo::Demo;
use logbraid::engine::Engine;
use logbraid::engine::SourceDef;
use logbraid::print::{self, Outcome, PrintOptions, Printer};
use logbraid::source::SourceSpec;
use logbraid::source::claims::FileId;
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
        if config.mode == Mode::Tui {
            let engine = Engine::start(sources, config.engine, CancellationToken::new())
                .context("invalid glob")?;
            app::run(engine, config.max_memory, config.hide)
                .await
                .context("terminal error")?;
            return Ok(Outcome::Done);
        }
        let colour = config.output.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        // The output is opened first: the sources must know it, never to read it back.
        let mut options = config.engine;
        let out: Box<dyn Write + Send> = if let Some(path) = &config.output {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {} for writing", path.display()))?;
            options.output = file.metadata().ok().map(|m| FileId::of(&m));
            Box::new(file)
        } else {
            options.output = stdout_file();
            Box::new(std::io::stdout())
        };
        let engine =
            Engine::start(sources, options, CancellationToken::new()).context("invalid glob")?;
        let printer = Printer::new(
            out,
            PrintOptions {
                prefix: config.prefix,
                colour,
                filter: config.filter,
                format: config.line_format,
                hide: config.hide,
            },
        );
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

/// The identity of the regular file standard output is redirected to (`> all.log`), if it is one.
fn stdout_file() -> Option<FileId> {
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let meta = File::from(fd).metadata().ok()?;
    meta.is_file().then(|| FileId::of(&meta))
}
