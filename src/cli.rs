//! The command line: clap's parsed [`Args`], checked and turned into a [`Config`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};

use crate::engine::{BIG_FILE, EngineOptions, MERGE_WINDOW, SourceDef};
use crate::filter::LineFilter;
use crate::print::LineFormat;
use crate::query::Query;
use crate::record::hide::Hide;
use crate::source::glob::is_glob;
use crate::source::{SourceSpec, StartAt};
use crate::timestamp::moment::{self, TimeRange};
use crate::timestamp::{Clock, wall_nanos};

const AFTER_HELP: &str = "\
Examples:
  logbraid /var/log/syslog 'logs/*.log'            follow files and every file a glob matches
  logbraid -N web -c 'ssh web1 tail -F /var/log/nginx/access.log'
  logbraid -c 'kubectl logs -f deploy/api' -c 'docker logs -f db'
  logbraid --no-follow -n all a.log b.log > merged.log    merge by timestamp and exit
  some-command | logbraid --print --prefix - app.log

Escapes: onto a terminal, control characters and escape sequences in lines are shown inert
(ESC as ^[, SGR colours kept); into a pipe or a file the bytes pass through exactly.";

/// Follow many logs at once: files (like `tail -F`), globs, standard input and commands.
#[derive(Debug, Parser)]
#[allow(clippy::struct_excessive_bools)] // clap flags
#[command(version, about, after_help = AFTER_HELP)]
pub struct Args {
    /// Files to follow by name, quoted globs ('logs/*.log', 'logs/**/*.log'), or - for stdin
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Run CMD under `sh -c` and follow its stdout and stderr (repeatable)
    #[arg(short = 'c', long = "cmd", value_name = "CMD")]
    pub commands: Vec<String>,

    /// Show the source that follows this option under NAME (for a glob: before each file's name)
    #[arg(short = 'N', long = "name", value_name = "NAME")]
    pub names: Vec<String>,

    /// Existing lines to show from each file at start: a number, 0 (start at the end) or all
    /// [default: 1000 in the TUI, 10 with --print, all with --no-follow]
    #[arg(short = 'n', long = "lines", value_name = "N|all")]
    pub lines: Option<Lines>,

    /// Watch a built-in live demo: made-up services writing logs into a temporary directory
    #[arg(long)]
    pub demo: bool,

    /// No TUI: write the merged stream to stdout (the default when stdout is not a terminal)
    #[arg(long)]
    pub print: bool,

    /// With --print: put each source's name before its lines, aligned
    #[arg(long)]
    pub prefix: bool,

    /// With --print: append the merged stream to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Read what exists, merge it by timestamp, print it and exit
    #[arg(long)]
    pub no_follow: bool,

    /// Only lines at or after TIME: RFC 3339, `2024-05-01 14:05`, `14:05` (today), `-2h`, `-30m`
    /// (before now); older history is skipped, not read, where a file is in time order
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,

    /// Only lines at or before TIME (as --since); a time in the past needs --no-follow
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,

    /// Show only lines matching REGEX (repeatable: any of them)
    #[arg(short = 'e', long = "filter", value_name = "REGEX")]
    pub filters: Vec<String>,

    /// Hide lines matching REGEX (repeatable)
    #[arg(short = 'v', long = "exclude", value_name = "REGEX")]
    pub excludes: Vec<String>,

    /// Show only lines where EXPR holds (repeatable: all must hold), e.g. `http.status >= 500`,
    /// `level >= warn and source = api` (see "Structured logs" in the README)
    #[arg(short = 'w', long = "where", value_name = "EXPR")]
    pub wheres: Vec<String>,

    /// Match filters case-insensitively
    #[arg(short = 'i', long)]
    pub ignore_case: bool,

    /// Control characters and escape sequences in lines: shown inert, passed raw, or auto
    /// (inert onto a terminal, raw into a pipe or file)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = EscapesArg::Auto)]
    pub escapes: EscapesArg,

    /// Hold live lines up to MS milliseconds to braid them by time across sources; 0: arrival
    /// order (see "Timestamps and the braid" in the README)
    #[arg(
        long,
        value_name = "MS",
        default_value_t = u64::try_from(MERGE_WINDOW.as_millis()).unwrap_or(100),
        value_parser = clap::value_parser!(u64).range(..=MAX_MERGE_WINDOW_MS)
    )]
    pub merge_window: u64,

    /// With --print: raw (the bytes as read), pretty (JSON and logfmt records rendered as the
    /// TUI shows them; coloured on a terminal), json (one object per line: time, level, source,
    /// msg, fields)
    #[arg(long, value_enum, value_name = "FORM", default_value_t = FormatArg::Raw)]
    pub format: FormatArg,

    /// Leave FIELD out of rendered records (repeatable; `*` wildcards; `!FIELD` keeps one:
    /// `--hide '*' --hide '!status'`)
    #[arg(long, value_name = "FIELD")]
    pub hide: Vec<String>,

    /// Memory for the history the TUI keeps; the oldest lines are evicted beyond it (K, M, G)
    #[arg(long, value_name = "SIZE", default_value = "256M")]
    pub max_memory: ByteSize,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// The bytes as read (escapes per `--escapes`).
    Raw,
    /// Records rendered.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The longest merge window accepted, in milliseconds (an hour): longer holds make no sense for
/// a live view, and the holds' deadlines must stay representable.
const MAX_MERGE_WINDOW_MS: u64 = 3_600_000;

/// `-n`: a count or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// The last N lines.
    Last(u64),
    /// Everything.
    All,
}

impl FromStr for Lines {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(Self::All);
        }
        s.trim_start_matches('+')
            .parse()
            .map(Self::Last)
            .map_err(|_| format!("'{s}' is not a number of lines or 'all'"))
    }
}

/// `--escapes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EscapesArg {
    /// Inert onto a terminal, raw into a pipe or a file
    Auto,
    /// Always pass the bytes through exactly
    Raw,
    /// Always show control characters inert
    Inert,
}

/// A size in bytes, written as `512K`, `256M`, `2G` or a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_uppercase();
        let t = t
            .strip_suffix("IB")
            .or_else(|| t.strip_suffix('B'))
            .unwrap_or(&t);
        let (digits, shift) = match t.chars().last() {
            Some('K') => (&t[..t.len() - 1], 10),
            Some('M') => (&t[..t.len() - 1], 20),
            Some('G') => (&t[..t.len() - 1], 30),
            _ => (t, 0),
        };
        let n: usize = digits
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a size like 256M"))?;
        n.checked_shl(shift)
            .filter(|v| v >> shift == n)
            .map(Self)
            .ok_or_else(|| format!("'{s}' is too large"))
    }
}

/// The mode logbraid runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Headless: the merged stream to stdout or a file.
    Print,
    /// The terminal UI.
    Tui,
}

/// Everything a run needs, checked.
#[derive(Debug)]
pub struct Config {
    /// The sources, in command-line order.
    pub sources: Vec<SourceDef>,
    /// How sources are read.
    pub engine: EngineOptions,
    /// The mode.
    pub mode: Mode,
    /// `-e`/`-v`.
    pub filter: LineFilter,
    /// `--prefix`.
    pub prefix: bool,
    /// `-o`.
    pub output: Option<PathBuf>,
    /// The form lines are written in: `--format`, with the resolved `--escapes` policy.
    pub line_format: LineFormat,
    /// `--hide`.
    pub hide: Hide,
    /// `--max-memory`, in bytes.
    pub max_memory: usize,
    /// `--demo`.
    pub demo: bool,
}

impl Config {
    /// Parses the process's arguments; exits with usage on error (clap's behaviour).
    pub fn from_env() -> Result<Self, clap::Error> {
        let matches = Args::command().get_matches();
        Self::from_matches(&matches)
    }

    /// Parses `args` (the first is the program name).
    pub fn try_from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Args::command().try_get_matches_from(args)?;
        Self::from_matches(&matches)
    }

    fn from_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let args = Args::from_arg_matches(matches)?;
        let usage =
            |msg: String| Args::command().error(clap::error::ErrorKind::ValueValidation, msg);
        let sources = ordered_sources(matches, &args).map_err(usage)?;
        if sources.is_empty() && !args.demo {
            return Err(usage(
                "no source given: name files, globs, - for stdin, or -c CMD".into(),
            ));
        }
        let mut filter = LineFilter::new(&args.filters, &args.excludes, args.ignore_case)
            .map_err(|e| usage(format!("invalid filter: {e}")))?;
        let queries = args
            .wheres
            .iter()
            .map(|w| Query::parse(w).map_err(|e| usage(format!("invalid --where '{w}': {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        filter.set_query(Query::all(queries));
        let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
        let colour = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let line_format = match (args.format, args.escapes) {
            (FormatArg::Json, _) => LineFormat::Json,
            (FormatArg::Pretty, _) => LineFormat::Pretty { colour },
            (FormatArg::Raw, EscapesArg::Inert) => LineFormat::Inert,
            (FormatArg::Raw, EscapesArg::Auto) if to_terminal => LineFormat::Inert,
            (FormatArg::Raw, EscapesArg::Raw | EscapesArg::Auto) => LineFormat::Raw,
        };
        let hide = Hide::new(&args.hide).map_err(usage)?;
        let headless = args.print || args.no_follow || args.output.is_some();
        let mode = if headless || !std::io::stdout().is_terminal() {
            Mode::Print
        } else {
            Mode::Tui
        };
        // `--no-follow` reads what exists: all of it, as `cat` would, unless `-n` says otherwise.
        let default_lines = match mode {
            _ if args.no_follow => Lines::All,
            Mode::Tui => Lines::Last(1000),
            Mode::Print => Lines::Last(10),
        };
        let clock = Clock::now();
        let now = wall_nanos();
        let moment = |option: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| {
                    moment::parse(t, &clock)
                        .map(|m| m.resolve(now, &clock))
                        .map_err(|e| usage(format!("{option}: {e}")))
                })
                .transpose()
        };
        let range = TimeRange {
            since: moment("--since", &args.since)?,
            until: moment("--until", &args.until)?,
        };
        if let (Some(since), Some(until)) = (range.since, range.until)
            && since > until
        {
            return Err(usage(
                "--since is after --until: no line can be shown".into(),
            ));
        }
        if range.until.is_some_and(|u| u < now) && !args.no_follow {
            return Err(usage(
                "--until is in the past: nothing new can come; add --no-follow to read what exists"
                    .into(),
            ));
        }
        let start = match args.lines.unwrap_or(default_lines) {
            Lines::All => StartAt::Beginning,
            Lines::Last(0) => StartAt::End,
            Lines::Last(n) => StartAt::LastLines(n),
        };
        Ok(Self {
            sources,
            engine: EngineOptions {
                follow: !args.no_follow,
                start,
                big_file: (mode == Mode::Tui).then_some(BIG_FILE),
                output: None,
                merge_window: Duration::from_millis(args.merge_window),
                keeps_history: mode == Mode::Tui,
                range,
            },
            mode,
            filter,
            prefix: args.prefix,
            output: args.output,
            line_format,
            hide,
            max_memory: args.max_memory.0,
            demo: args.demo,
        })
    }
}

/// Positional sources and `-c` commands in the order given, each named by a `-N` just before it.
fn ordered_sources(matches: &ArgMatches, args: &Args) -> Result<Vec<SourceDef>, String> {
    let indices = |id: &str| {
        matches
            .indices_of(id)
            .map(Iterator::collect::<Vec<_>>)
            .unwrap_or_default()
    };
    let mut items: Vec<(usize, SourceSpec)> = Vec::new();
    for (index, arg) in indices("sources").into_iter().zip(&args.sources) {
        let spec = match arg.as_str() {
            "-" => SourceSpec::Stdin,
            glob if is_glob(glob) && !std::path::Path::new(glob).exists() => {
                SourceSpec::Glob(glob.to_owned())
            }
            path => SourceSpec::File(PathBuf::from(path)),
        };
        items.push((index, spec));
    }
    for (index, cmd) in indices("commands").into_iter().zip(&args.commands) {
        items.push((index, SourceSpec::Command(cmd.clone())));
    }
    items.sort_by_key(|(index, _)| *index);
    if items
        .iter()
        .filter(|(_, s)| *s == SourceSpec::Stdin)
        .count()
        > 1
    {
        return Err("standard input (-) can be given only once".into());
    }
    let mut names: Vec<(usize, &String)> = indices("names").into_iter().zip(&args.names).collect();
    names.sort_by_key(|(index, _)| *index);
    let mut defs: Vec<SourceDef> = items
        .into_iter()
        .map(|(_, spec)| SourceDef { spec, name: None })
        .collect();
    let positions: Vec<usize> = {
        let mut p: Vec<usize> = indices("sources")
            .into_iter()
            .chain(indices("commands"))
            .collect();
        p.sort_unstable();
        p
    };
    for (index, name) in names {
        let Some(target) = positions.iter().position(|&p| p > index) else {
            return Err(format!("-N {name} is not followed by a source to name"));
        };
        if defs[target].name.replace(name.clone()).is_some() {
            return Err(format!("two names for one source (-N {name})"));
        }
    }
    Ok(defs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_from_args(std::iter::once("logbraid").chain(args.iter().copied()))
    }

    #[test]
    fn sources_keep_their_order_and_names() {
        let c = parse(&[
            "a.log",
            "-N",
            "api",
            "-c",
            "kubectl logs -f api",
            "-",
            "-N",
            "b",
            "b.log",
        ])
        .expect("valid");
        let got: Vec<(SourceSpec, Option<String>)> =
            c.sources.into_iter().map(|d| (d.spec, d.name)).collect();
        assert_eq!(
            got,
            vec![
                (SourceSpec::File("a.log".into()), None),
                (
                    SourceSpec::Command("kubectl logs -f api".into()),
                    Some("api".into())
                ),
                (SourceSpec::Stdin, None),
                (SourceSpec::File("b.log".into()), Some("b".into())),
            ]
        );
    }

    #[test]
    fn options() {
        let c = parse(&[
            "--no-follow",
            "-n",
            "all",
            "--max-memory",
            "1G",
            "'x/*.log'",
        ])
        .expect("valid");
        assert!(!c.engine.follow);
        assert_eq!(c.engine.start, StartAt::Beginning);
        assert_eq!(c.max_memory, 1 << 30);
        assert_eq!(
            parse(&["-n", "0", "a"]).expect("valid").engine.start,
            StartAt::End
        );
        assert_eq!(
            parse(&["a"]).expect("valid").engine.start,
            StartAt::LastLines(10)
        );
        // `--no-follow` reads whole files unless `-n` says otherwise.
        assert_eq!(
            parse(&["--no-follow", "a"]).expect("valid").engine.start,
            StartAt::Beginning
        );
        assert_eq!(
            parse(&["--no-follow", "-n", "5", "a"])
                .expect("valid")
                .engine
                .start,
            StartAt::LastLines(5)
        );
    }

    #[test]
    fn usage_errors() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["a", "-N"]).is_err());
        assert!(parse(&["a", "-N", "x"]).is_err());
        assert!(parse(&["-", "-"]).is_err());
        assert!(parse(&["-e", "(", "a"]).is_err());
        assert!(parse(&["-n", "many", "a"]).is_err());
        assert!(parse(&["--merge-window", "99999999999", "a"]).is_err());
        assert!(parse(&["--merge-window", "-1", "a"]).is_err());
        assert!("12Q".parse::<ByteSize>().is_err());
        assert_eq!("64k".parse::<ByteSize>(), Ok(ByteSize(64 << 10)));
    }
}
