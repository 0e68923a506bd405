//! The real binary in a real terminal: tmux runs an interactive shell, the test types into it
//! (`send-keys`) and reads the screen (`capture-pane`). Each test has its own tmux server.
//! Skipped, with a message, where tmux is not installed; with `LOGBRAID_REQUIRE_TMUX` set (as
//! `.ci/run` sets it, after installing tmux) a missing tmux fails the test instead.

mod common;

use std::fmt::Write as _;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{Dir, patience};

/// A private tmux server running a shell in a 120×36 window.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &Dir) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("LOGBRAID_REQUIRE_TMUX").is_none(),
                "tmux is not installed, and LOGBRAID_REQUIRE_TMUX says these tests must run"
            );
            eprintln!("skipped: tmux is not installed");
            return None;
        }
        let socket = format!(
            "logbraid-test-{}-{}",
            std::process::id(),
            dir.root().file_name()?.to_string_lossy()
        );
        let tmux = Self { socket };
        let root = dir.root().to_string_lossy().into_owned();
        tmux.run(&[
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "36",
            "-c",
            &root,
            "env PS1='$ ' sh",
        ]);
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `keys` (tmux key names, or literal text with `-l`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn type_line(&self, text: &str) {
        self.run(&["send-keys", "-t", "0", "-l", text]);
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen satisfies `done`.
    fn wait(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + patience();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts logbraid in the shell and waits for its first frame.
    fn logbraid(&self, args: &str) {
        // `sh -c` so that `$$` is logbraid's own pid (exec keeps it).
        let bin = env!("CARGO_BIN_EXE_logbraid");
        self.type_line(&format!(
            "sh -c 'echo $$ > logbraid.pid; exec {bin} \"$@\"' logbraid {args}; echo EXIT=$?"
        ));
        self.wait("the first frame", |s| s.contains("? help"));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// Rows of the pane whose title contains `title`: the text between its side borders (panes may
/// stand side by side).
fn pane_rows(screen: &str, title: &str) -> Vec<String> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    for (top, line) in lines.iter().enumerate() {
        let text: String = line.iter().collect();
        let Some(byte) = text
            .find(&format!(" {title}"))
            .filter(|_| text.contains('┌'))
        else {
            continue;
        };
        let at = text[..byte].chars().count();
        let (Some(left), Some(right)) = (
            line[..at].iter().rposition(|c| *c == '┌'),
            line[at..].iter().position(|c| *c == '┐').map(|p| p + at),
        ) else {
            continue;
        };
        return lines[top + 1..]
            .iter()
            .take_while(|l| l.get(left) == Some(&'│'))
            .map(|l| {
                l[left + 1..right.min(l.len())]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect();
    }
    Vec::new()
}

#[test]
fn lines_appear_in_the_merged_and_source_panes() {
    let dir = Dir::new();
    dir.write("api.log", "api started\n");
    dir.write("db.log", "db started\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("api.log db.log");
    dir.append("api.log", "GET /orders 200\n");
    dir.append("db.log", "slow query 1.2s\n");
    let screen = tmux.wait("both new lines, twice each", |s| {
        s.matches("GET /orders 200").count() == 2 && s.matches("slow query 1.2s").count() == 2
    });
    let merged = pane_rows(&screen, "merged");
    assert!(
        merged
            .iter()
            .any(|r| r.starts_with("api.log") && r.ends_with("GET /orders 200")),
        "{merged:#?}"
    );
    assert!(
        pane_rows(&screen, "db.log")
            .iter()
            .any(|r| r == "slow query 1.2s"),
        "{screen}"
    );
    tmux.keys(&["q"]);
}

#[test]
fn pausing_freezes_one_pane_and_resuming_shows_what_waited() {
    let dir = Dir::new();
    dir.write("api.log", "api 0\n");
    dir.write("db.log", "db 0\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("api.log db.log");
    tmux.keys(&["1", "p"]);
    tmux.wait("the pause", |s| s.contains("PAUSED +0 new"));
    for i in 1..=3 {
        dir.append("api.log", format!("api {i}\n"));
        dir.append("db.log", format!("db {i}\n"));
    }
    let screen = tmux.wait("db's lines and api's count", |s| {
        s.contains("PAUSED +3 new") && s.matches("db 3").count() == 2
    });
    assert!(
        !screen.contains("api 1"),
        "a paused source's new lines wait:\n{screen}"
    );
    tmux.keys(&["p"]);
    let screen = tmux.wait("api's lines after resuming", |s| {
        s.matches("api 3").count() == 2
    });
    let api = pane_rows(&screen, "api.log");
    assert_eq!(
        api[..4],
        ["api 0", "api 1", "api 2", "api 3"],
        "nothing was lost:\n{screen}"
    );
    tmux.keys(&["q"]);
}

#[test]
fn a_filter_leaves_only_matching_lines() {
    let dir = Dir::new();
    let lines: Vec<String> = (0..30)
        .map(|i| format!("{} event {i}", if i % 5 == 0 { "ERROR" } else { "INFO" }))
        .collect();
    dir.write("app.log", lines.join("\n") + "\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("app.log");
    tmux.keys(&["0", "f"]);
    tmux.keys(&["-l", "ERROR"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait("the filter in the status line", |s| s.contains("+/ERROR/"));
    let merged = pane_rows(&screen, "merged");
    let shown: Vec<&String> = merged.iter().filter(|r| !r.is_empty()).collect();
    assert_eq!(shown.len(), 6, "{screen}");
    assert!(shown.iter().all(|r| r.contains("ERROR")), "{screen}");
    dir.append("app.log", "INFO later\nERROR later\n");
    let screen = tmux.wait("the new matching line", |s| s.contains("ERROR later"));
    assert!(
        !pane_rows(&screen, "merged")
            .iter()
            .any(|r| r.contains("INFO later"))
    );
    tmux.keys(&["q"]);
}

#[test]
fn q_exits_and_the_shell_gets_its_terminal_back() {
    let dir = Dir::new();
    dir.write("app.log", "hello\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("app.log");
    tmux.keys(&["q"]);
    tmux.wait("the exit status", |s| s.contains("EXIT=0"));
    // Echo works again (raw mode is off) and the alternate screen is gone.
    tmux.type_line("echo back-$((40+2))");
    let screen = tmux.wait("the shell's answer", |s| s.contains("back-42"));
    assert!(
        !screen.contains("? help"),
        "the TUI's screen is gone:\n{screen}"
    );
}

#[test]
fn sigterm_restores_the_terminal_too() {
    let dir = Dir::new();
    dir.write("app.log", "hello\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("app.log");
    let pid = std::fs::read_to_string(dir.path("logbraid.pid")).expect("pid file");
    let pid = nix::unistd::Pid::from_raw(pid.trim().parse().expect("a pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("kill");
    tmux.wait("the exit status", |s| s.contains("EXIT=0"));
    tmux.type_line("echo back-$((40+2))");
    tmux.wait("the shell's answer", |s| s.contains("back-42"));
}

#[test]
fn a_panic_restores_the_terminal_and_shows_its_message() {
    let dir = Dir::new();
    dir.write("app.log", "hello\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.type_line("export LOGBRAID_PANIC_ON_KEY=%");
    tmux.logbraid("app.log");
    tmux.keys(&["%"]);
    let screen = tmux.wait("the exit status", |s| s.contains("EXIT="));
    assert!(
        screen.contains("panicking as asked"),
        "the panic message is readable:\n{screen}"
    );
    assert!(
        !screen.contains("? help"),
        "the TUI's screen is gone:\n{screen}"
    );
    tmux.type_line("echo back-$((40+2))");
    tmux.wait("the shell's answer", |s| s.contains("back-42"));
}

/// Every kind of escape a log line might carry, and how it must look: inert, visible text.
const HOSTILE: &[(&[u8], &str)] = &[
    (
        b"title:\x1b]0;PWNED-TITLE\x07:end",
        "title:^[]0;PWNED-TITLE^G:end",
    ),
    (
        b"clip:\x1b]52;c;cHduZWQ=\x07:end",
        "clip:^[]52;c;cHduZWQ=^G:end",
    ),
    (
        b"link:\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\:end",
        "link:^[]8;;http://evil.example^[\\click^[]8;;^[\\:end",
    ),
    (b"dcs:\x1bPqpayload\x1b\\:end", "dcs:^[Pqpayload^[\\:end"),
    (b"apc:\x1b_Gpayload\x1b\\:end", "apc:^[_Gpayload^[\\:end"),
    (
        b"move:\x1b[2J\x1b[H\x1b[10;10HXX\x1b[5A:end",
        "move:^[[2J^[[H^[[10;10HXX^[[5A:end",
    ),
    (b"c1raw:\x9b2J:end", "c1raw:\\x9B2J:end"),
    (b"c1utf8:\xc2\x9b2J:end", "c1utf8:<U+009B>2J:end"),
    (b"bell:\x07\x07:end", "bell:^G^G:end"),
    (
        b"overwrite:SAFE\rEVIL\x08\x08XX:end",
        "overwrite:SAFE^MEVIL^H^HXX:end",
    ),
    (b"lone esc at the end \x1b", "lone esc at the end ^["),
];

fn hostile_file(dir: &Dir) {
    let mut content = Vec::new();
    for (line, _) in HOSTILE {
        content.extend_from_slice(line);
        content.push(b'\n');
    }
    dir.write("evil.log", content);
}

/// The terminal's state that a log line must not change: the pane's title and tmux's buffers
/// (where an honoured OSC 52 would land).
fn assert_terminal_untouched(tmux: &Tmux, screen: &str) {
    let title = tmux.run(&["display-message", "-p", "-t", "0", "#{pane_title}"]);
    assert!(!title.contains("PWNED"), "the title was changed: {title}");
    assert!(
        tmux.run(&["list-buffers"]).trim().is_empty(),
        "something reached the clipboard"
    );
    for (_, shown) in HOSTILE {
        assert!(
            screen.contains(shown),
            "{shown:?} is not shown inert:\n{screen}"
        );
    }
}

#[test]
fn escape_sequences_in_lines_stay_inert_in_the_tui() {
    let dir = Dir::new();
    hostile_file(&dir);
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.run(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.run(&["set-option", "-g", "allow-rename", "on"]);
    tmux.logbraid("evil.log");
    tmux.keys(&["v"]); // merged only: full-width lines
    let screen = tmux.wait("every hostile line", |s| {
        s.contains("lone esc at the end ^[") && s.contains("merged · 1 source")
    });
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.contains("merged · 1 source")),
        "the screen moved:\n{screen}"
    );
    assert_terminal_untouched(&tmux, &screen);
    tmux.keys(&["q"]);
}

#[test]
fn escape_sequences_stay_inert_with_print_on_a_terminal() {
    let dir = Dir::new();
    hostile_file(&dir);
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.run(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.run(&["set-option", "-g", "allow-rename", "on"]);
    tmux.type_line(&format!(
        "{} --no-follow -n all evil.log; echo EXIT=$?",
        env!("CARGO_BIN_EXE_logbraid")
    ));
    let screen = tmux.wait("the output", |s| s.contains("EXIT=0"));
    assert_terminal_untouched(&tmux, &screen);
}

/// The terminal goes away (its window is closed): logbraid gets SIGHUP and exits, leaving no
/// process behind.
#[test]
fn closing_the_terminal_ends_logbraid() {
    let dir = Dir::new();
    dir.write("app.log", "hello\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("app.log");
    let pid: i32 = std::fs::read_to_string(dir.path("logbraid.pid"))
        .expect("pid file")
        .trim()
        .parse()
        .expect("a pid");
    tmux.run(&["kill-server"]);
    let deadline = Instant::now() + patience();
    // Signal 0 only asks whether the process still exists.
    while nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok() {
        assert!(
            Instant::now() < deadline,
            "logbraid is still running after its terminal closed"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// A file over the big-file threshold (64 MiB): its last lines show at once, following starts
/// at its end (completing the partial last line), and the whole history is indexed behind,
/// every line once: scrolled to the top, the count below it is exact, and a filter finds the
/// file's first lines.
#[test]
fn a_big_file_shows_its_end_at_once_and_all_its_history_after() {
    let dir = Dir::new();
    let lines = 700_000;
    let mut content = Vec::with_capacity(lines * 100 + 16);
    for i in 0..lines {
        content.extend_from_slice(format!("line {i:08} {}\n", "x".repeat(86)).as_bytes());
    }
    content.extend_from_slice(b"partial");
    assert!(content.len() > 64 << 20, "above the threshold");
    dir.write("big.log", &content);
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all big.log");
    // A line is shown once complete: the partial one waits for its newline.
    tmux.wait("the file's last complete line", |s| {
        s.contains(&format!("line {:08}", lines - 1))
    });
    dir.append("big.log", " done\nafter start\n");
    tmux.wait("the completed line and a new one", |s| {
        s.matches("partial done").count() == 2 && s.matches("after start").count() == 2
    });
    tmux.wait("the end of indexing", |s| !s.contains("indexing"));
    tmux.keys(&["0", "g"]);
    let screen = tmux.wait("the top of the history", |s| s.contains("line 00000000"));
    let rows = pane_rows(&screen, "merged");
    let shown = rows.iter().filter(|r| !r.is_empty()).count();
    let below: usize = screen
        .split("↓ ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count of the lines below");
    assert_eq!(
        below + shown,
        lines + 2,
        "every line once (the partial one completed):\n{screen}"
    );
    assert!(rows[1].contains("line 00000001"), "{screen}");
    tmux.keys(&["f"]);
    tmux.keys(&["-l", "line 0000000[12] "]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait("the filtered history", |s| {
        s.contains("line 00000002") && !s.contains("filtering") && !s.contains("line 00000000")
    });
    let shown: Vec<String> = pane_rows(&screen, "merged")
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(shown.len(), 2, "{screen}");
    tmux.keys(&["q"]);
}

/// Two commands' first bursts, whose times interleave, are braided in the merged pane; a line
/// that comes later than the merge window allows is placed where it arrived, marked `~`.
#[test]
fn command_bursts_braid_and_a_late_line_is_marked() {
    let dir = Dir::new();
    dir.write(
        "api.sh",
        "printf '2024-05-01T10:00:01Z api old 1\\n2024-05-01T10:00:03Z api old 3\\n'; sleep 30\n",
    );
    dir.write(
        "db.sh",
        "printf '2024-05-01T10:00:02Z db old 2\\n2024-05-01T10:00:04Z db old 4\\n'; sleep 1; \
         printf '2024-05-01T10:00:00Z db late\\n'; sleep 30\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-N api -c 'sh api.sh' -N db -c 'sh db.sh'");
    let screen = tmux.wait("the late line", |s| s.contains("db late"));
    let merged = pane_rows(&screen, "merged");
    let texts: Vec<&str> = merged
        .iter()
        .filter_map(|r| r.split_once("Z ").map(|(_, text)| text))
        .collect();
    assert_eq!(
        texts,
        ["api old 1", "db old 2", "api old 3", "db old 4", "db late"],
        "{screen}"
    );
    let late = merged.iter().find(|r| r.ends_with("db late"));
    assert!(
        late.is_some_and(|r| r.contains("~ 2024")),
        "marked late: {late:?}\n{screen}"
    );
    tmux.keys(&["q"]);
}

/// The texts after the timestamps of the merged pane's rows.
fn merged_texts(screen: &str) -> Vec<String> {
    pane_rows(screen, "merged")
        .iter()
        .filter_map(|r| r.split_once("Z ").map(|(_, text)| text.to_owned()))
        .collect()
}

/// A command silent through the start's grace does not hold the screen up, and its first burst,
/// when it comes, is slotted into the history by time (not placed by arrival as one block).
#[test]
fn a_burst_after_the_start_is_slotted_in_by_time() {
    let dir = Dir::new();
    dir.write(
        "app.log",
        "2024-05-01T10:00:01Z app 1\n2024-05-01T10:00:03Z app 3\n2024-05-01T10:00:05Z app 5\n",
    );
    dir.write(
        "late.sh",
        "sleep 3; printf '2024-05-01T10:00:02Z cmd 2\\n2024-05-01T10:00:04Z cmd 4\\n'; sleep 30\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    let started = Instant::now();
    tmux.logbraid("app.log -N cmd -c 'sh late.sh'");
    let screen = tmux.wait("the file's lines", |s| s.contains("app 5"));
    assert!(
        started.elapsed() < Duration::from_millis(1500) && !screen.contains("cmd 2"),
        "the file's lines waited for the silent command ({:?})\n{screen}",
        started.elapsed()
    );
    let screen = tmux.wait("the burst", |s| s.contains("cmd 4"));
    assert_eq!(
        merged_texts(&screen),
        ["app 1", "cmd 2", "app 3", "cmd 4", "app 5"],
        "{screen}"
    );
    assert!(
        !screen.contains("~ 2024"),
        "slotted lines are not late\n{screen}"
    );
    tmux.keys(&["q"]);
}

/// A file a glob finds while following, holding older lines, is braided into the history.
#[test]
fn a_file_found_later_is_slotted_in_by_time() {
    let dir = Dir::new();
    dir.write(
        "logs/a.log",
        "2024-05-01T10:00:01Z a 1\n2024-05-01T10:00:03Z a 3\n2024-05-01T10:00:05Z a 5\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all 'logs/*.log'");
    tmux.wait("the first file", |s| s.contains("a 5"));
    // Whole when it appears (moved in): found empty, its lines would be new ones, placed by
    // arrival — a race a loaded machine can lose.
    dir.write(
        "b.log.tmp",
        "2024-05-01T10:00:02Z b 2\n2024-05-01T10:00:04Z b 4\n",
    );
    dir.rename("b.log.tmp", "logs/b.log");
    let screen = tmux.wait("the found file", |s| s.contains("b 4"));
    assert_eq!(
        merged_texts(&screen),
        ["a 1", "b 2", "a 3", "b 4", "a 5"],
        "{screen}"
    );
    tmux.keys(&["q"]);
}

/// Structured records in the real terminal: rendered by default, `r` shows them raw, `&` filters
/// by field as you type, `l` sees logfmt's `level=` and levels coloured by the logger.
#[test]
fn records_render_query_and_level_in_the_terminal() {
    let dir = Dir::new();
    dir.write(
        "api.log",
        "{\"time\":\"2024-05-01T10:00:01Z\",\"level\":\"info\",\"msg\":\"GET /a\",\"http\":{\"status\":200}}\n\
         {\"time\":\"2024-05-01T10:00:03Z\",\"level\":\"error\",\"msg\":\"GET /b\",\"http\":{\"status\":503}}\n",
    );
    dir.write(
        "cache.log",
        "ts=2024-05-01T10:00:02Z level=info msg=\"hit\" key=k1\n\
         2024-05-01T10:00:04Z \x1b[33mWARN\x1b[0m cache ratio=0.40 low\n\
         2024-05-01T10:00:05Z \x1b[32mINFO\x1b[0m cache ratio=0.95 fine\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all api.log cache.log");
    let screen = tmux.wait("rendered records", |s| s.contains("ERR GET /b"));
    assert!(screen.contains("INF hit key=k1"), "{screen}");
    assert!(screen.contains("http.status=503"), "{screen}");
    // r: the merged pane shows its records as written.
    tmux.keys(&["r"]);
    tmux.wait("raw records", |s| {
        pane_rows(s, "merged")
            .iter()
            .any(|r| r.contains(r#"{"time":"2024-05-01T10:00:03Z","level":"error""#))
    });
    tmux.keys(&["r"]);
    // &: a field query, applied as it is typed.
    tmux.keys(&["&"]);
    tmux.keys(&["-l", "http.status >= 500"]);
    let screen = tmux.wait("the query in force", |s| {
        let merged = pane_rows(s, "merged");
        merged.iter().any(|r| r.contains("GET /b")) && !merged.iter().any(|r| r.contains("GET /a"))
    });
    assert!(
        !pane_rows(&screen, "merged")
            .iter()
            .any(|r| r.contains("hit")),
        "{screen}"
    );
    tmux.keys(&["Enter"]);
    // Cleared again, then l up to WARN: logfmt's level=info and the coloured INFO go, the
    // coloured WARN stays.
    tmux.keys(&["&", "C-u", "Enter"]);
    tmux.wait("the query cleared", |s| {
        pane_rows(s, "merged").iter().any(|r| r.contains("GET /a"))
    });
    tmux.keys(&["l", "l", "l"]);
    let screen = tmux.wait("warnings and worse", |s| {
        let merged = pane_rows(s, "merged");
        !merged.iter().any(|r| r.contains("hit")) && merged.iter().any(|r| r.contains("ratio=0.40"))
    });
    let merged = pane_rows(&screen, "merged");
    assert!(!merged.iter().any(|r| r.contains("ratio=0.95")), "{screen}");
    assert!(merged.iter().any(|r| r.contains("GET /b")), "{screen}");
    tmux.keys(&["q"]);
}

/// `y` puts the cursor's record in the clipboard through OSC 52: tmux (with `set-clipboard on`)
/// takes it into its paste buffer.
#[test]
fn y_copies_the_record_into_tmux_buffer() {
    let dir = Dir::new();
    dir.write(
        "app.log",
        "2024-05-01 10:00:01,000 INFO starting\n\
         2024-05-01 10:00:02,000 ERROR boom \x1b[31mred\x1b[0m\n\
         java.lang.IllegalStateException: x\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.run(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.logbraid("-n all app.log");
    tmux.wait("the lines", |s| s.contains("IllegalState"));
    tmux.keys(&["y"]);
    tmux.wait("the copy said", |s| s.contains("copied 2 lines"));
    let deadline = Instant::now() + patience();
    loop {
        let buffer = tmux.run(&["show-buffer"]);
        if buffer.contains("IllegalState") {
            assert_eq!(
                buffer,
                "2024-05-01 10:00:02,000 ERROR boom red\njava.lang.IllegalStateException: x"
            );
            break;
        }
        assert!(Instant::now() < deadline, "tmux's buffer: {buffer:?}");
        thread::sleep(Duration::from_millis(20));
    }
    tmux.keys(&["q"]);
}

/// `F2` gives the mouse to the terminal (its own selection works) and takes it back.
#[test]
fn f2_releases_and_takes_back_the_mouse() {
    let dir = Dir::new();
    dir.write("app.log", "2024-05-01 10:00:01,000 INFO starting\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("app.log");
    let flag = || tmux.run(&["display-message", "-p", "-t", "0", "#{mouse_any_flag}"]);
    let wait_flag = |want: &str| {
        let deadline = Instant::now() + patience();
        while flag().trim() != want {
            assert!(Instant::now() < deadline, "mouse flag stays {:?}", flag());
            thread::sleep(Duration::from_millis(20));
        }
    };
    wait_flag("1");
    tmux.keys(&["F2"]);
    wait_flag("0");
    tmux.keys(&["F2"]);
    wait_flag("1");
    tmux.keys(&["q"]);
}

/// A file name can hold escape sequences: the titles, tags and tabs show it inert.
#[test]
fn a_hostile_file_name_stays_inert() {
    let dir = Dir::new();
    dir.write("a\x1b[2Jb.log", "2024-05-01 10:00:01,000 INFO hello\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all 'a'*'b.log'");
    let screen = tmux.wait("the line", |s| s.contains("hello"));
    assert!(screen.contains("a^[[2Jb.log"), "{screen}");
    tmux.keys(&["q"]);
}

/// `:w FILE` writes the focused pane's lines as filtered (raw text, after the source's name in
/// the merged pane); an existing file needs `:w!`.
#[test]
fn colon_w_writes_the_filtered_lines() {
    let dir = Dir::new();
    dir.write(
        "api.log",
        "2024-05-01 10:00:01,000 INFO starting\n\
         2024-05-01 10:00:02,000 ERROR boom \x1b[31mred\x1b[0m\n\
         java.lang.IllegalStateException: x\n\
         2024-05-01 10:00:04,000 INFO fine\n",
    );
    dir.write(
        "db.log",
        "2024-05-01 10:00:03,000 ERROR replica gone\n2024-05-01 10:00:05,000 INFO ok\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all api.log db.log");
    tmux.wait("the lines", |s| s.contains("replica gone"));
    tmux.keys(&["f"]);
    tmux.keys(&["-l", "ERROR"]);
    tmux.keys(&["Enter"]);
    tmux.wait("the filter", |s| s.contains("+/ERROR/"));
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "w errors.txt"]);
    tmux.keys(&["Enter"]);
    tmux.wait("the write said", |s| {
        s.contains("wrote 3 lines to errors.txt")
    });
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(dir.path("errors.txt")).expect("written")),
        "api.log | 2024-05-01 10:00:02,000 ERROR boom \x1b[31mred\x1b[0m\n\
         api.log | java.lang.IllegalStateException: x\n\
         db.log | 2024-05-01 10:00:03,000 ERROR replica gone\n"
    );
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "w errors.txt"]);
    tmux.keys(&["Enter"]);
    tmux.wait("the refusal", |s| {
        s.contains("errors.txt exists: :w! replaces it")
    });
    tmux.keys(&["q"]);
}

/// A click puts the cursor on the line clicked (and focuses its pane): `Enter` then opens that
/// line's detail.
#[test]
fn a_click_moves_the_cursor() {
    let dir = Dir::new();
    let mut lines = String::new();
    for i in 1..=12 {
        let _ = writeln!(
            lines,
            "2024-05-01 10:00:{i:02},000 INFO request number{i:02} done"
        );
    }
    dir.write("app.log", &lines);
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all app.log");
    let screen = tmux.wait("the lines", |s| s.contains("number12"));
    let (row, col) = screen
        .lines()
        .enumerate()
        .find_map(|(y, l)| l.find("number04").map(|x| (y, l[..x].chars().count())))
        .expect("line 4 on screen");
    // An SGR mouse press and release at that cell (1-based), as a terminal sends them.
    for end in ['M', 'm'] {
        let event = format!("\x1b[<0;{};{}{end}", col + 1, row + 1);
        let hex: Vec<String> = event.bytes().map(|b| format!("{b:02x}")).collect();
        let mut args = vec!["send-keys", "-t", "0", "-H"];
        args.extend(hex.iter().map(String::as_str));
        tmux.run(&args);
    }
    tmux.keys(&["Enter"]);
    let detail = tmux.wait("the detail", |s| s.contains("source   app.log"));
    assert!(detail.contains("request number04 done"), "{detail}");
    assert!(
        detail.contains("app.log · line 4 "),
        "the line clicked: {detail}"
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

/// Two big files whose times interleave, and a small one: their histories are braided in the
/// merged pane, not put one above the other; `g` shows the oldest line of any, then the others'
/// next to it.
#[test]
fn two_big_files_are_braided() {
    let dir = Dir::new();
    let lines = 680_000u32;
    for (name, offset) in [("a.log", 0u32), ("b.log", 1)] {
        let mut content = Vec::with_capacity(lines as usize * 120);
        for i in 0..lines {
            let ms = u64::from(i) * 2 + u64::from(offset);
            let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
            content.extend_from_slice(
                format!(
                    "2026-12-01T{h:02}:{m:02}:{s:02}.{milli:03}Z {} {i:08} {}\n",
                    &name[..1],
                    "x".repeat(70)
                )
                .as_bytes(),
            );
        }
        assert!(content.len() > 64 << 20, "above the threshold");
        dir.write(name, &content);
    }
    // A small file beside them, its lines between theirs: braided with them too.
    dir.write(
        "c.log",
        "2026-12-01T00:00:00.0005Z c 00000000\n2026-12-01T00:00:00.0025Z c 00000001\n",
    );
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all a.log b.log c.log");
    let last = format!("b {:08}", lines - 1);
    tmux.wait("both files' last lines", |s| s.contains(&last));
    tmux.wait("the end of indexing", |s| !s.contains("indexing"));
    tmux.keys(&["0", "g"]);
    let screen = tmux.wait("the top of the history", |s| s.contains("a 00000000"));
    let rows: Vec<String> = pane_rows(&screen, "merged")
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
    let ids: Vec<String> = rows
        .iter()
        .take(6)
        .filter_map(|r| r.split("Z ").nth(1).map(|t| t[..10].to_owned()))
        .collect();
    assert_eq!(
        ids,
        [
            "a 00000000",
            "c 00000000",
            "b 00000000",
            "a 00000001",
            "c 00000001",
            "b 00000001"
        ],
        "braided:\n{screen}"
    );
    tmux.keys(&["q"]);
}

/// A log given with its compressed generation beside a big file: its history is indexed too (the
/// generation spooled), and braided with the big file's — the generation's lines among the big
/// file's, not above them.
#[test]
fn a_log_with_generations_is_braided_with_a_big_file() {
    let dir = Dir::new();
    let lines = 680_000u32;
    let mut content = Vec::with_capacity(lines as usize * 120);
    for i in 0..lines {
        let ms = u64::from(i) * 2;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        content.extend_from_slice(
            format!(
                "2026-12-01T{h:02}:{m:02}:{s:02}.{milli:03}Z big {i:08} {}\n",
                "x".repeat(70)
            )
            .as_bytes(),
        );
    }
    assert!(content.len() > 64 << 20, "above the threshold");
    dir.write("big.log", &content);
    // Compressed, and without a last newline: spooled to be indexed.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut gz,
        b"2026-12-01T00:00:00.001Z app old 1\n2026-12-01T00:00:00.003Z app old 3",
    )
    .expect("to memory");
    dir.write("app.log.1.gz", gz.finish().expect("to memory"));
    dir.write("app.log", "2026-12-01T00:00:00.005Z app new 5\n");
    let Some(tmux) = Tmux::start(&dir) else {
        return;
    };
    tmux.logbraid("-n all big.log 'app.log*'");
    tmux.wait("the big file's last line", |s| {
        s.contains(&format!("big {:08}", lines - 1))
    });
    let mut screen = String::new();
    for _ in 0..100 {
        tmux.keys(&["0", "g"]);
        screen = tmux.screen();
        if screen.contains("big 00000000") && !screen.contains("indexing") {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let ids: Vec<String> = pane_rows(&screen, "merged")
        .iter()
        .filter_map(|r| r.split("Z ").nth(1).map(|t| t[..9].to_owned()))
        .take(6)
        .collect();
    assert_eq!(
        ids,
        [
            "big 00000",
            "app old 1",
            "big 00000",
            "app old 3",
            "big 00000",
            "app new 5"
        ],
        "braided:\n{screen}"
    );
    tmux.keys(&["q"]);
    // `-n 2`: the log's last two lines reach into its generation (the live file has one).
    tmux.wait("the shell", |s| s.contains("EXIT=0"));
    tmux.keys(&["clear", "Enter"]);
    tmux.logbraid("-n 2 big.log 'app.log*'");
    let screen = tmux.wait("both sources' last lines", |s| {
        s.contains("app new 5") && s.contains(&format!("big {:08}", lines - 1))
    });
    let shown: Vec<String> = pane_rows(&screen, "merged")
        .iter()
        .filter_map(|r| r.split("Z ").nth(1).map(|t| t.chars().take(12).collect()))
        .collect();
    let want = [
        "app old 3".to_owned(),
        "app new 5".to_owned(),
        format!("big {:08}", lines - 2),
        format!("big {:08}", lines - 1),
    ];
    let want: Vec<String> = want.iter().map(|t| t.chars().take(12).collect()).collect();
    assert_eq!(shown, want, "{screen}");
    tmux.keys(&["q"]);
}
