//! Micro-benchmarks of the hot paths (`cargo bench --bench hot`), with divan: line splitting,
//! timestamp detection and parsing, store appends, re-filtering a million retained lines, and
//! indexing a big file's history (from the page cache).

use std::fmt::Write as _;

use divan::{Bencher, black_box};
use logbraid::app::index::{MatchIndex, Predicate, Shared};
use logbraid::batch::{LineBatch, StampedBatch};
use logbraid::filter::{LineFilter, Seen};
use logbraid::source::big_file;
use logbraid::source::split::LineSplitter;
use logbraid::source_id::SourceId;
use logbraid::store::Store;
use logbraid::timestamp::{Clock, Stamp, Stamper};
use regex::bytes::Regex;

fn main() {
    divan::main();
}

/// 64 KiB of realistic lines, as one read would return them.
fn chunk() -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < 64 << 10 {
        out.extend_from_slice(
            format!(
                "2026-01-01 00:00:{:02}.{:03} INFO  [svc-{}] request {i} handled in {} ms\n",
                i % 60,
                i % 1000,
                i % 4,
                i % 97
            )
            .as_bytes(),
        );
        i += 1;
    }
    out
}

#[divan::bench]
fn split_64k(bencher: Bencher) {
    let data = chunk();
    bencher
        .counter(divan::counter::BytesCount::new(data.len()))
        .bench(|| {
            let mut splitter = LineSplitter::default();
            black_box(splitter.push(black_box(&data)))
        });
}

#[divan::bench]
fn detect_layout(bencher: Bencher) {
    let clock = Clock::now();
    let data = chunk();
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').take(32).collect();
    bencher.bench(|| black_box(Stamp::detect(black_box(lines.iter().copied()), &clock)));
}

#[divan::bench(args = ["iso", "syslog", "json"])]
fn stamp_1000_lines(bencher: Bencher, layout: &str) {
    let clock = Clock::now();
    let lines: Vec<String> = (0..1000)
        .map(|i| match layout {
            "iso" => format!("2026-01-01 10:00:{:02},{:03} INFO line {i}", i % 60, i),
            "syslog" => format!("Jun 14 15:16:{:02} host sshd[1]: line {i}", i % 60),
            _ => format!(
                r#"{{"ts":"2026-01-01T10:00:{:02}.{:03}Z","level":"info","n":{i}}}"#,
                i % 60,
                i
            ),
        })
        .collect();
    let batch = LineBatch::from_lines(&lines);
    bencher
        .counter(divan::counter::ItemsCount::new(1000usize))
        .bench(|| {
            let mut stamper = Stamper::detecting(clock);
            black_box(stamper.stamp_batch(black_box(&batch)))
        });
}

/// `n` lines of 100 bytes, stamped `first`, `first + step`, … nanoseconds.
fn stamped(n: usize, first: i64, step: i64) -> StampedBatch {
    StampedBatch {
        lines: LineBatch::from_lines(std::iter::repeat_n([b'x'; 100].as_slice(), n)),
        instants: (0..).take(n).map(|i: i64| first + i * step).collect(),
        continued: Vec::new(),
    }
}

#[divan::bench]
fn store_append_1000_lines(bencher: Bencher) {
    let batch = stamped(1000, 0, 1);
    let mut store = Store::new(64 << 20);
    bencher
        .counter(divan::counter::ItemsCount::new(1000usize))
        .bench_local(|| store.append(SourceId(0), black_box(&batch), 0..1000));
}

/// A command's first burst of 100 old lines slotted by time into a history whose newest 65,536
/// lines (every one of them newer than the burst's first) are taken out and put back.
#[divan::bench(sample_count = 20)]
fn store_slot_100_lines_under_64k(bencher: Bencher) {
    let history = stamped(1 << 16, 1_000, 10);
    let burst = stamped(100, 1_005, 6_000);
    bencher
        .with_inputs(|| {
            let mut store = Store::new(usize::MAX);
            store.append(SourceId(0), &history, 0..1 << 16);
            store
        })
        .bench_local_refs(|store| store.slot(SourceId(1), black_box(&burst), 0..100));
}

/// A filter change over a full store: every retained line tested again (all slices).
#[divan::bench(sample_count = 10)]
fn refilter_1m_lines(bencher: Bencher) {
    let mut store = Store::new(usize::MAX);
    let lines: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                "2026-01-01 10:00:00 {} request {i} done",
                if i % 50 == 0 { "ERROR" } else { "INFO" }
            )
        })
        .collect();
    let batch = StampedBatch {
        instants: vec![0; lines.len()],
        lines: LineBatch::from_lines(&lines),
        continued: Vec::new(),
    };
    for s in 0..1000u16 {
        store.append(SourceId(s % 4), &batch, 0..1000);
    }
    let filter = LineFilter::from((Regex::new("ERROR").ok(), None));
    let predicate = Predicate {
        source: None,
        filter: &filter,
        seen: Seen::Plain,
        shared: Shared {
            min_level: None,
            sources: &[],
            names: &[],
        },
    };
    bencher
        .counter(divan::counter::ItemsCount::new(1_000_000usize))
        .bench(|| {
            let mut index = MatchIndex::new(&store, 0);
            while index.rebuilding(&store) {
                index.rebuild_slice(&store, &predicate, 32_768);
            }
            black_box(index)
        });
}

/// A store of 1,000,000 JSON records (a nested `http` object, one in 20 a 5xx).
fn json_store() -> Store {
    let mut store = Store::new(usize::MAX);
    let lines: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"time":"2026-01-01T10:00:00.{:03}Z","level":"info","msg":"request done","http":{{"method":"GET","path":"/api/orders/{i}","status":{}}},"dur_ms":{},"user":"u{i}"}}"#,
                i % 1000,
                if i % 20 == 0 { 503 } else { 200 },
                i % 500
            )
        })
        .collect();
    let batch = StampedBatch {
        instants: vec![0; lines.len()],
        lines: LineBatch::from_lines(&lines),
        continued: Vec::new(),
    };
    for s in 0..1000u16 {
        store.append(SourceId(s % 4), &batch, 0..1000);
    }
    store
}

/// A `&` query put in force over 1,000,000 retained JSON records: every one tested again, in
/// the slices the TUI runs between events (the issue's target: under 300 ms in all).
#[divan::bench(sample_count = 10)]
fn requery_1m_json_records(bencher: Bencher) {
    let store = json_store();
    let mut filter = LineFilter::default();
    filter.set_query(logbraid::query::Query::parse("http.status >= 500").ok());
    let predicate = Predicate {
        source: None,
        filter: &filter,
        seen: Seen::Plain,
        shared: Shared {
            min_level: None,
            sources: &[],
            names: &[],
        },
    };
    bencher
        .counter(divan::counter::ItemsCount::new(1_000_000usize))
        .bench(|| {
            let mut index = MatchIndex::new(&store, 0);
            while index.rebuilding(&store) {
                index.rebuild_slice(&store, &predicate, 32_768);
            }
            black_box(index)
        });
}

/// One frame of a 160×50 terminal full of JSON records, rendered and raw (`r`): the target is
/// a rendered frame at most twice a raw one.
#[divan::bench(args = [false, true], sample_count = 50)]
fn frame_of_json_records(bencher: Bencher, raw: bool) {
    use logbraid::app::rates::Rates;
    use logbraid::app::snapshot::{self, Context};
    use logbraid::app::state::AppState;
    use logbraid::view::draw;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    let store = json_store();
    let mut state = AppState::new(4, Rect::new(0, 0, 160, 50));
    for pane in &mut state.panes {
        pane.raw = raw;
    }
    let names = std::sync::Arc::new((0..4).map(|i| format!("svc-{i}")).collect::<Vec<_>>());
    let rates = Rates::default();
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    bencher.bench_local(|| {
        let ctx = Context {
            names: std::sync::Arc::clone(&names),
            rates: &rates,
            colors: true,
            now: std::time::Instant::now(),
            waiting: &[],
        };
        let snap = snapshot::build(&mut state, &store, &ctx);
        terminal
            .draw(|frame| draw::draw(frame, &snap))
            .expect("draw");
    });
}

/// 1,000,000 text lines, one second apart, the first one an error.
fn text_store() -> Store {
    let mut store = Store::new(usize::MAX);
    for chunk in 0..1000 {
        let lines: Vec<String> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                let level = if n == 0 { "ERROR" } else { "INFO" };
                format!(
                    "2026-01-01 {:02}:{:02}:{:02},000 {level} request {n} done",
                    n / 3600 % 24,
                    n / 60 % 60,
                    n % 60
                )
            })
            .collect();
        let batch = StampedBatch {
            instants: vec![0; lines.len()],
            lines: LineBatch::from_lines(&lines),
            continued: Vec::new(),
        };
        store.append(SourceId(0), &batch, 0..1000);
    }
    store
}

/// `E` from the newest of 1,000,000 lines to the only error, the oldest: every line tested, in
/// the slices the TUI runs between keys (the issue's target: within 100 ms).
#[divan::bench(sample_count = 10)]
fn error_jump_across_1m_lines(bencher: Bencher) {
    use logbraid::app::keys::Action;
    use logbraid::app::state::AppState;
    let store = text_store();
    bencher.bench_local(|| {
        let mut state = AppState::new(1, ratatui::layout::Rect::new(0, 0, 120, 40));
        state.apply(Action::OlderError, &store);
        while state.busy(&store) {
            state.work_slice(&store);
        }
        black_box(state.cursor_line(0, &store))
    });
}

/// `:goto` a moment among 1,000,000 lines (a binary search: a few dozen lines read).
#[divan::bench(sample_count = 20)]
fn goto_across_1m_lines(bencher: Bencher) {
    use logbraid::app::keys::{Action, PromptKind};
    use logbraid::app::state::AppState;
    let store = text_store();
    bencher.bench_local(|| {
        let mut state = AppState::new(1, ratatui::layout::Rect::new(0, 0, 120, 40));
        state.apply(Action::Prompt(PromptKind::Command), &store);
        for c in "goto 2026-01-01T03:25:45".chars() {
            state.apply(Action::Type(c), &store);
        }
        state.apply(Action::Submit, &store);
        black_box(state.cursor_line(0, &store))
    });
}

/// `Enter` on a 10 MB JSON record (a 200,000-frame stack in one field, and 1,000 other
/// fields): the detail laid out once (the issue's target: open within 100 ms).
#[divan::bench(sample_count = 10)]
fn detail_of_a_10mb_record(bencher: Bencher) {
    use logbraid::app::detail;
    use logbraid::timestamp::Clock;
    let mut frames = String::new();
    for i in 0..200_000 {
        let _ = write!(frames, "    at com.example.Frame{i}.run(Frame.java:{i})\\n");
    }
    let mut fields = String::new();
    for i in 0..1000 {
        let _ = write!(fields, r#","k{i}":"value {i}""#);
    }
    let line = format!(
        r#"{{"time":"2026-01-01T00:00:00Z","level":"error","msg":"boom","stack":"{frames}"{fields}}}"#
    );
    let mut store = Store::new(usize::MAX);
    let batch = StampedBatch {
        instants: vec![0],
        lines: LineBatch::from_lines([&line]),
        continued: Vec::new(),
    };
    store.append(SourceId(0), &batch, 0..1);
    let names = vec!["big.log".to_owned()];
    let clock = Clock::now();
    bencher.bench_local(|| black_box(detail::build(&store, store.first_seq(), &names, &clock)));
}

/// Indexing 64 MiB of lines backwards, from the page cache (the file was just written): the
/// rate a big file's history becomes scrollable at, without the TUI around it.
#[divan::bench(sample_count = 10)]
fn index_64mib_history(bencher: Bencher) {
    use std::io::Write as _;
    let mut file = tempfile::tempfile().expect("temp file");
    let mut content = Vec::with_capacity(64 << 20);
    let mut i = 0u64;
    while content.len() < 64 << 20 {
        let _ = writeln!(
            content,
            "2026-01-01 00:00:{:02}.{:03} INFO  [svc-{}] request {i} handled",
            i % 60,
            i % 1000,
            i % 7
        );
        i += 1;
    }
    file.write_all(&content).expect("write");
    let file = std::sync::Arc::new(file);
    let len = content.len() as u64;
    let cancel = tokio_util::sync::CancellationToken::new();
    bencher
        .counter(divan::counter::BytesCount::new(content.len()))
        .bench(|| {
            big_file::index(&file, 0..len, None, &cancel, unstamped_history(), |part| {
                black_box(part);
                true
            })
            .expect("index");
        });
}

/// `--format pretty` on 1,000 lines shaped like the engine benchmark's JSON records (nested
/// `http`, whitespace between members): the per-record cost that bounds the braided rendering.
#[divan::bench(sample_count = 50)]
fn render_1000_json_records(bencher: Bencher) {
    use logbraid::print::LineFormat;
    use logbraid::print::format::{Formatter, Line};
    use logbraid::record::hide::Hide;
    let lines: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"time":"2026-01-01T00:00:{:02}.{:03}Z","level":"info","msg":"job request done",      "svc":"svc-0","http":{{"method":"GET","path":"/api/job/{i}",       "status":{}}},"dur_ms":{},"user":"u{}","trace_id":"2aa9719b78d2be95"}}"#,
                i / 1000,
                i % 1000,
                if i % 20 == 0 { 503 } else { 200 },
                i % 500,
                i * 7 % 10_000
            )
        })
        .collect();
    let mut formatter = Formatter::new(LineFormat::Pretty { colour: false }, Hide::default());
    let mut out = Vec::with_capacity(256 << 10);
    bencher
        .counter(divan::counter::ItemsCount::new(1000usize))
        .bench_local(|| {
            out.clear();
            for text in &lines {
                let line = Line {
                    text: text.as_bytes(),
                    source: "svc-0",
                    instant: 0,
                };
                formatter.write(line, &mut out).expect("to memory");
            }
            black_box(out.len())
        });
}

/// How an indexer reads stamps in a file without any.
fn unstamped_history() -> big_file::Stamps {
    big_file::Stamps {
        stamp: None,
        clock: logbraid::timestamp::Clock::now(),
    }
}
